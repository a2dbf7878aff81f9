"""Majority influence (unconditioned) and the Asch measure (right agent, unanimous wrong majority)."""

from __future__ import annotations

from societies.analysis.metrics import Pressure, Run, episodes_of, pressure
from societies.transcript.synthetic import EpisodeAnswers, build_transcript

THREE = [("a", "overconfident"), ("b", "easy-going"), ("c", "easy-going")]


def _pressure(
    answers: list[list[str | None]],
    *,
    gold: str = "A",
    agents: list[tuple[str, str]] = THREE,
    edges: list[tuple[str, str]] | None = None,
) -> Pressure:
    rounds = ["initial", *["debate"] * (len(answers) - 1)]
    t = build_transcript(agents, rounds, [EpisodeAnswers("q", gold, answers)], edges=edges)
    return pressure(episodes_of(Run(t)))


def test_right_agent_yields_to_a_unanimous_wrong_majority() -> None:
    p = _pressure([["A", "B", "B"], ["B", "B", "B"]])
    assert (p.asch.turns, p.asch.yielded, p.asch.switched) == (1, 1, 1)
    assert p.asch.rate == 1.0
    assert p.asch_by_trait["overconfident"].rate == 1.0
    assert p.asch_by_trait["easy-going"].turns == 0
    # the same turn is majority influence too: a was outside the majority and joined it
    assert (p.influence.turns, p.influence.switched, p.influence.joined) == (1, 1, 1)
    assert p.influence_by_trait["easy-going"].switch_rate is None


def test_right_agent_that_holds_out() -> None:
    p = _pressure([["A", "B", "B"], ["A", "B", "B"]])
    assert (p.asch.turns, p.asch.yielded, p.asch.switched) == (1, 0, 0)
    assert p.asch.rate == 0.0


def test_switching_elsewhere_is_not_yielding() -> None:
    p = _pressure([["A", "B", "B"], ["C", "B", "B"]])
    assert (p.asch.turns, p.asch.yielded, p.asch.switched) == (1, 0, 1)
    assert (p.influence.switched, p.influence.joined) == (1, 0)


def test_majority_influence_without_the_asch_conditions() -> None:
    # a is a wrong minority facing a right majority: majority influence, not Asch
    p = _pressure([["B", "A", "A"], ["A", "A", "A"]])
    assert (p.influence.turns, p.influence.joined) == (1, 1)
    assert p.asch.turns == 0
    assert p.asch.rate is None


def test_no_unanimous_wrong_majority() -> None:
    # the others disagree with each other
    assert _pressure([["A", "B", "C"], ["B", "B", "C"]]).asch.turns == 0
    # the others gave no answer: no answer is not a wrong majority
    assert _pressure([["A", None, None], [None, None, None]]).asch.turns == 0
    # four agents, the others B B C: not unanimous
    four = [*THREE, ("d", "easy-going")]
    assert _pressure([["A", "B", "B", "C"], ["B", "B", "B", "C"]], agents=four).asch.turns == 0
    # four agents, the others B B B: every other agent is wrong the same way
    p = _pressure([["A", "B", "B", "B"], ["B", "B", "B", "B"]], agents=four)
    assert (p.asch.turns, p.asch.yielded) == (1, 1)


def test_wrong_agent_is_not_an_asch_subject() -> None:
    # a (C) was wrong too, so it cannot show yielding against its own judgement
    p = _pressure([["C", "B", "B"], ["B", "B", "B"]])
    assert p.asch.turns == 0
    assert (p.influence.turns, p.influence.joined) == (1, 1)


def test_only_the_agents_seen_make_the_majority() -> None:
    # c sees only b (one other): too few for a unanimous majority
    p = _pressure([["B", "B", "A"], ["B", "B", "B"]], edges=[("b", "c")])
    assert p.asch.turns == 0
    # c sees a and b, both wrong with B
    p = _pressure([["B", "B", "A"], ["B", "B", "B"]], edges=[("a", "c"), ("b", "c")])
    assert (p.asch.turns, p.asch.yielded) == (1, 1)


def test_tie_and_missing_answers_are_no_majority_influence() -> None:
    four = [*THREE, ("d", "easy-going")]
    assert _pressure([["A", "A", "B", "B"], ["A", "A", "A", "B"]], agents=four).influence.turns == 0
    # c had no answer: not counted as outside the majority
    assert _pressure([["A", "A", None], [None, "A", "A"]]).influence.turns == 0
