"""Conformity (MachineSoM), minority switching (Asch), and answer dynamics.

Definitions, all read from the transcript's turns:

- **Visible majority** of a turn in round ``r``: among the round ``r-1``
  answers of the agents the turn could see (its ``peers``) and of the agent
  itself, the most common answer, if at least two agents gave it and no other
  answer is as common. No answer (``None``) is never a majority; a tie or all
  different answers give no majority.
- **Debate turn**: a turn after round 0 whose pattern is ``debate`` or that
  was shown peers' replies (reflection turns see no peers, so never count).
- **Conformity** (MachineSoM): a debate turn conforms when its
  answer equals its visible majority, whether the agent changed or stayed in a
  majority it was already in. Conforming turns are counted by the correctness
  of the agent's previous and new answer (``T->T``, ``T->F``, ``F->T``,
  ``F->F``); the rate is conforming turns over all debate turns whose previous
  round was recorded. Reflection rounds (the agent sees only itself) are
  never counted.
- **Minority switching** (Asch): among debate turns whose agent had an answer
  that differed from an existing visible majority, the share that changed their
  answer (``switched``) and the share that adopted the majority (``joined``).
- **Flip rate**: share of an agent's turns in rounds 1.. whose answer differs
  from its own previous answer (any pattern).
- **Influence** of an edge ``u -> v``: among debate turns of ``v`` that were
  shown ``u``'s previous reply and where ``v`` changed to a (non-empty) new
  answer, the share whose new answer is ``u``'s previous answer.
- **Majority-correctness pattern**: one bit per round, 1 when the society's
  decision (the run's decision rule) is correct, e.g. ``0111``, for episodes
  with every round complete; its class: ``stayed right`` (all 1),
  ``stayed wrong`` (all 0), ``corrected`` (one change, 0 to 1), ``changed while
  right`` (one change, 1 to 0), ``wavered`` (two or more changes).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from societies.analysis.metrics.episodes import EpisodeView
from societies.transcript import TurnEvent

TRANSITIONS = ("T->T", "T->F", "F->T", "F->F")
"""Old -> new correctness of a conforming turn."""

CLASSES = ("corrected", "changed while right", "wavered", "stayed right", "stayed wrong")
"""MachineSoM's classes of majority-correctness patterns."""


def visible_majority(answers: Sequence[str | None]) -> str | None:
    """The answer given by at least two agents and more often than any other, else None."""
    ranked = Counter(a for a in answers if a is not None).most_common(2)
    if not ranked or ranked[0][1] < 2 or (len(ranked) == 2 and ranked[1][1] == ranked[0][1]):
        return None
    return ranked[0][0]


def transition(old_correct: bool, new_correct: bool) -> str:
    """``T->T``, ``T->F``, ``F->T`` or ``F->F``."""
    return f"{'T' if old_correct else 'F'}->{'T' if new_correct else 'F'}"


@dataclass(frozen=True)
class DebateTurn:
    """A debate turn with what it saw of the previous round."""

    episode: EpisodeView
    turn: TurnEvent
    previous: TurnEvent
    seen: dict[str, TurnEvent]
    majority: str | None

    @property
    def conforms(self) -> bool:
        """Whether the new answer equals the visible majority."""
        return self.majority is not None and self.turn.answer == self.majority


def debate_turns(episodes: Sequence[EpisodeView]) -> Iterator[DebateTurn]:
    """Every debate turn (see the module docstring) whose own and peers' previous turns are recorded."""
    for e in episodes:
        for (r, agent), t in sorted(e.turns.items()):
            if r == 0 or not (t.pattern == "debate" or t.peers):
                continue
            visible = [agent, *(p for p in t.peers if p != agent)]
            seen = {a: e.turns.get((r - 1, a)) for a in visible}
            if any(v is None for v in seen.values()):
                continue
            prev = {a: v for a, v in seen.items() if v is not None}
            majority = visible_majority([v.answer for v in prev.values()])
            yield DebateTurn(e, t, prev[agent], prev, majority)


@dataclass
class ConformityCounts:
    """Conformity counts of a set of debate turns."""

    turns: int = 0
    conforming: int = 0
    transitions: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TRANSITIONS, 0))

    @property
    def rate(self) -> float | None:
        """Conforming turns over debate turns (None without debate turns)."""
        return self.conforming / self.turns if self.turns else None

    def add(self, d: DebateTurn) -> None:
        """Count one debate turn."""
        self.turns += 1
        if d.conforms:
            self.conforming += 1
            self.transitions[transition(d.previous.correct, d.turn.correct)] += 1


@dataclass
class MinorityCounts:
    """Debate turns of agents in the minority, and what they did."""

    turns: int = 0
    switched: int = 0
    joined: int = 0

    @property
    def switch_rate(self) -> float | None:
        """Share of minority turns that changed answer."""
        return self.switched / self.turns if self.turns else None

    @property
    def join_rate(self) -> float | None:
        """Share of minority turns that adopted the majority."""
        return self.joined / self.turns if self.turns else None


@dataclass(frozen=True)
class Conformity:
    """Conformity overall and split by trait, agent and round, plus minority switching."""

    overall: ConformityCounts
    by_trait: dict[str, ConformityCounts]
    by_agent: dict[str, ConformityCounts]
    by_round: dict[int, ConformityCounts]
    minority: MinorityCounts
    minority_by_trait: dict[str, MinorityCounts]


def conformity(episodes: Sequence[EpisodeView]) -> Conformity:
    """Conformity and minority switching over the debate turns of ``episodes``."""
    overall, minority = ConformityCounts(), MinorityCounts()
    by_trait: dict[str, ConformityCounts] = {}
    by_agent: dict[str, ConformityCounts] = {}
    by_round: dict[int, ConformityCounts] = {}
    min_trait: dict[str, MinorityCounts] = {}
    traits = sorted({t for e in episodes for t in e.traits.values()})
    for trait in traits:
        by_trait[trait], min_trait[trait] = ConformityCounts(), MinorityCounts()
    for e in episodes:
        for a in e.agents:
            by_agent.setdefault(a, ConformityCounts())
    for d in debate_turns(episodes):
        t = d.turn
        trait = d.episode.traits.get(t.agent, t.trait)
        for counts in (
            overall,
            by_trait.setdefault(trait, ConformityCounts()),
            by_agent.setdefault(t.agent, ConformityCounts()),
            by_round.setdefault(t.round, ConformityCounts()),
        ):
            counts.add(d)
        old = d.previous.answer
        if d.majority is not None and old is not None and old != d.majority:
            for m in (minority, min_trait.setdefault(trait, MinorityCounts())):
                m.turns += 1
                m.switched += t.answer != old
                m.joined += t.answer == d.majority
    return Conformity(
        overall, by_trait, by_agent, dict(sorted(by_round.items())), minority, min_trait
    )


def correctness_pattern(e: EpisodeView) -> str | None:
    """The episode's majority-correctness bits (``0111``), or None when not finished."""
    if not e.finished:
        return None
    return "".join("1" if ok else "0" for ok in e.decision_correct)


def pattern_class(bits: str) -> str:
    """MachineSoM's class of a correctness pattern (see the module docstring)."""
    changes = sum(a != b for a, b in pairwise(bits))
    if changes == 0:
        return "stayed right" if bits.startswith("1") else "stayed wrong"
    if changes == 1:
        return "corrected" if bits.startswith("0") else "changed while right"
    return "wavered"


@dataclass
class FlipCounts:
    """Answer changes of an agent (or trait) between consecutive rounds."""

    turns: int = 0
    flips: int = 0

    @property
    def rate(self) -> float | None:
        """Flips over turns with a recorded previous turn."""
        return self.flips / self.turns if self.turns else None


@dataclass
class EdgeInfluence:
    """How often ``v`` adopted ``u``'s previous answer when it changed."""

    changes: int = 0
    adoptions: int = 0

    @property
    def rate(self) -> float | None:
        """Adoptions over changes."""
        return self.adoptions / self.changes if self.changes else None


@dataclass(frozen=True)
class Dynamics:
    """Answer dynamics: correctness patterns and their classes, flips, influence.

    Attributes:
        patterns: pattern -> number of finished episodes with it.
        classes: class -> number of finished episodes (every class in :data:`CLASSES`).
        finished: finished episodes.
        flips_by_agent: agent -> its flips.
        flips_by_trait: trait -> flips of its agents.
        influence: edge ``(u, v)`` -> influence of u on v (every edge of the runs' graphs).
    """

    patterns: dict[str, int]
    classes: dict[str, int]
    finished: int
    flips_by_agent: dict[str, FlipCounts]
    flips_by_trait: dict[str, FlipCounts]
    influence: dict[tuple[str, str], EdgeInfluence]


def dynamics(episodes: Sequence[EpisodeView]) -> Dynamics:
    """Correctness patterns, flip rates and influence along edges."""
    patterns: Counter[str] = Counter()
    flips_agent: dict[str, FlipCounts] = {}
    flips_trait: dict[str, FlipCounts] = {}
    influence: dict[tuple[str, str], EdgeInfluence] = {}
    for e in episodes:
        bits = correctness_pattern(e)
        if bits is not None:
            patterns[bits] += 1
        for a in e.agents:
            flips_agent.setdefault(a, FlipCounts())
            flips_trait.setdefault(e.traits[a], FlipCounts())
        for u, v in e.edges:
            influence.setdefault((u, v), EdgeInfluence())
        for (r, agent), t in e.turns.items():
            prev = e.turns.get((r - 1, agent))
            if r == 0 or prev is None:
                continue
            changed = t.answer != prev.answer
            for f in (
                flips_agent.setdefault(agent, FlipCounts()),
                flips_trait.setdefault(e.traits.get(agent, t.trait), FlipCounts()),
            ):
                f.turns += 1
                f.flips += changed
    for d in debate_turns(episodes):
        t = d.turn
        if t.answer is None or t.answer == d.previous.answer:
            continue
        for u, seen in d.seen.items():
            if u == t.agent:
                continue
            edge = influence.setdefault((u, t.agent), EdgeInfluence())
            edge.changes += 1
            edge.adoptions += t.answer == seen.answer
    classes = dict.fromkeys(CLASSES, 0)
    for bits, n in patterns.items():
        classes[pattern_class(bits)] += n
    return Dynamics(
        patterns=dict(sorted(patterns.items(), key=lambda kv: (-kv[1], kv[0]))),
        classes=classes,
        finished=sum(patterns.values()),
        flips_by_agent=flips_agent,
        flips_by_trait=dict(sorted(flips_trait.items())),
        influence=influence,
    )


__all__ = [
    "CLASSES",
    "TRANSITIONS",
    "Conformity",
    "ConformityCounts",
    "DebateTurn",
    "Dynamics",
    "EdgeInfluence",
    "FlipCounts",
    "MinorityCounts",
    "conformity",
    "correctness_pattern",
    "debate_turns",
    "dynamics",
    "pattern_class",
    "transition",
    "visible_majority",
]
