"""Accuracy and consensus per round.

Society-level measures of round ``r`` are taken over the episodes in which
every agent answered rounds ``0..r``; agent-level ones over the recorded turns.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from societies.analysis.metrics.conformity import machinesom_value
from societies.analysis.metrics.episodes import EpisodeView, n_rounds


@dataclass(frozen=True)
class RoundAccuracy:
    """Accuracy per round (lists are indexed by round; ``None``: no episode reached it).

    Attributes:
        society: share of episodes whose society decision (the run's rule) is correct.
        no_decision: share of episodes where the rule gives no answer (tie, all different).
        episodes: episodes with the round complete.
        by_agent: agent -> share of its turns in the round that are correct.
        by_trait: trait -> share of the turns of agents with that trait that are correct.
    """

    society: list[float | None]
    no_decision: list[float | None]
    episodes: list[int]
    by_agent: dict[str, list[float | None]] = field(default_factory=dict)
    by_trait: dict[str, list[float | None]] = field(default_factory=dict)


def _share(hits: int, n: int) -> float | None:
    return hits / n if n else None


def round_accuracy(episodes: Sequence[EpisodeView]) -> RoundAccuracy:
    """Accuracy of the society decision and of every agent and trait, per round."""
    rounds = n_rounds(episodes)
    correct, none, reached = [0] * rounds, [0] * rounds, [0] * rounds
    agent_hits: dict[str, list[int]] = defaultdict(lambda: [0] * rounds)
    agent_n: dict[str, list[int]] = defaultdict(lambda: [0] * rounds)
    trait_hits: dict[str, list[int]] = defaultdict(lambda: [0] * rounds)
    trait_n: dict[str, list[int]] = defaultdict(lambda: [0] * rounds)
    for e in episodes:
        for r, (d, ok) in enumerate(zip(e.decisions, e.decision_correct, strict=True)):
            reached[r] += 1
            correct[r] += ok
            none[r] += d is None
        for (r, agent), t in e.turns.items():
            if r >= rounds:
                continue
            trait = e.traits.get(agent, t.trait)
            agent_n[agent][r] += 1
            agent_hits[agent][r] += t.correct
            trait_n[trait][r] += 1
            trait_hits[trait][r] += t.correct
    return RoundAccuracy(
        society=[_share(c, n) for c, n in zip(correct, reached, strict=True)],
        no_decision=[_share(c, n) for c, n in zip(none, reached, strict=True)],
        episodes=reached,
        by_agent={
            a: [_share(h, n) for h, n in zip(agent_hits[a], agent_n[a], strict=True)]
            for a in _ordered(episodes, agent_n)
        },
        by_trait={
            t: [_share(h, n) for h, n in zip(trait_hits[t], trait_n[t], strict=True)]
            for t in sorted(trait_n)
        },
    )


def _ordered(episodes: Sequence[EpisodeView], names: dict[str, list[int]]) -> list[str]:
    """Agent names in header order (first run first), then any others sorted."""
    order: list[str] = []
    for e in episodes:
        order += [a for a in e.agents if a not in order and a in names]
    return order + sorted(a for a in names if a not in order)


def distinct_answers(answers: Sequence[str | None]) -> int:
    """Number of different answers as MachineSoM's consensus counts them.

    Answers are compared as ``str(answer).lower().strip()``, so no answer is one
    more value, ``"none"``.
    """
    return len({machinesom_value(a) for a in answers})


def unanimous(answers: Sequence[str | None]) -> bool:
    """Whether every agent gave the same answer (and there is one)."""
    return bool(answers) and answers[0] is not None and len(set(answers)) == 1


def normalised_entropy(answers: Sequence[str | None]) -> float:
    """Shannon entropy of the answers (no answer is one more value) over its maximum, log(n).

    0 when all agents agree, 1 when all differ; 0 for a single agent.
    """
    if len(answers) < 2:
        return 0.0
    n = len(answers)
    h = -sum(c / n * math.log(c / n) for c in Counter(answers).values())
    return max(h, 0.0) / math.log(n)


@dataclass(frozen=True)
class RoundConsensus:
    """Consensus per round (indexed by round, over the episodes with the round complete).

    Attributes:
        distinct: mean number of distinct answers (MachineSoM's measure).
        unanimity: share of episodes where all agents gave the same answer.
        entropy: mean normalised answer entropy.
        first_unanimous: mean index of the first unanimous round, over finished
            episodes that ever were unanimous (0: unanimous from round 0).
        never_unanimous: share of finished episodes never unanimous.
        finished: number of finished episodes (every planned round complete).
    """

    distinct: list[float | None]
    unanimity: list[float | None]
    entropy: list[float | None]
    first_unanimous: float | None
    never_unanimous: float | None
    finished: int


def round_consensus(episodes: Sequence[EpisodeView]) -> RoundConsensus:
    """Consensus measures per round, and rounds until the first unanimous round."""
    rounds = n_rounds(episodes)
    distinct: list[list[int]] = [[] for _ in range(rounds)]
    unan: list[list[bool]] = [[] for _ in range(rounds)]
    ent: list[list[float]] = [[] for _ in range(rounds)]
    firsts: list[int] = []
    finished = never = 0
    for e in episodes:
        first: int | None = None
        for r in range(e.complete_rounds):
            answers = e.answers(r)
            distinct[r].append(distinct_answers(answers))
            unan[r].append(unanimous(answers))
            ent[r].append(normalised_entropy(answers))
            if first is None and unan[r][-1]:
                first = r
        if e.finished:
            finished += 1
            if first is None:
                never += 1
            else:
                firsts.append(first)
    return RoundConsensus(
        distinct=[_mean(v) for v in distinct],
        unanimity=[_mean(v) for v in unan],
        entropy=[_mean(v) for v in ent],
        first_unanimous=_mean(firsts),
        never_unanimous=_share(never, finished),
        finished=finished,
    )


def _mean(values: Sequence[float] | Sequence[int] | Sequence[bool]) -> float | None:
    return sum(values) / len(values) if values else None


__all__ = [
    "RoundAccuracy",
    "RoundConsensus",
    "distinct_answers",
    "normalised_entropy",
    "round_accuracy",
    "round_consensus",
    "unanimous",
]
