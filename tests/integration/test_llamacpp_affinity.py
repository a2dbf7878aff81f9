"""Slot affinity on a real llama.cpp server: the server prefills about what turns add."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benchmarks.perf.prefill import captured_records, tally_calls
from societies.config import parse_config
from societies.engine.experiment import run_experiment
from societies.transcript import read_transcript

pytestmark = pytest.mark.integration


def debate(questions: int, **backend: Any) -> dict[str, Any]:
    """Du's shape, small: 3 agents with the same first prompt, 3 rounds."""
    return {
        "name": "affinity",
        "seed": 0,
        "task": {
            "name": "arithmetic",
            "items": "du2023",
            "extraction": "du2023",
            "limit": questions,
        },
        "prompts": "du2023",
        "backends": {"local": {"kind": "llamacpp", "threads": 1, "n_parallel": 2, **backend}},
        "agents": [{"name": "agent", "trait": "neutral", "backend": "local", "count": 3}],
        "graph": {"kind": "complete"},
        "protocol": {"strategy": ["debate", "debate"]},
        "decision": "du2023",
        "generation": {"temperature": 0.7, "max_tokens": 48},
        "cache": {"enabled": False},
    }


def run(tmp_path: Path, questions: int, **backend: Any) -> tuple[list[Any], Any]:
    cfg = parse_config(debate(questions, **backend))
    with captured_records() as records:
        result = run_experiment(cfg, tmp_path / "run", cache="off")
    assert result.status == "complete", result.errors
    return records, read_transcript(tmp_path / "run" / "transcript.jsonl")


def test_with_server_affinity_the_server_prefills_about_what_turns_add(
    tmp_path: Path, gguf_path: Path
) -> None:
    # 6 conversations, 2 slots in one shared store, the rest in the server's prompt cache.
    records, transcript = run(tmp_path, questions=2, slot_affinity="server")
    tally = tally_calls(records)
    assert tally.calls == len(transcript.turns) == 2 * 3 * 3
    assert tally.unreported == 0
    assert tally.added < tally.prompt / 2  # later turns repeat their history
    assert tally.prefilled <= 1.1 * tally.added


def test_pinned_with_more_conversations_than_slots_still_answers_every_turn(
    tmp_path: Path, gguf_path: Path
) -> None:
    # 3 conversations pinned to 2 slots: states are overwritten and prefilled again.
    records, transcript = run(tmp_path, questions=1, slot_affinity="pin", slots=2)
    tally = tally_calls(records)
    assert tally.calls == len(transcript.turns) == 9
    assert {r.slot for r in records} == {0, 1}
    assert all(t.reply.strip() for t in transcript.turns)
    assert 0 < tally.prefilled <= tally.prompt
