"""The issue's example config, end to end, on a real llama.cpp server with SmolLM2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from agents.backends import LlamaCppProvider
from societies.config import parse_config
from societies.engine.experiment import run_experiment
from societies.transcript import read_transcript, strip_volatile
from tests.societies.config.test_config import EXAMPLE

pytestmark = pytest.mark.integration


def example(cache: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE)
    data["generation"]["max_tokens"] = 64  # keeps CI fast; the shape is what is checked
    data["cache"] = {"path": str(cache)}
    return data


@pytest.fixture(scope="module")
def example_run(tmp_path_factory: pytest.TempPathFactory, gguf_path: Path) -> Path:
    out = tmp_path_factory.mktemp("llamacpp") / "run"
    result = run_experiment(parse_config(example(out.parent / "cache.sqlite")), out)
    assert result.status == "complete", result.errors
    return out


def test_transcript_has_every_turn_with_replies_and_usage(example_run: Path) -> None:
    t = read_transcript(example_run / "transcript.jsonl")
    assert len(t.turns) == 3 * 3 * 4 == 36
    keys = {(x.question_id, x.agent, x.round) for x in t.turns}
    assert len(keys) == 36
    assert all(x.reply.strip() for x in t.turns)
    assert all(x.usage.prompt_tokens > 0 and 0 < x.usage.completion_tokens <= 64 for x in t.turns)
    assert all(not x.cached for x in t.turns)
    assert t.end is not None and t.end.status == "complete"
    assert t.end.session["local"]["calls"] == 36
    # later rounds carry the growing history
    r2 = [x for x in t.turns if x.round == 2]
    assert all(len(x.messages) == 6 for x in r2)


def test_rerun_from_the_cache_is_identical_and_needs_no_model(
    example_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def no_start(self: LlamaCppProvider) -> None:
        raise AssertionError("the model must not be loaded when every reply is cached")

    monkeypatch.setattr(LlamaCppProvider, "start", no_start)
    data = example(example_run.parent / "cache.sqlite")
    result = run_experiment(parse_config(data), tmp_path / "again")
    assert result.status == "complete"
    first = (example_run / "transcript.jsonl").read_text().splitlines()
    second = (tmp_path / "again" / "transcript.jsonl").read_text().splitlines()
    assert [strip_volatile(json.loads(x)) for x in first] == [
        strip_volatile(json.loads(x)) for x in second
    ]
    assert all(x.cached for x in read_transcript(tmp_path / "again" / "transcript.jsonl").turns)


def test_report_json_on_the_real_transcript(example_run: Path) -> None:
    from typer.testing import CliRunner

    from societies.cli.app import app

    result = CliRunner().invoke(app, ["report", str(example_run), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["episodes"] == 4 and data["turns"] == 36
    assert len(data["accuracy_by_round"]) == len(data["consensus_by_round"]) == 3
    assert all(1.0 <= c <= 3.0 for c in data["consensus_by_round"])
    assert set(data["conformity"]) >= {"T->T", "T->F", "F->T", "F->F", "rate"}
    # conformity counts only the debate round: at most one debate turn per agent and episode
    counted = sum(data["conformity"][k] for k in ("T->T", "T->F", "F->T", "F->F"))
    assert counted <= 3 * 4
    t = read_transcript(example_run / "transcript.jsonl")
    tokens = sum(x.usage.prompt_tokens + x.usage.completion_tokens for x in t.turns)
    assert data["tokens"]["total"] == tokens
    assert data["tokens"]["prompt"] + data["tokens"]["completion"] == tokens
    # truncation and fallback extraction, counted from the real model's turns
    cut = sum(x.finish_reason == "length" for x in t.turns)
    assert data["provenance"]["truncated"] == cut
    methods: dict[str, int] = {}
    for x in t.turns:
        methods[x.extraction] = methods.get(x.extraction, 0) + 1
    assert data["provenance"]["extraction_methods"] == dict(
        sorted(methods.items(), key=lambda kv: (-kv[1], kv[0]))
    )


def test_resume_on_llamacpp_takes_harmless_changes_and_runs_only_new_repeats(
    tmp_path: Path, gguf_path: Path
) -> None:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE)
    data["task"]["limit"] = 1
    data["protocol"] = {"strategy": ["debate"]}
    data["generation"]["max_tokens"] = 32
    data["backends"]["local"].update(threads=1, n_parallel=3)
    data["cache"] = {"enabled": False}  # every turn is a real call to the server
    first = run_experiment(parse_config(data), tmp_path)
    assert first.status == "complete" and first.usage["local"]["calls"] == 6
    recorded = read_transcript(tmp_path / "transcript.jsonl").turns
    data["repeats"] = 2
    data["backends"]["local"].update(threads=2, n_parallel=2)
    grown = run_experiment(parse_config(data), tmp_path, resume=True)
    assert grown.status == "complete" and grown.turns == 12
    assert grown.usage["local"]["calls"] == 6  # only repeat 1
    t = read_transcript(tmp_path / "transcript.jsonl")
    assert [x for x in t.turns if x.repeat == 0] == recorded
    changes = {(c.path, c.effect) for c in t.header.amendments[0].changes}
    assert changes == {
        ("backends.local.threads", "none"),
        ("backends.local.n_parallel", "none"),
        ("repeats", "extends"),
    }
