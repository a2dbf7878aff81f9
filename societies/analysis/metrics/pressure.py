"""Majority pressure on a dissenting agent: majority influence and the Asch measure.

Both read the debate turns of :func:`~societies.analysis.metrics.conformity.debate_turns`
(what an agent saw of the previous round: its own and its peers' turns). Both
are sociolab's measures; MachineSoM has neither.

- **Majority influence** (unconditioned): among debate turns whose agent had
  an answer that differed from an existing visible majority (ours: None is no
  answer, a tie is no majority), the share that changed their answer
  (``switched``) and the share that adopted the majority (``joined``). It does
  not ask whether the majority or the agent was right.
- **Asch** (conditioned, as in Asch's line-judgement design): debate turns
  where the agent was *right* in the previous round and every other agent it
  saw (at least two) gave the *same wrong* answer (a real answer, not None).
  ``yielded`` counts turns whose new answer is that wrong answer, ``switched``
  those that changed their answer at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from societies.analysis.metrics.conformity import DebateTurn, debate_turns
from societies.analysis.metrics.episodes import EpisodeView

ASCH_MIN_OTHERS = 2
"""Other agents that must agree for a unanimous majority (all a three-agent society has)."""


@dataclass
class MajorityInfluence:
    """Debate turns of agents outside a visible majority, and what they did."""

    turns: int = 0
    switched: int = 0
    joined: int = 0

    @property
    def switch_rate(self) -> float | None:
        """Share of those turns that changed answer."""
        return self.switched / self.turns if self.turns else None

    @property
    def join_rate(self) -> float | None:
        """Share of those turns that adopted the majority."""
        return self.joined / self.turns if self.turns else None


@dataclass
class AschCounts:
    """Right agents facing a unanimous wrong majority, and whether they yielded."""

    turns: int = 0
    yielded: int = 0
    switched: int = 0

    @property
    def rate(self) -> float | None:
        """Share of those turns that adopted the wrong majority answer."""
        return self.yielded / self.turns if self.turns else None


@dataclass(frozen=True)
class Pressure:
    """Majority influence and the Asch measure, overall and by trait."""

    influence: MajorityInfluence
    influence_by_trait: dict[str, MajorityInfluence] = field(default_factory=dict)
    asch: AschCounts = field(default_factory=AschCounts)
    asch_by_trait: dict[str, AschCounts] = field(default_factory=dict)


def unanimous_wrong(d: DebateTurn) -> str | None:
    """The wrong answer every other seen agent gave, if the agent was right before; else None."""
    others = [t for a, t in d.seen.items() if a != d.turn.agent]
    if not d.previous.correct or len(others) < ASCH_MIN_OTHERS:
        return None
    answers = {t.answer for t in others}
    if len(answers) != 1 or None in answers or any(t.correct for t in others):
        return None
    return others[0].answer


def pressure(episodes: Sequence[EpisodeView]) -> Pressure:
    """Majority influence and the Asch measure over the debate turns of ``episodes``."""
    traits = sorted({t for e in episodes for t in e.traits.values()})
    out = Pressure(
        MajorityInfluence(),
        {t: MajorityInfluence() for t in traits},
        AschCounts(),
        {t: AschCounts() for t in traits},
    )
    for d in debate_turns(episodes):
        t, old = d.turn, d.previous.answer
        trait = d.episode.traits.get(t.agent, t.trait)
        if d.majority is not None and old is not None and old != d.majority:
            for m in (out.influence, out.influence_by_trait.setdefault(trait, MajorityInfluence())):
                m.turns += 1
                m.switched += t.answer != old
                m.joined += t.answer == d.majority
        wrong = unanimous_wrong(d)
        if wrong is not None:
            for a in (out.asch, out.asch_by_trait.setdefault(trait, AschCounts())):
                a.turns += 1
                a.yielded += t.answer == wrong
                a.switched += t.answer != old
    return out


__all__ = [
    "ASCH_MIN_OTHERS",
    "AschCounts",
    "MajorityInfluence",
    "Pressure",
    "pressure",
    "unanimous_wrong",
]
