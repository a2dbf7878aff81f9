"""Reports label what they show: each group's own rounds, and tests only where they mean something."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import pytest

from societies.analysis.metrics import Run, compute_metrics, metric_rows
from societies.analysis.plots import round_ticks, series_label
from societies.analysis.report import make_report
from societies.analysis.tables import sections, significance_section
from societies.sweeps.local import run_local
from societies.sweeps.spec import load_sweep
from societies.transcript.synthetic import EpisodeAnswers, build_transcript
from tests.helpers.configs import sim_config
from tests.societies.sweeps.test_sweep import write_sweep

AGENTS = [("a", "easy-going"), ("b", "easy-going"), ("c", "overconfident")]
# one episode per repeat, 2 repeats; gold "1"
ANSWERS = [["1", "2", "2"], ["1", "1", "2"], ["1", "1", "1"]]


def _run(rounds: list[str], index: int) -> Run:
    eps = [EpisodeAnswers(f"q{k}", "1", ANSWERS, repeat=k) for k in range(2)]
    return Run(build_transcript(AGENTS, rounds, eps, name=f"r{index}"), None, index)


def _mixed() -> list[Run]:
    return [_run(["initial", "debate", "debate"], 0), _run(["initial", "debate", "reflection"], 1)]


def _rows(title: str, metrics: object) -> dict[str, list[str]]:
    (s,) = [s for s in sections(metrics) if s.title == title]  # type: ignore[arg-type]
    return dict(s.rows)


def test_round_labels_come_from_each_groups_own_strategy() -> None:
    m = compute_metrics(_mixed(), by=["strategy"])
    assert [g.label for g in m.groups] == ["00", "01"]
    acc = _rows("society decision by round", m)
    # rounds 0 and 1 are the same in both groups: the label names the pattern
    assert list(acc) == ["0 initial", "1 debate", "2 (pattern per group)"]
    # round 2 differs: each cell names its group's own pattern (majority 1 in round 2: 2 of 2)
    assert [c.split(":")[0] for c in acc["2 (pattern per group)"]] == ["debate", "reflection"]
    assert acc["2 (pattern per group)"][1].startswith("reflection: 100.0%")
    con = _rows("consensus by round", m)
    assert con["2 (pattern per group)"][0].startswith("debate: 1.00")
    # metrics.csv's pattern column, and the plots' ticks and legend
    patterns = {
        (r["group"], r["round"]): r["pattern"] for r in metric_rows(m) if r["measure"] == "accuracy"
    }
    assert patterns[("00", 2)] == "debate" and patterns[("01", 2)] == "reflection"
    assert round_ticks(m) == ["0\ninitial", "1\ndebate", "2\n"]
    assert series_label(m.groups[1], m) == "01 (debate, reflection)"


def test_a_group_mixing_strategies_says_so() -> None:
    m = compute_metrics(_mixed(), by=["society"])
    (g,) = m.groups
    assert g.round_patterns == ("initial", "debate", "debate | reflection")
    assert list(_rows("society decision by round", m))[2] == "2 debate | reflection"


def test_significance_cells_say_why_there_is_no_test() -> None:
    m = compute_metrics(_mixed(), by=["strategy"])
    sig = significance_section(m)
    assert sig is not None
    for _, (groups, levene, anova, note) in sig.rows:
        assert (levene, anova) == ("–", "–")
        assert note == "no test: 2 of 2 groups have fewer than 3 repeats (fewest: 2)"
        assert groups == "2"


def test_report_of_a_sweep_with_mixed_strategies(tmp_path: Path) -> None:
    sweep = {"grid": {"protocol.strategy": ["00", "01"]}}
    plan = load_sweep(write_sweep(tmp_path, sweep, sim_config(repeats=3)))
    out = tmp_path / "out"
    assert asyncio.run(run_local(plan, out)).ok
    result = make_report([out], by=["strategy"], plots=False)
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "| 2 (pattern per group) | debate: " in md
    row = next(line for line in md.splitlines() if line.startswith("| 2 (pattern per group)"))
    assert row.split(" | ")[2].startswith("reflection: ")
    assert "| 1 debate |" in md
    with (out / "metrics.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["measure"] == "accuracy" and r["round"] == "2"]
    assert {r["group"]: r["pattern"] for r in rows} == {"00": "debate", "01": "reflection"}
    assert [g.label for g in result.metrics.groups] == ["00", "01"]


def test_conformity_plot_shows_rates_on_one_scale() -> None:
    from societies.analysis.plots import conformity_rates
    from tests.societies.analysis.test_metrics import AGENTS as HAND_AGENTS
    from tests.societies.analysis.test_metrics import EPISODES, ROUNDS

    m = compute_metrics([Run(build_transcript(HAND_AGENTS, ROUNDS, EPISODES))])
    g = m.overall
    rates = conformity_rates(g)
    assert set(rates) == set(g.measures.conformity.by_trait)
    for trait, ys in rates.items():
        c = g.measures.conformity.by_trait[trait]
        assert ys == [100 * c.transitions[tr] / c.turns for tr in ("T->T", "T->F", "F->T", "F->F")]
        assert sum(ys) == pytest.approx(100 * (c.rate or 0))
    # the hand-computed run: 14 of 24 debate turns conform over all traits
    total = sum(c.turns for c in g.measures.conformity.by_trait.values())
    assert total == 24
