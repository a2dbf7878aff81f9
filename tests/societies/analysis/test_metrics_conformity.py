"""Conformity, MachineSoM's ("none" is a value) and ours (None is no answer), edge cases included.

The MachineSoM cases follow its ``judge_conformity(..., situation=2)``: the
majority is every value given most often if at least twice, answers compared as
``str(a).lower().strip()``.
"""

from __future__ import annotations

import pytest

from societies.analysis.metrics import (
    Conformity,
    ConformityRule,
    Run,
    compute_metrics,
    conformity,
    debate_turns,
    episodes_of,
    machinesom_majority,
    metrics_json,
    visible_majority,
)
from societies.transcript.synthetic import EpisodeAnswers, build_transcript

THREE = [("a", "overconfident"), ("b", "easy-going"), ("c", "easy-going")]


def _conf(
    answers: list[list[str | None]],
    *,
    gold: str = "1",
    agents: list[tuple[str, str]] = THREE,
    rounds: list[str] | None = None,
    edges: list[tuple[str, str]] | None = None,
    rule: ConformityRule = "machinesom",
) -> Conformity:
    rounds = rounds or ["initial", *["debate"] * (len(answers) - 1)]
    t = build_transcript(agents, rounds, [EpisodeAnswers("q", gold, answers)], edges=edges)
    return conformity(episodes_of(Run(t)), rule)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (["A", "A", "B"], "A"),
        (["A", "B", "C"], None),  # all different
        (["A", "A", "B", "B"], None),  # a tie
        (["A", "A", "B", "B", "B"], "B"),
        (["A", None, None], None),  # no answer is never a majority
        (["A", "A", None], "A"),
        (["A"], None),  # one answer is no majority
        (["A", "A"], "A"),
        ([None, None, None], None),
        (["A", "A", "A", "B", "B", "C"], "A"),  # the most common, not necessarily > half
    ],
)
def test_visible_majority(answers: list[str | None], expected: str | None) -> None:
    assert visible_majority(answers) == expected


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (["A", "A", "B"], ("a",)),  # lower-cased, as the study's strip_and_lower
        (["A", "B", "C"], ()),
        (["A", "A", "B", "B"], ("a", "b")),  # a tie: both values are the majority
        ([None, None, "A"], ("none",)),  # no answer is the value "none"
        (["A", None, None, "A"], ("a", "none")),
        ([" b ", "B", "C"], ("b",)),  # stripped
        (["A", "A"], ("a",)),  # two answers: equal or nothing
        (["A", "B"], ()),
        (["A"], ()),
    ],
)
def test_machinesom_majority(answers: list[str | None], expected: tuple[str, ...]) -> None:
    assert machinesom_majority(answers) == expected


def test_staying_in_the_majority_counts_as_conforming() -> None:
    # round 0: A A B (gold A); round 1: a and b keep A, c keeps B
    c = _conf([["A", "A", "B"], ["A", "A", "B"]], gold="A")
    assert c.overall.turns == 3
    assert c.overall.conforming == 2
    assert c.overall.transitions == {"T->T": 2, "T->F": 0, "F->T": 0, "F->F": 0}
    assert c.by_agent["c"].conforming == 0


def test_switching_to_the_majority_by_correctness() -> None:
    # round 0: A B B (gold A): b, c are the wrong majority; a switches to it
    c = _conf([["A", "B", "B"], ["B", "B", "B"]], gold="A")
    assert c.overall.transitions == {"T->T": 0, "T->F": 1, "F->T": 0, "F->F": 2}
    assert c.overall.rate == 1.0


def test_right_minority_corrected_by_a_right_majority() -> None:
    c = _conf([["A", "A", "B"], ["A", "A", "A"]], gold="A")
    assert c.overall.transitions == {"T->T": 2, "T->F": 0, "F->T": 1, "F->F": 0}


def test_tie_in_the_previous_round() -> None:
    four = [*THREE, ("d", "easy-going")]
    table: list[list[str | None]] = [["A", "A", "B", "B"], ["A", "A", "A", "B"]]
    ours = _conf(table, agents=four, gold="A", rule="sociolab")
    assert ours.overall.turns == 4
    assert ours.overall.conforming == 0  # ours: a tie is no majority
    assert ours.overall.rate == 0.0
    # MachineSoM: A and B are both the majority, so every new answer conforms
    study = _conf(table, agents=four, gold="A")
    assert study.overall.conforming == 4
    assert study.overall.transitions == {"T->T": 2, "T->F": 0, "F->T": 1, "F->F": 1}


def test_all_different_in_the_previous_round() -> None:
    c = _conf([["A", "B", "C"], ["A", "A", "A"]], gold="A")
    assert (c.overall.turns, c.overall.conforming) == (3, 0)


def test_no_answer_extracted() -> None:
    table: list[list[str | None]] = [[None, None, "A"], [None, None, "A"]]
    # ours: None None A has no majority (None is not an answer), so nobody conforms
    c = _conf(table, gold="A", rule="sociolab")
    assert (c.overall.turns, c.overall.conforming) == (3, 0)
    # MachineSoM: "none" is the majority; a and b answer nothing again and conform, F->F
    c = _conf(table, gold="A")
    assert (c.overall.turns, c.overall.conforming) == (3, 2)
    assert c.overall.transitions == {"T->T": 0, "T->F": 0, "F->T": 0, "F->F": 2}
    # round 0: A A None; round 1: a gives no answer (does not conform), c joins A (F->T)
    for rule in ("machinesom", "sociolab"):
        c = _conf([["A", "A", None], [None, "A", "A"]], gold="A", rule=rule)
        assert c.overall.conforming == 2
        assert c.overall.transitions == {"T->T": 1, "T->F": 0, "F->T": 1, "F->F": 0}
        assert c.by_agent["a"].conforming == 0


def test_none_majority_counts_as_the_study_does() -> None:
    # the case: two agents answer nothing on 10 of 50 items (strategy 000, gold A);
    # 35 items all right (A), 5 items all wrong (C), 10 items None None B in every round
    rows = [["A"] * 3] * 35 + [["C"] * 3] * 5 + [[None, None, "B"]] * 10
    eps = [EpisodeAnswers(f"q{i}", "A", [row] * 4) for i, row in enumerate(rows)]
    t = build_transcript(THREE, ["initial", "debate", "debate", "debate"], eps)
    j = metrics_json(compute_metrics([Run(t)]))
    study, ours = j["conformity"], j["conformity_sociolab"]
    # every debate round: 35 x 3 T->T; 5 x 3 F->F on C; the study adds 10 x 2 F->F on "none"
    assert (study["T->T"], study["F->F"]) == (35 * 3 * 3, (5 * 3 + 10 * 2) * 3)
    assert (ours["T->T"], ours["F->F"]) == (35 * 3 * 3, 5 * 3 * 3)
    assert study["turns"] == ours["turns"] == 50 * 3 * 3
    assert study["rate"] == pytest.approx((315 + 105) / 450)
    assert ours["rate"] == pytest.approx((315 + 45) / 450)


def test_reflection_rounds_are_excluded() -> None:
    c = _conf(
        [["A", "A", "B"], ["A", "A", "A"], ["A", "A", "A"]],
        rounds=["initial", "reflection", "reflection"],
        gold="A",
    )
    assert c.overall.turns == 0
    assert c.overall.rate is None
    assert c.by_round == {}


def test_debate_after_reflection_uses_the_reflection_round() -> None:
    # strategy 10: r1 reflection (c changes to A), r2 debate judged against r1's A A A
    c = _conf(
        [["A", "B", "B"], ["A", "B", "A"], ["A", "A", "A"]],
        rounds=["initial", "reflection", "debate"],
        gold="A",
    )
    assert list(c.by_round) == [2]
    # r1 answers A B A: majority A; a and c stay (T->T), b switches (F->T)
    assert c.overall.transitions == {"T->T": 2, "T->F": 0, "F->T": 1, "F->F": 0}


def test_only_what_the_agent_saw_counts() -> None:
    # a -> b only: b sees a; a and c see nobody
    edges = [("a", "b")]
    c = _conf([["X", "Y", "X"], ["X", "X", "X"]], gold="X", edges=edges)
    # complete graph would make X the majority for everyone; here b sees {b: Y, a: X}: a tie,
    # a sees only itself and c sees only itself: one answer is no majority
    assert (c.overall.turns, c.overall.conforming) == (3, 0)
    full = _conf([["X", "Y", "X"], ["X", "X", "X"]], gold="X")
    assert full.overall.conforming == 3


def test_sparse_graph_majority_among_peers() -> None:
    # c sees a and b; both said Y; c (X) joins them: conforming, F->T since gold is Y
    edges = [("a", "c"), ("b", "c")]
    c = _conf([["Y", "Y", "X"], ["Y", "Y", "Y"]], gold="Y", edges=edges)
    assert c.by_agent["c"].transitions["F->T"] == 1
    assert c.by_agent["a"].conforming == 0  # a saw only itself


def test_rates_by_trait_and_round() -> None:
    c = _conf([["A", "B", "B"], ["B", "B", "A"], ["B", "B", "B"]], gold="A")
    # r1 (majority B): a conforms, b conforms, c leaves it -> 2/3
    # r2 (r1 answers B B A, majority B): all three give B -> 3/3
    assert c.by_round[1].rate == pytest.approx(2 / 3)
    assert c.by_round[2].rate == 1.0
    assert c.by_trait["overconfident"].rate == 1.0
    assert c.by_trait["easy-going"].rate == pytest.approx(3 / 4)
    assert c.overall.rate == pytest.approx(5 / 6)


def test_missing_previous_turn_is_skipped() -> None:
    t = build_transcript(
        THREE, ["initial", "debate"], [EpisodeAnswers("q", "A", [["A", "A", "B"], ["A", "A", "A"]])]
    )
    t.turns[:] = [x for x in t.turns if not (x.agent == "b" and x.round == 0)]
    eps = episodes_of(Run(t))
    # every debate turn saw b's round 0 answer, which is not recorded
    assert list(debate_turns(eps)) == []
    assert conformity(eps).overall.turns == 0
