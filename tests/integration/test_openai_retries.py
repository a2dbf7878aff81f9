"""The OpenAI backend against a real llama.cpp server behind a fault-injecting proxy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benchmarks import ArithmeticSpec
from societies.config import parse_config
from societies.engine.experiment import run_experiment
from societies.transcript import read_transcript
from tests.helpers.proxy import Fault, FaultProxy, running_proxy

pytestmark = pytest.mark.integration


def config(base_url: str, questions: int = 2) -> dict[str, Any]:
    return {
        "name": "retries",
        "task": {"name": "arithmetic", "limit": questions},
        "backends": {
            "api": {
                "kind": "openai",
                "model": "smollm2",
                "base_url": base_url,
                "max_concurrency": 2,
            }
        },
        "agents": [{"name": n, "backend": "api"} for n in ("ada", "bo", "cy")],
        "protocol": {"strategy": ["debate"]},
        "generation": {"max_tokens": 16},
        "cache": {"enabled": False},
    }


def test_429_with_retry_after_then_5xx_and_a_dropped_connection(
    llama_server: str, tmp_path: Path
) -> None:
    upstream = llama_server.removesuffix("/v1")
    faults = [
        Fault(429, {"Retry-After": "1"}),
        Fault(429, {"Retry-After": "1"}),
        Fault(503),
        Fault(0),
    ]
    with running_proxy(FaultProxy(upstream, faults)) as proxy:
        result = run_experiment(parse_config(config(f"http://127.0.0.1:{proxy.port}/v1")), tmp_path)
    assert result.status == "complete", result.errors
    t = read_transcript(tmp_path / "transcript.jsonl")
    keys = [(x.question_id, x.agent, x.round) for x in t.turns]
    assert len(keys) == len(set(keys)) == 2 * 3 * 2  # every turn exactly once
    assert proxy.passed == 12 and proxy.requests == 12 + len(faults)
    assert result.usage["api"]["retries"] == len(faults)
    assert all(x.reply for x in t.turns)


def test_a_call_that_keeps_failing_fails_its_episode_only(
    llama_server: str, tmp_path: Path
) -> None:
    upstream = llama_server.removesuffix("/v1")
    data = config("", questions=2)
    data["backends"]["api"]["retry"] = {"attempts": 6, "initial_s": 0.01, "max_s": 0.02}
    expr = ArithmeticSpec(limit=2).build().questions()[0].metadata["expression"]
    with running_proxy(FaultProxy(upstream, [], poison=expr.encode())) as proxy:
        data["backends"]["api"]["base_url"] = f"http://127.0.0.1:{proxy.port}/v1"
        result = run_experiment(parse_config(data), tmp_path)
    assert result.status == "incomplete"
    assert len(result.errors) == 1 and "gave up after 6 attempts" in result.errors[0]
    t = read_transcript(tmp_path / "transcript.jsonl")
    assert {x.question_id for x in t.turns} == {"arith-1"}  # the other episode finished
    assert t.end is not None and t.end.status == "incomplete"
