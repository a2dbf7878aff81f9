"""Statistics over repeats, group comparisons (Levene, ANOVA) and grouping of runs."""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from scipy import stats

from protocols.decision import DECISION_RULES
from societies.analysis.metrics import (
    Run,
    compare_groups,
    compute_metrics,
    episodes_of,
    gated_compare,
    model_label,
    society_label,
    spread,
    strategy_label,
)
from societies.errors import ConfigError, TranscriptError
from societies.transcript.synthetic import EpisodeAnswers, build_transcript

AGENTS = [("a", "overconfident"), ("b", "easy-going"), ("c", "easy-going")]


def test_spread_mean_std_ci() -> None:
    s = spread([0.5, 0.7])
    assert s.n == 2
    assert s.mean == pytest.approx(0.6)
    assert s.std == pytest.approx(math.sqrt(0.02))  # ddof=1: (0.1^2 + 0.1^2) / 1
    assert s.ci_low is not None and s.ci_high is not None
    assert 0.5 <= s.ci_low < 0.6 < s.ci_high <= 0.7


def test_spread_is_deterministic() -> None:
    data = [0.1, 0.4, 0.35, 0.8, 0.5]
    assert spread(data) == spread(data)


def test_spread_degenerate_cases() -> None:
    assert spread([]).mean is None
    one = spread([0.3])
    assert (one.n, one.mean, one.std, one.ci_low) == (1, 0.3, None, None)
    same = spread([0.4, 0.4, 0.4])
    assert (same.std, same.ci_low, same.ci_high) == (0.0, 0.4, 0.4)
    assert spread([1.0, float("nan")]).n == 1


def test_levene_then_anova_by_hand() -> None:
    # means 2 and 5, grand mean 3.5: SSB = 2 * 3 * 1.5^2 = 13.5 (df 1), SSW = 2 + 2 (df 4): F = 13.5
    # deviations from each group's median are 1, 0, 1 in both groups: Levene W = 0
    r = compare_groups({"x": [1, 2, 3], "y": [4, 5, 6]})
    assert r.groups == 2
    assert r.anova_f == pytest.approx(13.5)
    assert r.anova_p is not None and r.anova_p < 0.05
    assert r.levene == pytest.approx(0.0)
    assert r.levene_p == pytest.approx(1.0)


def test_no_test_with_fewer_than_three_repeats() -> None:
    # with 2 repeats Levene's deviations from the median are equal within each group:
    # scipy divides by rounding noise here (W ~ 4.9e+31, p ~ 5e-48)
    noisy = {"x": [0.1, 0.3], "y": [0.2, 0.7], "z": [0.3, 0.3]}
    assert stats.levene(*noisy.values()).statistic > 1e30
    for r in (compare_groups(noisy), gated_compare(noisy)):
        assert (r.levene, r.levene_p, r.anova_f, r.anova_p) == (None, None, None, None)
        assert r.note == "no test: 3 of 3 groups have fewer than 3 repeats (fewest: 2)"
    one = compare_groups({"x": [1, 2, 3], "y": [3]})
    assert one.note == "no test: 1 of 2 groups have fewer than 3 repeats (fewest: 1)"
    assert compare_groups({"x": [1, 2, 3]}).note == "no test: needs 2 groups"


def test_zero_variance_says_why() -> None:
    flat = compare_groups({"x": [1, 1, 1], "y": [2, 2, 2]})
    assert flat.anova_p is None and flat.levene is None
    assert flat.note == "no test: every repeat of every group has the same value (zero variance)"
    # one constant group: no Levene (its W rests on that group); the ANOVA by hand:
    # means 1 and 2, SSB = 3 * 0.25 * 2 = 1.5 (df 1), SSW = 0 + 2 (df 4): F = 1.5 / 0.5 = 3
    some = compare_groups({"x": [1, 1, 1], "y": [1, 2, 3]})
    assert some.levene is None and some.anova_f == pytest.approx(3.0)
    assert some.note == "no Levene: zero variance in x"
    # MachineSoM's test keeps Levene as the study's code computes it, and says so
    study = gated_compare({"x": [1, 1, 1], "y": [1, 2, 3]})
    assert study.levene == pytest.approx(stats.levene([1, 1, 1], [1, 2, 3]).statistic)
    assert study.note == "zero variance in x"


def _run(
    strategy: list[str],
    finals: Sequence[Sequence[Sequence[str | None]]],
    index: int = 0,
    traits: list[str] | None = None,
) -> Run:
    agents = (
        AGENTS if traits is None else [(n, t) for (n, _), t in zip(AGENTS, traits, strict=True)]
    )
    rounds = ["initial", *strategy]
    eps = [
        EpisodeAnswers(f"q{i}", "1", [row] * len(rounds), repeat=rep)
        for rep, rows in enumerate(finals)
        for i, row in enumerate(rows)
    ]
    return Run(build_transcript(agents, rounds, eps), index=index)


def test_labels() -> None:
    run = _run(["debate", "reflection", "debate"], [[["1", "1", "1"]]])
    assert society_label(run.header) == "2 easy-going + 1 overconfident"
    assert strategy_label(run.header) == "010"
    assert model_label(run.header) == "synthetic:synthetic"


def test_groups_by_strategy_side_by_side_and_compared() -> None:
    right, wrong = ["1", "1", "1"], ["2", "2", "1"]
    # strategy 0: repeats with final accuracy 1.0, 0.5, 1.0; strategy 1: 0.0, 0.5, 0.0
    a = _run(["debate"], [[right, right], [right, wrong], [right, right]])
    b = _run(["reflection"], [[wrong, wrong], [right, wrong], [wrong, wrong]], index=1)
    m = compute_metrics([a, b])
    assert [g.label for g in m.groups] == ["0", "1"]  # only the key that varies is shown
    assert [g.values[("final_accuracy", None, "")] for g in m.groups] == [5 / 6, 1 / 6]
    assert len(m.groups[0].samples) == 3
    comp = next(c for c in m.comparisons if c.measure == "final_accuracy")
    assert comp.key == "strategy" and comp.groups == ["0", "1"]
    # F by hand: means 5/6 and 1/6, grand 1/2; SSB = 2 * 3 * (1/3)^2 = 2/3;
    # SSW = 2 * ((1/6)^2 * 2 + (1/3)^2) = 1/3 (df 4): F = (2/3) / (1/12) = 8
    assert comp.result.anova_f == pytest.approx(8.0)
    assert m.overall.label == "all"
    assert m.overall.measures.episodes == 12


def test_grouping_by_a_subset_of_keys_pools_runs() -> None:
    a = _run(["debate"], [[["1", "1", "1"]]])
    b = _run(["reflection"], [[["2", "2", "2"]]], index=1)
    m = compute_metrics([a, b], by=["society"])
    assert len(m.groups) == 1
    g = m.groups[0]
    assert g.keys["strategy"] == "0 | 1"
    assert g.values[("accuracy", 0, "")] == 0.5
    assert m.comparisons == []


def test_per_key_comparisons_when_several_keys_vary() -> None:
    runs = [
        _run(["debate"], [[["1", "1", "1"]]] * 2, 0),
        _run(["reflection"], [[["1", "2", "2"]]] * 2, 1, ["easy-going"] * 3),
    ]
    m = compute_metrics(runs)
    assert {c.key for c in m.comparisons} == {"group", "society", "strategy"}


def test_unknown_group_key() -> None:
    with pytest.raises(ConfigError, match=r"unknown key 'color'.*society, strategy"):
        compute_metrics([], by=["color"])


def test_unknown_decision_rule() -> None:
    run = _run(["debate"], [[["1", "1", "1"]]])
    header = run.header.model_copy(update={"decision": "telepathy"})
    run.transcript.header = header
    with pytest.raises(TranscriptError, match="unknown decision rule 'telepathy'"):
        episodes_of(run)


def test_plurality_rule_is_used_when_recorded() -> None:
    four = [*AGENTS, ("d", "easy-going")]
    eps = [EpisodeAnswers("q", "1", [["1", "1", "2", "3"]])]
    maj = episodes_of(Run(build_transcript(four, ["initial"], eps)))
    plu = episodes_of(Run(build_transcript(four, ["initial"], eps, decision="plurality")))
    assert maj[0].decisions == (None,)  # 2 of 4 is not more than half
    assert plu[0].decisions == ("1",)


def test_a_plugin_rule_is_found_through_the_runs_plugins(tmp_path: Path) -> None:
    module = "last_rule_plugin_for_test"
    (tmp_path / f"{module}.py").write_text(
        "from protocols.decision import DECISION_RULES\n"
        "DECISION_RULES.register('last', lambda answers: answers[-1] if answers else None)\n"
    )
    run = _run(["debate"], [[["1", "1", "2"]]])
    header = run.header.model_copy(
        update={"decision": "last", "config": {**run.header.config, "plugins": [module]}}
    )
    run.transcript.header = header
    sys.path.insert(0, str(tmp_path))
    try:
        (episode,) = episodes_of(run)  # imports the plugin: 'last' was unknown until then
        assert episode.decisions and set(episode.decisions) == {"2"}  # majority says "1"
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop(module, None)
        DECISION_RULES._items.pop("last", None)
    broken = header.model_copy(update={"config": {"plugins": ["no_such_rule_plugin"]}})
    run.transcript.header = broken
    with pytest.raises(TranscriptError, match="plugin 'no_such_rule_plugin' failed to import"):
        episodes_of(run)
