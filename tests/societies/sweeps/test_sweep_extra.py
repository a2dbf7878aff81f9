"""Extra cells outside a sweep's grid: a self-consistency baseline next to the societies."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from societies.analysis.report import make_report
from societies.cli.app import app
from societies.config import ExperimentConfig
from societies.config.models import ProtocolSpec
from societies.engine.dry_run import dry_run
from societies.errors import ConfigError
from societies.sweeps.local import run_local
from societies.sweeps.spec import load_sweep
from tests.helpers.configs import sim_config
from tests.societies.sweeps.test_sweep import two_by_two, write_sweep

SAMPLES = [{"name": "s", "trait": "easy-going", "backend": "sim", "count": 3}]


def rounds(cfg: ExperimentConfig) -> list[str]:
    assert isinstance(cfg.protocol, ProtocolSpec)
    return cfg.protocol.rounds


def test_extra_cells_follow_the_grid_crossed_with_the_seeds(tmp_path: Path) -> None:
    sweep = two_by_two(seeds=[1, 2], extra={"self consistency": {"protocol.strategy": [],
                                                                 "agents": SAMPLES}})  # fmt: skip
    plan = load_sweep(write_sweep(tmp_path, sweep))
    assert len(plan.cells) == 4 * 2 + 2
    extra = plan.cells[-2:]
    assert [c.name for c in extra] == [
        "extra=self-consistency__seed=1",
        "extra=self-consistency__seed=2",
    ]
    assert extra[0].labels == {"extra": "self-consistency", "seed": "1"}
    assert [c.config.seed for c in extra] == [1, 2]
    assert all(rounds(c.config) == [] for c in extra)
    assert [a[0] for a in extra[0].config.agent_list()] == ["s1", "s2", "s3"]
    assert rounds(plan.cells[0].config) == ["debate", "reflection"]  # the grid is unchanged
    # Without seeds an extra is one cell, named by its label alone.
    plan = load_sweep(write_sweep(tmp_path, two_by_two(extra={"base": {}})))
    assert plan.cells[-1].name == "extra=base" and plan.cells[-1].labels == {"extra": "base"}


def test_bad_extra_cells_are_one_line_errors(tmp_path: Path) -> None:
    bad = two_by_two(extra={"sc": {"agents.0.trait": "shy"}})
    with pytest.raises(ConfigError) as info:
        load_sweep(write_sweep(tmp_path, bad))
    (line,) = info.value.problems
    assert "(cell extra=sc)" in line and "agents[0].trait: unknown trait 'shy'" in line
    with pytest.raises(ConfigError, match=r"extra\.sc\.agents\.7\.trait: .*not an index"):
        load_sweep(write_sweep(tmp_path, two_by_two(extra={"sc": {"agents.7.trait": "x"}})))
    twins = two_by_two(extra={"a b": {}, "a-b": {}})
    with pytest.raises(ConfigError, match="extra: two cells are labelled 'a-b'"):
        load_sweep(write_sweep(tmp_path, twins))


def test_a_baseline_of_round_0_shares_every_call_with_the_grid_and_joins_the_report(
    tmp_path: Path,
) -> None:
    # MachineSoM's self-consistency: the society's own round 0, alone.
    base = sim_config(task={"name": "arithmetic", "limit": 3}, repeats=2)
    sweep = {
        "grid": {"protocol.strategy": ["0", "1"]},
        "extra": {"self-consistency": {"protocol.strategy": ""}},
    }
    plan = load_sweep(write_sweep(tmp_path, sweep, base))
    out = tmp_path / "out"
    result = asyncio.run(run_local(plan, out))
    episodes = 3 * 2
    assert result.ok and result.requests == episodes * 3 * (2 + 2 + 1)
    assert result.calls_made == episodes * 3 * (1 + 2)  # round 0 once, round 1 per strategy
    sc = next(c for c in result.cells if c.name == "extra=self-consistency")
    assert sc.status == "complete" and sc.cache_hits == episodes * 3
    estimate = dry_run([(c.name, c.config) for c in plan.cells])
    assert (estimate.requests, estimate.calls) == (result.requests, result.calls_made)

    metrics = make_report([out], plots=False).metrics
    by_strategy = {g.keys["strategy"]: g for g in metrics.groups}
    assert set(by_strategy) == {"0", "1", "round 0 only"}
    baseline = by_strategy["round 0 only"]
    assert baseline.measures.accuracy.society == by_strategy["0"].measures.accuracy.society[:1]
    assert baseline.measures.cost.calls == episodes * 3
    report = (out / "report.md").read_text()
    assert "**round 0 only**" in report and "| calls |" in report


def test_the_self_consistency_preset_runs_round_0_only(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["run", "self-consistency", "--out", str(out), "--set", "task.limit=2",
            "--set", "repeats=1", "--set", "backends.local={kind: scripted}"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    header = yaml.safe_load((out / "transcript.jsonl").read_text().splitlines()[0])
    assert header["rounds"] == ["initial"]
    assert {a["trait"] for a in header["agents"]} == {"neutral"} and len(header["agents"]) == 3
    turns = (out / "transcript.jsonl").read_text().count('"type":"turn"')
    assert turns == 2 * 3


def test_grouped_by_strategy_the_baseline_pools_the_societies_round_0_as_the_study(
    tmp_path: Path,
) -> None:
    # MachineSoM's self-consistency figure: round 0 of all societies pooled, and its cost
    # the round-0 call's tokens of each agent (our MachineSoM last-call measure).
    calm = [{"name": n, "trait": "easy-going", "backend": "sim"} for n in ("ada", "bo", "cy")]
    base = sim_config(task={"name": "arithmetic", "limit": 4}, repeats=2)
    sweep = {
        "grid": {"agents": {"mixed": base["agents"], "calm": calm}, "protocol.strategy": ["0"]},
        "extra": {"sc-mixed": {"protocol.strategy": []},
                  "sc-calm": {"protocol.strategy": [], "agents": calm}},
    }  # fmt: skip
    out = tmp_path / "out"
    assert asyncio.run(run_local(load_sweep(write_sweep(tmp_path, sweep, base)), out)).ok
    groups = {g.label: g for g in make_report([out], by=["strategy"], plots=False).metrics.groups}
    assert set(groups) == {"0", "round 0 only"}
    baseline, debate = groups["round 0 only"], groups["0"]
    assert len(baseline.runs) == 2 and baseline.measures.episodes == 2 * 4 * 2
    assert baseline.measures.accuracy.society == debate.measures.accuracy.society[:1]
    round0 = sum(
        t.usage.prompt_tokens + t.usage.completion_tokens
        for r in debate.runs
        for t in r.transcript.turns
        if t.round == 0
    )
    assert baseline.measures.cost.last_call_tokens == round0
