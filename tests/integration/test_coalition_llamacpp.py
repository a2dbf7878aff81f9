"""A coalition calibrated and run on the real local model (SmolLM2 behind a llama.cpp server)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from societies.analysis.report import make_report, to_json
from societies.config import parse_config
from societies.engine.calibrate import calibrate
from societies.engine.coalition import COALITION
from societies.engine.experiment import run_experiment
from societies.transcript import read_transcript

pytestmark = pytest.mark.integration

STAGES = ["plan", "solve", "check", "answer"]


def coalition(server: str, table: Path) -> dict[str, Any]:
    return {
        "name": "coalition-smollm2",
        "seed": 0,
        "task": {"name": "arithmetic", "limit": 2},
        "backends": {"local": {"kind": "openai", "model": "smollm2", "base_url": server}},
        "traits": [
            {"name": "methodical", "prompt": "You work in small, explicit steps."},
            {"name": "concise", "prompt": "You answer directly and briefly."},
        ],
        "agents": [
            {"name": "methodical", "trait": "methodical", "backend": "local"},
            {"name": "concise", "trait": "concise", "backend": "local"},
        ],
        "protocol": {
            "kind": "coalition",
            "routing": {"policy": "cheapest-within", "margin": 0.5, "table": str(table)},
            "calibration": {"task": {"name": "arithmetic", "limit": 2, "seed": 7}},
        },
        "generation": {"temperature": 0.0, "max_tokens": 32},
        "cache": {"path": str(table.parent / "cache.sqlite")},
    }


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory, llama_server: str) -> Path:
    folder = tmp_path_factory.mktemp("coalition")
    table = folder / "skills.json"
    cfg = parse_config(coalition(llama_server, table))
    result = asyncio.run(calibrate(cfg, table))
    assert result.requests == 2 * 2 * 4 * 4 and 0 < result.calls_made < result.requests
    return table


def test_calibration_records_accuracy_and_tokens_per_member_and_stage(calibrated: Path) -> None:
    doc = json.loads(calibrated.read_text())
    entries = {(e["member"], e["stage"]): e for e in doc["entries"]}
    assert set(entries) == {(m, s) for m in ("methodical", "concise") for s in STAGES}
    for e in entries.values():
        assert 0.0 <= e["accuracy"] <= 1.0 and e["n"] == 2 and e["category"] == "*"
        assert e["tokens"] > 0  # real prompt + completion tokens from the server
    assert doc["reference"] == "methodical" and doc["questions"] == 2


def test_a_coalition_run_records_routing_and_the_report_compares_members(
    calibrated: Path, llama_server: str, tmp_path: Path
) -> None:
    cfg = parse_config(coalition(llama_server, calibrated))
    result = run_experiment(cfg, tmp_path / "run")
    assert result.status == "complete", result.errors
    t = read_transcript(tmp_path / "run" / "transcript.jsonl")
    assert len(t.turns) == 2 * 3 * 4  # questions x (coalition + 2 members) x stages
    assert all(x.reply.strip() and x.usage.completion_tokens > 0 for x in t.turns)
    routing = t.header.components["routing"]
    assert routing["table"] == str(calibrated) and routing["policy"] == "cheapest-within"
    assert len(routing["skills"]) == 8
    planned = {p["stage"]: p["member"] for p in routing["plan"]}
    assert set(planned) == set(STAGES)
    for x in t.turns:
        if x.agent == COALITION:
            assert x.route is not None and x.route.member == planned[x.pattern]
            assert x.backend == "local"
    report = make_report([tmp_path / "run"], plots=False)
    md = (tmp_path / "run" / "report.md").read_text()
    assert "coalition vs each member alone" in md
    for label in ("coalition (routed)", "methodical alone", "concise alone"):
        assert label in md
    data = json.loads(to_json(report.metrics))
    assert data["turns"] == 24 and data["episodes"] == 2
