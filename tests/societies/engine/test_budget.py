"""Budgets: a run stops cleanly at its limit, stays valid, and resumes with a higher one."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from agents.backends import BackendClient, OpenAISpec, ScriptedProvider, ScriptedSpec
from agents.types import ChatRequest, Message, Usage
from societies.cli.app import EXIT_BUDGET, app
from societies.config import BudgetSpec, parse_config
from societies.engine.budget import Budget, Price, make_budget, price_of, with_budget
from societies.engine.experiment import run_experiment
from societies.transcript import read_transcript, strip_volatile
from tests.helpers.configs import sim_config

TOTAL = 10 * 3 * 3  # questions x agents x rounds


def config(**overrides: Any) -> dict[str, Any]:
    return sim_config(
        task={"name": "arithmetic", "limit": 10},
        repeats=1,
        concurrency=2,
        backends={"sim": {"kind": "scripted", "latency_ms": 2}},
        **overrides,
    )


def turns_of(path: Path) -> list[Any]:
    return [strip_volatile(t.model_dump(mode="json")) for t in read_transcript(path).turns]


def test_a_run_stops_at_its_token_budget_with_a_valid_transcript(tmp_path: Path) -> None:
    result = run_experiment(parse_config(config(budget={"max_tokens": 2000})), tmp_path)
    assert result.status == "budget"
    t = read_transcript(tmp_path / "transcript.jsonl")
    assert t.end is not None and t.end.status == "budget" and t.end.budget is not None
    spent = sum(x.usage.total_tokens for x in t.turns)
    assert t.end.budget["tokens"] == spent and t.end.budget["max_tokens"] == 2000
    assert spent >= 2000
    # It stopped: far fewer turns than the run has, and only the calls already in
    # flight when the limit was reached (at most 2 episodes x 3 agents) went past it.
    assert 0 < len(t.turns) < TOTAL
    biggest = max(x.usage.total_tokens for x in t.turns)
    assert spent < 2000 + 6 * biggest
    # Every recorded turn is whole: its agent's earlier rounds are recorded too.
    keys = {(x.episode, x.agent, x.round) for x in t.turns}
    assert len(keys) == len(t.turns)
    assert all((e, a, r - 1) in keys for e, a, r in keys if r > 0)


def test_a_stopped_run_resumes_with_a_higher_budget_and_matches_a_whole_run(
    tmp_path: Path,
) -> None:
    run_experiment(parse_config(config(budget={"max_tokens": 2000})), tmp_path / "r")
    before = len(read_transcript(tmp_path / "r" / "transcript.jsonl").turns)
    again = run_experiment(
        parse_config(config(budget={"max_tokens": 2000})), tmp_path / "r", resume=True
    )
    assert again.status == "budget"  # the same budget: already spent, nothing new
    assert len(read_transcript(tmp_path / "r" / "transcript.jsonl").turns) == before
    assert again.usage["sim"]["calls"] == 0
    done = run_experiment(
        parse_config(config(budget={"max_tokens": 10**9})), tmp_path / "r", resume=True
    )
    assert done.status == "complete" and done.usage["sim"]["calls"] == TOTAL - before
    run_experiment(parse_config(config()), tmp_path / "whole")
    assert turns_of(tmp_path / "r" / "transcript.jsonl") == turns_of(
        tmp_path / "whole" / "transcript.jsonl"
    )


def test_the_cli_says_how_to_continue_and_exits_3(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(config(budget={"max_tokens": 1500})))
    out = tmp_path / "o"
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(out)])
    assert result.exit_code == EXIT_BUDGET
    assert "budget is reached" in result.output and "--resume" in result.output
    # the summary counts the episodes that started, not the planned ones
    t = read_transcript(out / "transcript.jsonl")
    started = len({x.episode for x in t.turns})
    planned = t.end.episodes  # type: ignore[union-attr]
    assert 0 < started < planned
    assert f"budget: {started} of {planned} episodes started, {len(t.turns)} turns" in result.output
    result = CliRunner().invoke(
        app,
        ["run", str(path), "--out", str(out), "--resume", "--set", "budget.max_tokens=1000000000"],
    )
    assert result.exit_code == 0, result.output
    assert read_transcript(out / "transcript.jsonl").end.status == "complete"  # type: ignore[union-attr]


def test_cost_is_counted_from_prices_and_cache_hits_are_free() -> None:
    spec = OpenAISpec(
        model="m",
        base_url="http://x",
        price_per_1m_prompt_tokens=3,
        price_per_1m_completion_tokens=15,
    )
    price = price_of(spec)
    assert price == Price(3.0, 15.0)
    assert price.cost(Usage(prompt_tokens=1_000_000, completion_tokens=100_000)) == pytest.approx(
        4.5
    )
    assert price_of(ScriptedSpec()) == Price() and not Price().known
    budget = Budget(BudgetSpec(max_cost_usd=1.0), {"api": price})
    budget.spend_recorded(
        [
            ("api", Usage(prompt_tokens=200_000, completion_tokens=0), False),
            ("api", Usage(prompt_tokens=900_000, completion_tokens=0), True),  # cached: free
        ]
    )
    assert budget.cost_usd == pytest.approx(0.6) and not budget.reached
    budget.spend("api", Usage(prompt_tokens=0, completion_tokens=30_000))
    assert budget.reached and budget.summary()["max_cost_usd"] == 1.0
    assert make_budget(None, {}) is None
    assert make_budget(BudgetSpec(), {}) is None


def test_no_call_starts_once_the_budget_is_reached() -> None:
    async def scenario() -> tuple[int, bool]:
        provider = ScriptedProvider(ScriptedSpec())
        inner = BackendClient(name="sim", provider=provider, semaphore=None)
        budget = Budget(BudgetSpec(max_tokens=1))
        client = with_budget({"sim": inner}, budget)["sim"]
        request = ChatRequest(messages=(Message(role="user", content="hello there"),))
        await client.complete(request)  # spends more than 1 token
        blocked = asyncio.ensure_future(client.complete(request))
        await asyncio.sleep(0.01)
        stopped = asyncio.ensure_future(budget.stopped())
        await asyncio.sleep(0.01)
        done = blocked.done()
        blocked.cancel()
        return inner.usage.calls, done or not stopped.done()

    calls, problem = asyncio.run(scenario())
    assert calls == 1 and not problem
