"""A run against a faulty server: failed calls keep their episode's other replies, a
permanent error stops the run with one safe line, and no key ends up anywhere."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from societies.cli.app import app
from societies.config import parse_config
from societies.engine.experiment import run_experiment
from societies.transcript import read_transcript
from tests.helpers.configs import sim_config
from tests.helpers.fake_openai import FakeServer, running_server

KEY = "sk-test-0123456789abcdefSECRET"


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with running_server(FakeServer()) as s:
        yield s


def api_config(server: FakeServer, **backend: Any) -> dict[str, Any]:
    """Three agents, one question, one debate round, on the fake server."""
    data = copy.deepcopy(sim_config())
    data["backends"] = {
        "sim": {
            "kind": "openai",
            "model": "fake",
            "base_url": f"http://127.0.0.1:{server.port}/v1",
            "retry": {"attempts": 1, "initial_s": 0.0, "jitter_s": 0.0},
            **backend,
        }
    }
    data.update(task={"name": "arithmetic", "limit": 1}, repeats=1)
    data["protocol"] = {"strategy": ["debate"]}
    return data


def test_a_failed_call_keeps_the_replies_in_flight_and_resume_asks_only_for_the_rest(
    server: FakeServer, tmp_path: Path
) -> None:
    server.delay_s = 0.3  # the failure arrives while the two other calls are in flight
    server.faults = lambda index, body: 400 if index == 0 else "ok"
    cfg = parse_config(api_config(server))
    first = run_experiment(cfg, tmp_path, cache="off")
    assert first.status == "incomplete" and len(first.errors) == 1
    kept = read_transcript(tmp_path / "transcript.jsonl").turns
    assert len(kept) == 2 and {t.round for t in kept} == {0}
    server.faults = lambda index, body: "ok"
    asked = server.requests
    again = run_experiment(cfg, tmp_path, resume=True, cache="off")
    assert again.status == "complete"
    assert server.requests - asked == 1 + 3  # the failed first answer, then the debate round
    assert len(read_transcript(tmp_path / "transcript.jsonl").turns) == 6


def test_a_permanent_error_stops_the_run_with_one_line_that_is_safe_to_print(
    server: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOCIOLAB_FAULT_KEY", KEY)
    server.faults = lambda index, body: 401
    # The body echoes the key, clears the screen and writes to the clipboard (OSC 52).
    server.body = (
        '{"error": {"message": "invalid key ' + KEY + ' \\u001b[2J\\u001b]52;c;aGk=\\u0007"}}'
    ).encode()
    data = api_config(server, api_key_env="SOCIOLAB_FAULT_KEY", max_concurrency=1)
    data["task"]["limit"] = 5
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data))
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(out), "--no-cache"])
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "401" in errors[0] and "--resume" in errors[0]
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert server.requests == 1  # no retry, no other question asked
    for text in [
        result.output,
        *(p.read_text(errors="replace") for p in out.rglob("*") if p.is_file()),
    ]:
        assert KEY not in text
