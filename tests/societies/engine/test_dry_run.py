"""``--dry-run``: the calls counted before spending are the calls a real run then makes."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from agents.types import ChatRequest, Message
from societies.cli.app import app
from societies.config import parse_config
from societies.engine.dry_run import MARK, dry_run, estimate_tokens
from societies.engine.experiment import run_experiment
from societies.sweeps.local import run_local
from societies.sweeps.spec import load_sweep
from tests.helpers.configs import sim_config


def calls(usage: dict[str, dict[str, int]]) -> tuple[int, int]:
    """(requests, model calls) of a run's usage."""
    asked = sum(u["calls"] for u in usage.values())
    return asked, asked - sum(u["cache_hits"] for u in usage.values())


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"protocol": {"strategy": "0110"}, "graph": {"kind": "ring"}},
        {"agents": [{"name": "x", "trait": "easy-going", "backend": "sim", "count": 5}]},
    ],
)
def test_dry_run_counts_the_calls_a_real_run_makes(
    tmp_path: Path, overrides: dict[str, Any]
) -> None:
    cfg = parse_config(sim_config(**overrides))
    estimate = dry_run([(cfg.name, cfg)])
    result = run_experiment(cfg, tmp_path)
    assert estimate.requests == result.turns == calls(result.usage)[0]
    assert estimate.calls == calls(result.usage)[1]
    assert estimate.between_runs == 0 and estimate.within_runs == 0


def test_a_rerun_from_the_cache_makes_no_call_and_the_dry_run_counts_the_first(
    tmp_path: Path,
) -> None:
    cfg = parse_config(sim_config(cache={"enabled": True}))
    first = run_experiment(cfg, tmp_path / "a")
    assert dry_run([("x", cfg)]).calls == calls(first.usage)[1] == first.turns


def test_a_sweep_dry_run_counts_calls_shared_between_cells(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(sim_config(repeats=1)))
    sweep = {
        "name": "s",
        "base": "base.yaml",
        "grid": {"protocol.strategy": ["001", "010", "011"]},
        "seeds": [1, 2],
    }
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(sweep, sort_keys=False))
    plan = load_sweep(path)
    # Cells differ by strategy and seed, so calls are shared exactly when they are the
    # same call (replies that merely coincide, as simulated ones often do between
    # societies, could only save more than the estimate).
    estimate = dry_run([(c.name, c.config) for c in plan.cells])
    result = asyncio.run(run_local(plan, tmp_path / "out"))
    assert estimate.requests == result.requests == 6 * 6 * 3 * 4
    assert estimate.calls == result.calls_made
    assert estimate.between_runs == result.requests - result.calls_made > 0

    cli = CliRunner().invoke(app, ["sweep", str(path), "--dry-run"], terminal_width=200)
    assert cli.exit_code == 0, cli.output
    assert f"{estimate.requests:,} calls in 6 runs" in cli.output
    assert f"shared between cells: {estimate.between_runs:,}" in cli.output
    assert f"model calls: {estimate.calls:,}" in cli.output
    assert not (tmp_path / "runs").exists()


def test_cost_comes_from_the_prices_in_the_config_without_any_call(tmp_path: Path) -> None:
    api = {
        "kind": "openai",
        "model": "some-model",
        "base_url": "http://127.0.0.1:9/v1",  # nothing listens: a dry run must not call it
        "price_per_1m_prompt_tokens": 2.0,
        "price_per_1m_completion_tokens": 8.0,
    }
    data = sim_config(backends={"sim": api}, task={"name": "arithmetic", "limit": 2}, repeats=1)
    cfg = parse_config(data)
    estimate = dry_run([("x", cfg)], reply_tokens=50)
    (tally,) = estimate.backends
    assert tally.calls == 2 * 3 * 3 and tally.completion_tokens == 18 * 50
    assert tally.prompt_tokens > 18 * 20
    expected = (tally.prompt_tokens * 2.0 + tally.completion_tokens * 8.0) / 1e6
    assert estimate.cost_usd == pytest.approx(expected)
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump({**data, "budget": {"max_cost_usd": 5}}))
    result = CliRunner().invoke(app, ["run", str(config), "--dry-run", "--reply-tokens", "50"])
    assert result.exit_code == 0, result.output
    assert "18 calls" in result.output and f"~${expected:,.4f}" in result.output
    assert "budget: $5.0 (within it)" in result.output
    assert not (tmp_path / "runs").exists()


def test_token_estimate_counts_each_reply_placeholder_as_a_reply() -> None:
    reply = f"{MARK}{'0' * 16}\u27e7"
    request = ChatRequest(
        messages=(
            Message(role="user", content="x" * 40),
            Message(role="assistant", content=reply),
            Message(role="user", content=f"peer said {reply} and {reply}"),
        )
    )
    assert estimate_tokens(request, 100) == 3 * 100 + -(-(40 + len("peer said  and ")) // 4)


def test_growing_prompts_make_later_rounds_cost_more() -> None:
    cfg = parse_config(sim_config(repeats=1, task={"name": "arithmetic", "limit": 1}))
    short = dry_run([("x", cfg)], reply_tokens=10)
    long = dry_run([("x", cfg)], reply_tokens=200)
    assert short.calls == long.calls
    assert long.prompt_tokens - short.prompt_tokens > 0
    assert long.completion_tokens == 20 * short.completion_tokens
