"""Accuracy, consensus, dynamics and cost on a small hand-computed transcript.

The fixture (3 agents a: overconfident, b and c: easy-going; rounds initial,
debate, debate, reflection; majority rule) is small enough to work out every
number by hand; the comments give the working.
"""

from __future__ import annotations

import math

import pytest

from agents.types import Usage
from societies.analysis.metrics import (
    MACHINESOM_CLASSES,
    SOCIOLAB_CLASSES,
    Run,
    behaviour,
    compute_metrics,
    cost,
    distinct_answers,
    dynamics,
    episodes_of,
    machinesom_answer,
    machinesom_classes,
    machinesom_pattern,
    metric_rows,
    metrics_json,
    normalised_entropy,
    round_accuracy,
    round_consensus,
    sociolab_class,
    sociolab_pattern,
)
from societies.transcript.synthetic import EpisodeAnswers, build_transcript

AGENTS = [("a", "overconfident"), ("b", "easy-going"), ("c", "easy-going")]
ROUNDS = ["initial", "debate", "debate", "reflection"]
EPISODES = [
    # gold 1: decisions 2 (wrong), 2 (wrong), 1, 1 -> pattern 0011
    EpisodeAnswers("q1", "1", [["1", "2", "2"], ["2", "2", "2"], ["1", "2", "1"], ["1", "1", "1"]]),
    # gold 5: none (5/6/None), 5, 5, 5 -> 0111
    EpisodeAnswers(
        "q2", "5", [["5", "6", None], ["5", "5", "6"], ["5", "5", "5"], ["5", None, "5"]]
    ),
    # gold 1: 1, 1, 1, 3 -> 1110
    EpisodeAnswers(
        "q1", "1", [["1", "1", "1"], ["1", "3", "1"], ["1", "1", "3"], ["3", "3", "3"]], repeat=1
    ),
    # gold 5: 7, 5, 5, 7 -> 0110
    EpisodeAnswers(
        "q2", "5", [["5", "7", "7"], ["5", "7", "5"], ["7", "5", "5"], ["7", "5", "7"]], repeat=1
    ),
]


@pytest.fixture
def run() -> Run:
    return Run(build_transcript(AGENTS, ROUNDS, EPISODES))


def test_synthetic_turns_carry_the_table(run: Run) -> None:
    turns = run.transcript.turns
    assert len(turns) == 4 * 4 * 3
    t = next(t for t in turns if t.episode == 1 and t.round == 0 and t.agent == "c")
    assert t.answer is None and not t.correct and t.extraction == "none"
    debate = next(t for t in turns if t.round == 1 and t.agent == "a")
    assert debate.peers == ["b", "c"]
    reflection = next(t for t in turns if t.round == 3 and t.agent == "a")
    assert reflection.peers == []


def test_society_accuracy_and_no_decision(run: Run) -> None:
    acc = round_accuracy(episodes_of(run))
    assert acc.society == [1 / 4, 3 / 4, 4 / 4, 2 / 4]
    assert acc.no_decision == [1 / 4, 0, 0, 0]
    assert acc.episodes == [4, 4, 4, 4]


def test_agent_and_trait_accuracy(run: Run) -> None:
    acc = round_accuracy(episodes_of(run))
    assert acc.by_agent == {
        "a": [1.0, 0.75, 0.75, 0.5],
        "b": [0.25, 0.25, 0.75, 0.5],
        "c": [0.25, 0.5, 0.75, 0.5],
    }
    # easy-going = b and c pooled: 8 turns per round
    assert acc.by_trait["easy-going"] == [2 / 8, 3 / 8, 6 / 8, 4 / 8]
    assert acc.by_trait["overconfident"] == acc.by_agent["a"]


def test_consensus_per_round(run: Run) -> None:
    con = round_consensus(episodes_of(run))
    # distinct answers, no answer counted as one value:
    # r0 2,3,1,2; r1 1,2,2,2; r2 2,1,2,2; r3 1,2,1,2
    assert con.distinct == [2.0, 1.75, 1.75, 1.5]
    # unanimous: r0 ep2; r1 ep0; r2 ep1; r3 ep0 and ep2 (ep1 r3 has a missing answer)
    assert con.unanimity == [0.25, 0.25, 0.25, 0.5]
    # first unanimous round: ep0 1, ep1 2, ep2 0, ep3 never
    assert con.first_unanimous == pytest.approx(1.0)
    assert con.never_unanimous == 0.25
    assert con.finished == 4


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (["A", "A", "B"], 2),
        (["A", None, None], 2),  # no answer is one more value
        (["A", "a", " A "], 1),  # compared lower-cased and stripped, as the study does
        ([None, "None", "B"], 2),  # and so a missing answer is the value "none"
    ],
)
def test_distinct_answers_as_machinesom_counts_them(
    answers: list[str | None], expected: int
) -> None:
    assert distinct_answers(answers) == expected


def test_normalised_entropy_values() -> None:
    assert normalised_entropy(["x", "x", "x"]) == 0.0
    assert normalised_entropy(["x", "y", "z"]) == pytest.approx(1.0)
    two_one = -(1 / 3 * math.log(1 / 3) + 2 / 3 * math.log(2 / 3)) / math.log(3)
    assert normalised_entropy(["x", "x", "y"]) == pytest.approx(two_one)
    assert normalised_entropy(["x", None, None]) == pytest.approx(two_one)
    assert normalised_entropy(["x"]) == 0.0


def test_entropy_per_round(run: Run) -> None:
    con = round_consensus(episodes_of(run))
    two_one = -(1 / 3 * math.log(1 / 3) + 2 / 3 * math.log(2 / 3)) / math.log(3)
    # r0: ep0 2+1, ep1 all different, ep2 unanimous, ep3 2+1
    assert con.entropy[0] == pytest.approx((two_one + 1 + 0 + two_one) / 4)


def test_correctness_patterns_and_classes(run: Run) -> None:
    eps = episodes_of(run)
    assert [sociolab_pattern(e) for e in eps] == ["0011", "0111", "1110", "0110"]
    # three agents: MachineSoM's society answer is right exactly when the majority is
    assert [machinesom_pattern(e) for e in eps] == ["0011", "0111", "1110", "0110"]
    b = behaviour(eps)
    assert b.finished == 4
    assert b.sociolab_patterns == {"0011": 1, "0111": 1, "1110": 1, "0110": 1}
    assert b.sociolab_classes == {
        "corrected once": 2,
        "changed once while right": 1,
        "changed twice or more": 1,
        "stayed right": 0,
        "stayed wrong": 0,
    }
    assert list(b.sociolab_classes) == list(SOCIOLAB_CLASSES)
    assert b.machinesom_classes == {
        "corrected": 2,
        "changed while right": 1,
        "wavered": 1,
        "starts right": 1,
        "ends right": 2,
    }
    assert list(b.machinesom_classes) == list(MACHINESOM_CLASSES)


@pytest.mark.parametrize(
    ("bits", "expected"),
    [
        ("1111", "stayed right"),
        ("0000", "stayed wrong"),
        ("0001", "corrected once"),
        ("0111", "corrected once"),
        ("1000", "changed once while right"),
        ("1100", "changed once while right"),
        ("0101", "changed twice or more"),
        ("1011", "changed twice or more"),
        ("0100", "changed twice or more"),
        ("1", "stayed right"),
    ],
)
def test_sociolab_class(bits: str, expected: str) -> None:
    assert sociolab_class(bits) == expected


# every 4-round pattern and its MachineSoM classes, from the study's lists
STUDY_TABLE = {
    "0000": [],
    "0001": ["corrected", "ends right"],
    "0010": [],
    "0011": ["corrected", "ends right"],
    "0100": [],
    "0101": ["wavered", "ends right"],
    "0110": ["wavered"],
    "0111": ["corrected", "ends right"],
    "1000": ["changed while right", "starts right"],
    "1001": ["wavered", "starts right", "ends right"],
    "1010": ["wavered", "starts right"],
    "1011": ["starts right", "ends right"],
    "1100": ["changed while right", "starts right"],
    "1101": ["starts right", "ends right"],
    "1110": ["changed while right", "starts right"],
    "1111": ["starts right", "ends right"],
}


@pytest.mark.parametrize(("bits", "expected"), sorted(STUDY_TABLE.items()))
def test_machinesom_classes(bits: str, expected: list[str]) -> None:
    assert machinesom_classes(bits) == expected


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (["A", "A", "B"], "A"),
        ([None, None, "A"], None),  # "none" is the most frequent value
        (["A", "B", "C"], None),
        (["A", "A", "B", "B"], None),  # a tie for the top
        (["A", "A", None, None, "A"], "A"),
        (["A", "a", "B"], None),  # compared as given, not lower-cased
    ],
)
def test_machinesom_answer(answers: list[str | None], expected: str | None) -> None:
    assert machinesom_answer(answers) == expected


def test_machinesom_pattern_differs_from_a_rule_that_drops_none() -> None:
    # five agents, plurality rule: round 0 None None A A B -> plurality A (right),
    # MachineSoM: "none" and A tie -> no answer; round 1 None None None A A -> plurality A
    # (right), MachineSoM: None, the most frequent value (wrong)
    five = [*AGENTS, ("d", "easy-going"), ("e", "easy-going")]
    ep = EpisodeAnswers("q", "A", [[None, None, "A", "A", "B"], [None, None, None, "A", "A"]])
    t = build_transcript(five, ["initial", "debate"], [ep], decision="plurality")
    (e,) = episodes_of(Run(t))
    assert sociolab_pattern(e) == "11"
    assert machinesom_pattern(e) == "00"
    b = behaviour([e])
    # two rounds: only starts/ends right are defined for the study
    assert b.machinesom_classes == {
        "corrected": None,
        "changed while right": None,
        "wavered": None,
        "starts right": 0,
        "ends right": 0,
    }


def test_unfinished_episode_has_no_pattern() -> None:
    t = build_transcript(AGENTS, ROUNDS, EPISODES[:1])
    t.turns.pop()  # c's reflection turn of episode 0 is missing
    (e,) = episodes_of(Run(t))
    assert e.complete_rounds == 3 and not e.finished
    assert sociolab_pattern(e) is None
    assert machinesom_pattern(e) is None
    assert behaviour([e]).finished == 0
    acc = round_accuracy([e])
    assert acc.episodes == [1, 1, 1, 0]
    assert acc.society[3] is None


def test_flip_rates(run: Run) -> None:
    d = dynamics(episodes_of(run))
    # changes between consecutive rounds, 12 per agent: a 2+0+1+1, b 1+2+3+1, c 1+2+1+2
    assert {a: (f.flips, f.turns) for a, f in d.flips_by_agent.items()} == {
        "a": (4, 12),
        "b": (7, 12),
        "c": (6, 12),
    }
    assert d.flips_by_trait["easy-going"].rate == pytest.approx(13 / 24)


def test_influence_per_edge(run: Run) -> None:
    d = dynamics(episodes_of(run))
    got = {f"{u}->{v}": (x.changes, x.adoptions) for (u, v), x in d.influence.items()}
    assert got == {
        "b->a": (3, 2),
        "c->a": (3, 1),
        "a->b": (4, 3),
        "c->b": (4, 2),
        "a->c": (5, 2),
        "b->c": (5, 3),
    }


def test_cost_default_usage(run: Run) -> None:
    k = cost(episodes_of(run))
    # per turn: prompt 10*(round+1), completion 5; 4 episodes x 3 agents
    assert (k.prompt_tokens, k.completion_tokens) == (4 * 3 * 100, 4 * 3 * 4 * 5)
    assert k.total_tokens == 1440
    assert k.per_episode == 360
    assert k.correct == 2  # episodes 0 and 1 end correct
    assert k.per_correct == 720
    # MachineSoM: each agent's last call only (round 3: 40 + 5), 3 agents
    assert k.machinesom_last_call_per_episode == 135


def test_cost_last_call_uses_the_latest_recorded_turn() -> None:
    def usage(ep: int, rnd: int, agent: int) -> Usage:
        return Usage(prompt_tokens=100 * rnd + agent, completion_tokens=1)

    t = build_transcript(AGENTS, ROUNDS, EPISODES[:1], usage=usage)
    t.turns[:] = [x for x in t.turns if not (x.agent == "c" and x.round == 3)]
    k = cost(episodes_of(Run(t)))
    # a: 300+0+1, b: 300+1+1, c (round 2 is its last): 200+2+1
    assert k.last_call_tokens == 301 + 302 + 203
    assert k.correct == 0  # not finished
    assert k.per_correct is None


def test_metrics_json_has_the_documented_keys(run: Run) -> None:
    j = metrics_json(compute_metrics([run]))
    assert j["accuracy_by_round"] == [0.25, 0.75, 1.0, 0.5]
    assert j["consensus_by_round"] == [2.0, 1.75, 1.75, 1.5]
    assert {k: j["conformity"][k] for k in ("T->T", "T->F", "F->T", "F->F")} == {
        "T->T": 6,
        "T->F": 1,
        "F->T": 3,
        "F->F": 4,
    }
    assert j["conformity"]["rate"] == pytest.approx(14 / 24)
    assert j["tokens"] == {
        "prompt": 1200,
        "completion": 240,
        "total": 1440,
        "calls": 48,
        "usd": None,  # no price in the recorded config
        "per_episode": 360,
        "per_correct": 720,
        "machinesom_last_call_per_episode": 135,
        "cache_hits": 0,
        "spent_usd": None,
    }
    assert (j["episodes"], j["turns"]) == (4, 48)


def test_repeat_statistics(run: Run) -> None:
    g = compute_metrics([run]).groups[0]
    # final accuracy per repeat: repeat 0 (ep0, ep1) 2/2, repeat 1 (ep2, ep3) 0/2
    s = g.spread(("final_accuracy", None, ""))
    assert s.n == 2
    assert s.mean == pytest.approx(0.5)
    assert s.std == pytest.approx(math.sqrt(0.5))
    assert s.ci_low is not None and s.ci_high is not None
    assert 0.0 <= s.ci_low <= 0.5 <= s.ci_high <= 1.0
    # round-0 accuracy per repeat: 0/2 and 1/2
    s0 = g.spread(("accuracy", 0, ""))
    assert s0.mean == pytest.approx(0.25)


def test_metric_rows_one_per_group_round_measure(run: Run) -> None:
    rows = metric_rows(compute_metrics([run]))
    keys = [(r["group"], r["round"], r["measure"], r["subject"]) for r in rows]
    assert len(keys) == len(set(keys))
    acc = {r["round"]: r["value"] for r in rows if r["measure"] == "accuracy"}
    assert acc == {0: 0.25, 1: 0.75, 2: 1.0, 3: 0.5}
    patterns = {r["round"]: r["pattern"] for r in rows if r["measure"] == "accuracy"}
    assert patterns == dict(enumerate(ROUNDS))
    last_call = next(r for r in rows if r["measure"] == "machinesom_last_call_tokens_per_episode")
    assert last_call["value"] == 135 and last_call["round"] is None
    agent_b = next(
        r
        for r in rows
        if r["measure"] == "agent_accuracy" and r["subject"] == "agent=b" and r["round"] == 2
    )
    assert agent_b["value"] == 0.75
