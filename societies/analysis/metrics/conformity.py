"""Conformity in debate rounds (MachineSoM's and ours), and answer dynamics.

Definitions, all read from the transcript's turns:

- **Debate turn**: a turn after round 0 whose pattern is ``debate`` or that
  was shown peers' replies (reflection turns see no peers, so never count).
  What it *saw* is the round ``r-1`` turns of the agent itself and of its
  ``peers``; on MachineSoM's complete graph that is every agent, as in the
  study's code.
- **Conformity (MachineSoM)**, ``rule="machinesom"``, equal to the study's
  ``judge_conformity(..., situation=2)``: answers are compared as
  ``str(answer).lower().strip()``, so a missing answer is the value ``"none"``
  like any other. The *majority* of the seen answers is every value given most
  often, if that is at least twice (with two answers: both equal); a debate
  turn conforms when its new answer is one of them, whether the agent changed
  or stayed. So two agents that answered nothing make a "none" majority, and a
  third that again answers nothing conforms to it (``F->F``).
- **Conformity (sociolab)**, ``rule="sociolab"``, our variant: the majority is
  :func:`visible_majority` (no answer is never a majority; a tie is no
  majority), and a turn conforms when its answer equals it.
- Conforming turns are counted by the correctness of the agent's previous and
  new answer (``T->T``, ``T->F``, ``F->T``, ``F->F``); the rate is conforming
  turns over all debate turns whose seen previous turns were all recorded.
- **Flip rate**: share of an agent's turns in rounds 1.. whose answer differs
  from its own previous answer (any pattern).
- **Influence** of an edge ``u -> v``: among debate turns of ``v`` that were
  shown ``u``'s previous reply and where ``v`` changed to a (non-empty) new
  answer, the share whose new answer is ``u``'s previous answer.

Majority pressure on a minority (Asch) is in
:mod:`societies.analysis.metrics.pressure`; the classes of majority-correctness
patterns in :mod:`societies.analysis.metrics.classes`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from societies.analysis.metrics.episodes import EpisodeView
from societies.transcript import TurnEvent

TRANSITIONS = ("T->T", "T->F", "F->T", "F->F")
"""Old -> new correctness of a conforming turn."""

ConformityRule = Literal["machinesom", "sociolab"]
CONFORMITY_RULES: tuple[ConformityRule, ...] = ("machinesom", "sociolab")
"""``machinesom``: the study's code ("none" is a value); ``sociolab``: ours (None is no answer)."""


def visible_majority(answers: Sequence[str | None]) -> str | None:
    """Ours: the answer given by at least two agents and more often than any other, else None."""
    ranked = Counter(a for a in answers if a is not None).most_common(2)
    if not ranked or ranked[0][1] < 2 or (len(ranked) == 2 and ranked[1][1] == ranked[0][1]):
        return None
    return ranked[0][0]


def machinesom_value(answer: str | None) -> str:
    """An answer as MachineSoM's ``strip_and_lower`` compares it (None becomes ``"none"``)."""
    return str(answer).lower().strip()


def machinesom_majority(answers: Sequence[str | None]) -> tuple[str, ...]:
    """MachineSoM's ``majority_ans``: every value given most often, if at least twice.

    Values are :func:`machinesom_value`; with two answers, the one value if both
    are equal. Empty when there is no majority.
    """
    values = [machinesom_value(a) for a in answers]
    if len(values) == 2:
        return (values[0],) if values[0] == values[1] else ()
    counts = Counter(values)
    top = max(counts.values(), default=0)
    return tuple(v for v, n in counts.items() if n == top) if top >= 2 else ()


def transition(old_correct: bool, new_correct: bool) -> str:
    """``T->T``, ``T->F``, ``F->T`` or ``F->F``."""
    return f"{'T' if old_correct else 'F'}->{'T' if new_correct else 'F'}"


@dataclass(frozen=True)
class DebateTurn:
    """A debate turn with what it saw of the previous round.

    Attributes:
        episode: its episode.
        turn: the turn.
        previous: the agent's own turn of the previous round.
        seen: agent -> previous-round turn, for the agent and the peers it was shown.
        majority: our majority of the seen answers (:func:`visible_majority`).
        machinesom_majority: the study's majority values (:func:`machinesom_majority`).
    """

    episode: EpisodeView
    turn: TurnEvent
    previous: TurnEvent
    seen: dict[str, TurnEvent]
    majority: str | None
    machinesom_majority: tuple[str, ...] = ()

    def conforms(self, rule: ConformityRule = "sociolab") -> bool:
        """Whether the new answer is the majority under ``rule`` (see the module docstring)."""
        if rule == "machinesom":
            return machinesom_value(self.turn.answer) in self.machinesom_majority
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
            answers = [v.answer for v in prev.values()]
            yield DebateTurn(
                e, t, prev[agent], prev, visible_majority(answers), machinesom_majority(answers)
            )


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

    def add(self, d: DebateTurn, conforms: bool) -> None:
        """Count one debate turn, conforming or not."""
        self.turns += 1
        if conforms:
            self.conforming += 1
            self.transitions[transition(d.previous.correct, d.turn.correct)] += 1


@dataclass(frozen=True)
class Conformity:
    """Conformity under one rule, overall and split by trait, agent and round."""

    rule: ConformityRule
    overall: ConformityCounts
    by_trait: dict[str, ConformityCounts]
    by_agent: dict[str, ConformityCounts]
    by_round: dict[int, ConformityCounts]


def conformity(episodes: Sequence[EpisodeView], rule: ConformityRule = "machinesom") -> Conformity:
    """Conformity under ``rule`` over the debate turns of ``episodes``."""
    overall = ConformityCounts()
    traits = sorted({t for e in episodes for t in e.traits.values()})
    by_trait = {t: ConformityCounts() for t in traits}
    by_agent = {a: ConformityCounts() for e in episodes for a in e.agents}
    by_round: dict[int, ConformityCounts] = {}
    for d in debate_turns(episodes):
        t = d.turn
        ok = d.conforms(rule)
        for counts in (
            overall,
            by_trait.setdefault(d.episode.traits.get(t.agent, t.trait), ConformityCounts()),
            by_agent.setdefault(t.agent, ConformityCounts()),
            by_round.setdefault(t.round, ConformityCounts()),
        ):
            counts.add(d, ok)
    return Conformity(rule, overall, by_trait, by_agent, dict(sorted(by_round.items())))


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
    """Answer dynamics: flips and influence.

    Attributes:
        flips_by_agent: agent -> its flips.
        flips_by_trait: trait -> flips of its agents.
        influence: edge ``(u, v)`` -> influence of u on v (every edge of the runs' graphs).
    """

    flips_by_agent: dict[str, FlipCounts]
    flips_by_trait: dict[str, FlipCounts]
    influence: dict[tuple[str, str], EdgeInfluence]


def _flips(episodes: Sequence[EpisodeView]) -> tuple[dict[str, FlipCounts], dict[str, FlipCounts]]:
    by_agent: dict[str, FlipCounts] = {}
    by_trait: dict[str, FlipCounts] = {}
    for e in episodes:
        for a in e.agents:
            by_agent.setdefault(a, FlipCounts())
            by_trait.setdefault(e.traits[a], FlipCounts())
        for (r, agent), t in e.turns.items():
            prev = e.turns.get((r - 1, agent))
            if r == 0 or prev is None:
                continue
            changed = t.answer != prev.answer
            for f in (
                by_agent.setdefault(agent, FlipCounts()),
                by_trait.setdefault(e.traits.get(agent, t.trait), FlipCounts()),
            ):
                f.turns += 1
                f.flips += changed
    return by_agent, dict(sorted(by_trait.items()))


def dynamics(episodes: Sequence[EpisodeView]) -> Dynamics:
    """Flip rates and influence along edges."""
    influence: dict[tuple[str, str], EdgeInfluence] = {}
    for e in episodes:
        for u, v in e.edges:
            influence.setdefault((u, v), EdgeInfluence())
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
    by_agent, by_trait = _flips(episodes)
    return Dynamics(by_agent, by_trait, influence)


__all__ = [
    "CONFORMITY_RULES",
    "TRANSITIONS",
    "Conformity",
    "ConformityCounts",
    "ConformityRule",
    "DebateTurn",
    "Dynamics",
    "EdgeInfluence",
    "FlipCounts",
    "conformity",
    "debate_turns",
    "dynamics",
    "machinesom_majority",
    "machinesom_value",
    "transition",
    "visible_majority",
]
