"""Every measure of one set of episodes, computed once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from societies.analysis.metrics.accuracy import (
    RoundAccuracy,
    RoundConsensus,
    round_accuracy,
    round_consensus,
)
from societies.analysis.metrics.classes import Behaviour, behaviour
from societies.analysis.metrics.conformity import Conformity, Dynamics, conformity, dynamics
from societies.analysis.metrics.cost import Cost, cost
from societies.analysis.metrics.du import DuScore, du_score
from societies.analysis.metrics.episodes import EpisodeView
from societies.analysis.metrics.pressure import Pressure, pressure
from societies.analysis.metrics.provenance import Provenance, provenance


@dataclass(frozen=True)
class Measures:
    """Everything measured on one set of episodes.

    ``conformity`` is MachineSoM's (a missing answer is the value "none");
    ``conformity_sociolab`` is ours (a missing answer is never a majority).
    ``du2023`` is Du et al.'s score of the final round (their plurality and skip rule).
    ``provenance`` counts truncated replies and fallback answers.
    """

    accuracy: RoundAccuracy
    consensus: RoundConsensus
    conformity: Conformity
    conformity_sociolab: Conformity
    pressure: Pressure
    behaviour: Behaviour
    dynamics: Dynamics
    cost: Cost
    du2023: DuScore
    provenance: Provenance
    episodes: int
    turns: int
    patterns: tuple[str, ...]


def measure(episodes: Sequence[EpisodeView], patterns: Sequence[str] = ()) -> Measures:
    """Compute every measure on ``episodes``.

    ``patterns`` names the planned rounds when no episode does (e.g. none yet).
    """
    longest: tuple[str, ...] = max((tuple(patterns), *(e.patterns for e in episodes)), key=len)
    return Measures(
        accuracy=round_accuracy(episodes),
        consensus=round_consensus(episodes),
        conformity=conformity(episodes, "machinesom"),
        conformity_sociolab=conformity(episodes, "sociolab"),
        pressure=pressure(episodes),
        behaviour=behaviour(episodes),
        dynamics=dynamics(episodes),
        cost=cost(episodes),
        du2023=du_score(episodes),
        provenance=provenance(episodes),
        episodes=len(episodes),
        turns=sum(len(e.turns) for e in episodes),
        patterns=longest,
    )


__all__ = ["Measures", "measure"]
