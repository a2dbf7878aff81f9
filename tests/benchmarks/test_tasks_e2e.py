"""Every task runs end to end through the experiment engine with the scripted backend."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from societies.config import parse_config
from societies.engine.experiment import run_experiment
from societies.transcript import read_transcript

DATA = Path(__file__).resolve().parents[2] / "../shared/data"

TASKS: dict[str, dict[str, Any]] = {
    "arithmetic": {"name": "arithmetic", "limit": 3},
    "arithmetic-du2023": {"name": "arithmetic", "limit": 3, "items": "du2023", "extraction": "du2023"},
    "gsm8k": {"name": "gsm8k", "path": "gsm8k.jsonl", "limit": 2},
    "chess-generated": {"name": "chess", "limit": 3},
    "chess-file": {"name": "chess", "path": str(DATA / "chess/synthetic_short.json"), "limit": 3},
    "mmlu": {"name": "mmlu", "path": str(DATA / "mmlu"), "limit": 3, "subjects": ["high_school_physics"]},
    "mmlu-machinesom": {"name": "mmlu", "path": str(DATA / "machinesom/mmlu.jsonl"), "limit": 3, "extraction": "machinesom"},
    "math": {"name": "math", "path": str(DATA / "math/test_levels3-5.jsonl"), "limit": 3, "levels": [5]},
    "math-machinesom": {"name": "math", "path": str(DATA / "machinesom/math.jsonl"), "limit": 3, "extraction": "machinesom"},
    "chess-machinesom": {"name": "chess", "path": str(DATA / "machinesom/chess.jsonl"), "limit": 3, "extraction": "machinesom"},
}  # fmt: skip
DECISIONS = {"math-machinesom": "machinesom", "chess-machinesom": "machinesom"}
"""The society's rule per case (``majority`` otherwise)."""


def _write_gsm8k(folder: Path) -> None:
    rows = [
        {
            "question": "Ann has 3 pens and buys 4. How many pens?",
            "answer": "3+4=<<3+4=7>>7\n#### 7",
        },
        {"question": "A bike costs $1,200 and a helmet $80. Total?", "answer": "#### 1,280"},
    ]
    (folder / "gsm8k.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")


@pytest.mark.parametrize("accuracy", [1.0, 0.0])
@pytest.mark.parametrize("case", list(TASKS))
def test_task_runs_with_the_scripted_backend(case: str, accuracy: float, tmp_path: Path) -> None:
    task = TASKS[case]
    path = task.get("path")
    if path is not None and str(path).startswith(str(DATA)) and not Path(path).exists():
        pytest.skip(f"shared benchmark data not found at {DATA.resolve()}")
    _write_gsm8k(tmp_path)
    cfg = parse_config(
        {
            "name": f"e2e-{case}",
            "task": task,
            "backends": {"sim": {"kind": "scripted", "accuracy": {"default": accuracy}}},
            "agents": [{"name": "a", "backend": "sim", "count": 3}],
            "protocol": {"strategy": ["debate", "reflection"]},
            "decision": DECISIONS.get(case, "majority"),
        },
        base_dir=tmp_path,
    )
    n_questions = len(cfg.task.build().questions())
    result = run_experiment(cfg, tmp_path / "run", cache="off")
    assert result.status == "complete" and not result.errors
    assert result.turns == n_questions * 3 * 3
    transcript = read_transcript(result.transcript)
    assert transcript.turns and all(t.answer is not None for t in transcript.turns)
    assert all(t.extraction != "none" for t in transcript.turns)
    if task.get("extraction") == "machinesom":  # the study's rule read every reply
        assert all(t.extraction.startswith("machinesom-") for t in transcript.turns)
    # the scripted agents answer the gold when accurate and a wrong answer otherwise
    assert all(t.correct == bool(accuracy) for t in transcript.turns)
    assert result.accuracy_by_round == [accuracy] * 3
