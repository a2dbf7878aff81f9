"""MachineSoM's statistics on a society x strategy grid: gated ANOVA (against scipy) and W-T."""

from __future__ import annotations

import math
import warnings

import pytest
from scipy import stats

from societies.analysis.metrics import (
    NO_ANOVA_NOTE,
    STUDY_MEASURE,
    Metrics,
    Run,
    compute_metrics,
    gated_compare,
    metrics_json,
)
from societies.transcript.synthetic import EpisodeAnswers, build_transcript

STRATEGIES = {
    "00": ["debate", "debate"],
    "01": ["debate", "reflection"],
    "10": ["reflection", "debate"],
}
SOCIETIES = {"3 overconfident": "overconfident", "3 easy-going": "easy-going"}
# final-round accuracy per repeat (4 items each) of every (society, strategy) cell
GRID = {
    ("3 overconfident", "00"): [1.0, 0.75, 0.5, 0.75],
    ("3 overconfident", "01"): [0.5, 0.5, 0.75, 0.25],
    ("3 overconfident", "10"): [1.0, 1.0, 0.75, 0.75],
    ("3 easy-going", "00"): [0.25, 0.5, 0.25, 0.5],
    ("3 easy-going", "01"): [0.75, 0.25, 0.5, 0.5],
    ("3 easy-going", "10"): [0.0, 1.0, 0.0, 1.0],
}


def _cell(society: str, strategy: str, accuracies: list[float], index: int) -> Run:
    agents = [(n, SOCIETIES[society]) for n in "abc"]
    rounds = ["initial", *STRATEGIES[strategy]]
    eps = []
    for rep, acc in enumerate(accuracies):
        for i in range(4):
            row = ["1", "1", "1"] if i < acc * 4 else ["2", "2", "1"]
            eps.append(EpisodeAnswers(f"q{i}", "1", [row] * len(rounds), repeat=rep))
    return Run(build_transcript(agents, rounds, eps), index=index)


@pytest.fixture(scope="module")
def grid() -> Metrics:
    runs = [_cell(soc, k, acc, i) for i, ((soc, k), acc) in enumerate(GRID.items())]
    return compute_metrics(runs, by=["society", "strategy"])


def _scipy(samples: list[list[float]]) -> tuple[float, float, float, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lev, an = stats.levene(*samples), stats.f_oneway(*samples)
    return float(lev.statistic), float(lev.pvalue), float(an.statistic), float(an.pvalue)


def test_gated_compare_gives_no_anova_when_variances_differ() -> None:
    # Levene on |x - median|: 0 0 0 0.25 against 0.5 x 4 -> p < 0.05
    r = gated_compare({"x": [0.5, 0.5, 0.5, 0.75], "y": [0.0, 1.0, 0.0, 1.0]})
    lev, lev_p, _, _ = _scipy([[0.5, 0.5, 0.5, 0.75], [0.0, 1.0, 0.0, 1.0]])
    assert r.levene == pytest.approx(lev) and r.levene_p == pytest.approx(lev_p)
    assert lev_p < 0.05
    assert (r.anova_f, r.anova_p, r.note) == (None, None, NO_ANOVA_NOTE)
    # equal spread: the ANOVA is given
    ok = gated_compare({"x": [1, 2, 3], "y": [4, 5, 6]})
    assert ok.anova_f == pytest.approx(13.5) and ok.note == ""


def test_the_grid_is_tested_per_society_and_per_strategy(grid: Metrics) -> None:
    tests = grid.study.tests
    assert grid.study.note == ""
    assert [(t.across, t.given) for t in tests] == [
        ("strategy", "3 overconfident"),
        ("strategy", "3 easy-going"),
        ("society", "00"),
        ("society", "01"),
        ("society", "10"),
    ]
    blocked = 0
    for t in tests:
        if t.across == "strategy":
            samples = [GRID[(t.given, k)] for k in t.groups]
            assert t.groups == ["00", "01", "10"]
        else:
            samples = [GRID[(s, t.given)] for s in t.groups]
            assert t.groups == ["3 overconfident", "3 easy-going"]
        lev, lev_p, f, p = _scipy(samples)
        r = t.result
        assert r.levene_p == pytest.approx(lev_p)
        if math.isfinite(lev):  # W is infinite where one group has no spread around its median
            assert r.levene == pytest.approx(lev)
        if lev_p < 0.05:
            blocked += 1
            assert (r.anova_f, r.anova_p, r.note) == (None, None, NO_ANOVA_NOTE)
        else:
            assert r.anova_f == pytest.approx(f) and r.anova_p == pytest.approx(p)
            assert r.note == ""
    # the grid has both cases: 3 easy-going across strategies and strategy 10 are blocked
    assert blocked == 2
    assert [t.result.anova_p is None for t in tests] == [False, True, False, False, True]


def test_win_tie_against_the_all_debate_strategy(grid: Metrics) -> None:
    wt = grid.study.win_tie
    assert wt is not None and wt.baseline == "00"
    # by hand, repeat by repeat against 00: overconfident 01: 0.75 >= 0.5 only -> 1;
    # 10: all four -> 4; easy-going 01: 0.75>=0.25, 0.5>=0.25, 0.5>=0.5 -> 3; 10: 1>=0.5 twice -> 2
    assert wt.by_cell == {
        ("3 overconfident", "01"): 1,
        ("3 overconfident", "10"): 4,
        ("3 easy-going", "01"): 3,
        ("3 easy-going", "10"): 2,
    }
    assert set(wt.pairs.values()) == {4}
    assert wt.by_strategy == {"01": 4, "10": 6}
    assert wt.by_society == {"3 overconfident": 5, "3 easy-going": 5}


def test_study_grid_in_report_json(grid: Metrics) -> None:
    j = metrics_json(grid)
    st = j["significance_machinesom"]
    assert st["measure"] == STUDY_MEASURE and len(st["tests"]) == 5
    assert st["tests"][1]["anova_p"] is None and st["tests"][1]["note"] == NO_ANOVA_NOTE
    assert st["win_tie"]["by_strategy"] == {"01": 4, "10": 6}
    assert {"society": "3 easy-going", "strategy": "10", "wins_or_ties": 2, "repeats": 4} in st[
        "win_tie"
    ]["cells"]
    # the pooled view stays, under its own key
    assert {c["key"] for c in j["significance_pooled"]} == {"group", "society", "strategy"}


def test_runs_that_are_no_grid_say_why() -> None:
    one = compute_metrics([_cell("3 easy-going", "00", [1.0, 0.5], 0)])
    assert one.study.tests == [] and one.study.note == "needs several groups"
    runs = [
        _cell("3 easy-going", "00", [1.0], 0),
        _cell("3 easy-going", "01", [0.5], 1),
        _cell("3 overconfident", "00", [0.5], 2),
        _cell("3 overconfident", "01", [0.5], 3),
    ]
    pooled = compute_metrics(runs, by=["society"])  # two groups, each with two strategies
    assert pooled.study.tests == []
    assert "one group per society x strategy" in pooled.study.note
