"""API-bound runs keep the backend's concurrency limit full (a server that never limits itself)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from societies.config import parse_config
from societies.engine.experiment import run_experiment
from tests.helpers.configs import sim_config
from tests.helpers.fake_openai import FakeServer, running_server


def api_config(port: int, questions: int, max_concurrency: int, **extra: Any) -> dict[str, Any]:
    backend = {
        "kind": "openai",
        "model": "fake",
        "base_url": f"http://127.0.0.1:{port}/v1",
        "max_concurrency": max_concurrency,
        "retry": {"attempts": 1},
    }
    agents = [{"name": n, "trait": "easy-going", "backend": "api"} for n in ("ada", "bo", "cy")]
    return sim_config(
        task={"name": "arithmetic", "limit": questions},
        backends={"api": backend},
        agents=agents,
        protocol={"strategy": ["debate"]},
        repeats=1,
        **extra,
    )


def peak(tmp_path: Path, questions: int, max_concurrency: int, expect: int, **extra: Any) -> int:
    # Replies wait until `expect` calls were in flight at once (at most 5 s): the peak
    # does not depend on how fast this machine sends them.
    server = FakeServer(delay_s=5.0, hold_for=expect)
    with running_server(server):
        cfg = parse_config(api_config(server.port, questions, max_concurrency, **extra))
        result = run_experiment(cfg, tmp_path / "run", cache="off")
    assert result.status == "complete", result.errors
    assert server.requests == questions * 3 * 2
    return server.peak_in_flight


def test_calls_in_flight_reach_max_concurrency(tmp_path: Path) -> None:
    assert peak(tmp_path, questions=10, max_concurrency=12, expect=12) == 12


def test_by_default_enough_episodes_run_to_fill_a_large_limit(tmp_path: Path) -> None:
    # 20 questions x 3 agents answer at once: 60 calls, more than 16 episodes' 48.
    assert peak(tmp_path, questions=20, max_concurrency=64, expect=60) == 60


def test_an_explicit_concurrency_still_bounds_the_episodes(tmp_path: Path) -> None:
    assert peak(tmp_path, questions=20, max_concurrency=64, expect=12, concurrency=4) == 12


def test_episodes_in_flight() -> None:
    def cfg(**extra: Any) -> Any:
        return parse_config(api_config(1, 2, 64, **extra))

    assert cfg().episodes_in_flight() == 64
    assert cfg(concurrency=3).episodes_in_flight() == 3
    assert parse_config(sim_config()).episodes_in_flight() == 16  # no opinion: the default
    small = api_config(1, 2, 4)
    assert parse_config(small).episodes_in_flight() == 16  # never fewer than 16
    local = sim_config(backends={"sim": {"kind": "llamacpp", "n_parallel": 24}})
    assert parse_config(local).episodes_in_flight() == 24
