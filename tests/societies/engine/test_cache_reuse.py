"""The response cache keys on what a model sees: a corrected gold answer or a new
answer extractor reuses every cached call of a rerun."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from agents.backends import BackendClient, ResponseCache
from benchmarks.base import Extraction, Question
from benchmarks.gsm8k import GSM8KTask
from societies.config import ExperimentConfig, parse_config
from societies.engine.experiment import Experiment, RunResult
from societies.transcript import Transcript, read_transcript
from tests.helpers.providers import Deterministic


def write_problems(path: Path, golds: list[int]) -> None:
    rows = [
        {"question": f"Ann has {i} apples and buys {i + 2}. How many now?", "answer": f"#### {g}"}
        for i, g in enumerate(golds)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def config(data: Path) -> ExperimentConfig:
    return parse_config(
        {
            "name": "reuse",
            "seed": 1,
            "task": {"name": "gsm8k", "path": str(data)},
            "backends": {"m": {"kind": "scripted"}},  # replaced by the test's own client
            "agents": [
                {"name": "ada", "trait": "overconfident", "backend": "m"},
                {"name": "bo", "trait": "easy-going", "backend": "m"},
                {"name": "cy", "trait": "easy-going", "backend": "m"},
            ],
            "protocol": {"strategy": ["debate", "reflection"]},
        }
    )


async def run(cfg: ExperimentConfig, out: Path, cache_path: Path) -> tuple[RunResult, int]:
    provider = Deterministic()
    cache = ResponseCache(cache_path)
    client = BackendClient(name="m", provider=provider, semaphore=None, cache=cache)
    try:
        result = await Experiment(cfg, out, clients={"m": client}).run()
    finally:
        cache.close()
    return result, provider.calls


def first_number(self: GSM8KTask, reply: str, question: Question) -> Extraction:
    found = re.findall(r"\d+", reply)
    return Extraction(answer=found[0] if found else None, method="first-number")


async def test_new_gold_and_extractor_reuse_every_cached_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, cache_path = tmp_path / "problems.jsonl", tmp_path / "cache.sqlite"
    write_problems(data, [2, 4, 6])
    first, made = await run(config(data), tmp_path / "a", cache_path)
    assert first.status == "complete" and made == first.turns == 3 * 3 * 3

    write_problems(data, [3, 5, 7])  # a corrected gold answer for every question
    monkeypatch.setattr(GSM8KTask, "extract", first_number)  # a different extractor
    second, made = await run(config(data), tmp_path / "b", cache_path)
    assert second.status == "complete" and second.turns == first.turns
    assert made == 0  # every call of every round came from the cache
    assert second.usage["m"]["cache_hits"] == second.turns

    a: Transcript = read_transcript(tmp_path / "a" / "transcript.jsonl")
    b: Transcript = read_transcript(tmp_path / "b" / "transcript.jsonl")
    assert [t.reply for t in a.turns] == [t.reply for t in b.turns]
    # The changes took effect: other golds, other extracted answers.
    assert [q.gold for q in b.header.questions] == ["3", "5", "7"]
    assert {t.extraction for t in b.turns} == {"first-number"}
    assert [t.answer for t in a.turns] != [t.answer for t in b.turns]
