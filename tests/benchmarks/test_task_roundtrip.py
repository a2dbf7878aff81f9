"""For every task: render_answer -> extract gives the answer back; gold scores right, wrong answers wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import TypeAdapter

from benchmarks import AnyTaskSpec, Task
from benchmarks.base import Question

DATA = Path(__file__).resolve().parents[2] / "../shared/data"
SPECS = TypeAdapter(AnyTaskSpec)


def _gsm8k_file(tmp_path: Path) -> Path:
    path = tmp_path / "gsm8k.jsonl"
    rows = [
        {
            "question": f"What is {a} times {b}?",
            "answer": f"{a}*{b}=<<{a}*{b}={a * b}>>\n#### {a * b:,}",
        }
        for a, b in ((3, 4), (250, 40), (-7, 6), (1234, 5))
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


CASES: dict[str, dict[str, object]] = {
    "arithmetic": {"name": "arithmetic", "limit": 30},
    "arithmetic-du2023": {"name": "arithmetic", "items": "du2023", "extraction": "du2023"},
    "chess-generated": {"name": "chess", "limit": 30},
    "chess-bigbench": {"name": "chess", "path": DATA / "chess/synthetic_short.json"},
    "chess-machinesom": {
        "name": "chess",
        "path": DATA / "machinesom/chess.jsonl",
        "extraction": "machinesom",
    },
    "mmlu": {"name": "mmlu", "path": DATA / "mmlu"},
    "mmlu-machinesom": {
        "name": "mmlu",
        "path": DATA / "machinesom/mmlu.jsonl",
        "extraction": "machinesom",
    },
    "math": {"name": "math", "path": DATA / "math/test_levels3-5.jsonl"},
    "math-machinesom": {"name": "math", "path": DATA / "machinesom/math.jsonl"},
    "gsm8k": {"name": "gsm8k"},  # path filled in below
}


def _config(case: str, tmp_path: Path) -> dict[str, object]:
    config = dict(CASES[case])
    if case == "gsm8k":
        config["path"] = _gsm8k_file(tmp_path)
    path = config.get("path")
    if isinstance(path, Path) and not path.exists():
        pytest.skip(f"shared benchmark data not found at {path.resolve()}")
    return config


def _build(case: str, tmp_path: Path) -> Task:
    return SPECS.validate_python(_config(case, tmp_path)).build()


def _right_answers(task: Task, q: Question) -> list[str]:
    return q.gold.split() if task.name == "chess" else [q.gold]


@pytest.mark.parametrize("case", list(CASES))
def test_render_extract_roundtrip_and_scoring(case: str, tmp_path: Path) -> None:
    task = _build(case, tmp_path)
    questions = task.questions()
    assert questions
    for q in questions:
        right = _right_answers(task, q)
        wrong = task.wrong_answers(q)
        assert wrong, q.id
        for answer in right + wrong:
            reply = task.render_answer(answer)
            got = task.extract(reply, q)
            assert got.answer == answer, (q.id, reply, got)
            assert got.method != "none"
        assert all(task.is_correct(a, q) for a in right), q.id
        assert not any(task.is_correct(a, q) for a in wrong), q.id
        assert not task.is_correct(None, q)


@pytest.mark.parametrize("case", list(CASES))
def test_render_answer_is_a_template(case: str, tmp_path: Path) -> None:
    # the simulation backend renders answers by substituting them into render_answer("{answer}")
    task = _build(case, tmp_path)
    q = task.questions()[0]
    for answer in _right_answers(task, q)[:1] + task.wrong_answers(q)[:2]:
        assert task.render_answer("{answer}").replace("{answer}", answer) == task.render_answer(
            answer
        )


@pytest.mark.parametrize("case", list(CASES))
def test_prompt_has_question_and_instructions(case: str, tmp_path: Path) -> None:
    task = _build(case, tmp_path)
    q = task.questions()[0]
    text = task.format_question(q)
    assert q.prompt in text and text.endswith(task.instructions)
    for i, choice in enumerate(q.choices or ()):
        assert f"({'ABCDEFGHIJ'[i]}) {choice}" in text
    config = {**_config(case, tmp_path), "instructions": "Reply in one word."}
    custom = SPECS.validate_python(config).build()
    assert custom.format_question(q).endswith("Reply in one word.")
