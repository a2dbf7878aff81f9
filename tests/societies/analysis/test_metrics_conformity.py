"""Conformity (MachineSoM) and minority switching (Asch), edge cases included."""

from __future__ import annotations

import pytest

from societies.analysis.metrics import (
    Conformity,
    Run,
    conformity,
    debate_turns,
    episodes_of,
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
) -> Conformity:
    rounds = rounds or ["initial", *["debate"] * (len(answers) - 1)]
    t = build_transcript(agents, rounds, [EpisodeAnswers("q", gold, answers)], edges=edges)
    return conformity(episodes_of(Run(t)))


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
    # a was the minority and switched; b and c were not in the minority
    assert (c.minority.turns, c.minority.switched, c.minority.joined) == (1, 1, 1)
    assert c.minority_by_trait["overconfident"].switch_rate == 1.0
    assert c.minority_by_trait["easy-going"].turns == 0
    assert c.minority_by_trait["easy-going"].switch_rate is None


def test_right_minority_corrected_by_a_right_majority() -> None:
    c = _conf([["A", "A", "B"], ["A", "A", "A"]], gold="A")
    assert c.overall.transitions == {"T->T": 2, "T->F": 0, "F->T": 1, "F->F": 0}


def test_tie_in_the_previous_round_means_nobody_conforms() -> None:
    four = [*THREE, ("d", "easy-going")]
    c = _conf([["A", "A", "B", "B"], ["A", "A", "A", "B"]], agents=four, gold="A")
    assert c.overall.turns == 4
    assert c.overall.conforming == 0
    assert c.overall.rate == 0.0
    assert c.minority.turns == 0  # no majority, so no minority either


def test_all_different_in_the_previous_round() -> None:
    c = _conf([["A", "B", "C"], ["A", "A", "A"]], gold="A")
    assert (c.overall.turns, c.overall.conforming) == (3, 0)


def test_no_answer_extracted() -> None:
    # round 0: None None A: no majority (None is not an answer), so nobody conforms
    c = _conf([[None, None, "A"], [None, None, "A"]], gold="A")
    assert (c.overall.turns, c.overall.conforming) == (3, 0)
    # round 0: A A None; round 1: a gives no answer (does not conform), c joins A (F->T)
    c = _conf([["A", "A", None], [None, "A", "A"]], gold="A")
    assert c.overall.conforming == 2
    assert c.overall.transitions == {"T->T": 1, "T->F": 0, "F->T": 1, "F->F": 0}
    assert c.by_agent["a"].conforming == 0
    # c had no answer: it is not counted in the minority; a switched to no answer
    assert c.minority.turns == 0


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
