"""What a run did, by round and in one sentence, read from its transcript's episodes.

The run summary prints :func:`round_rows` as a table and :func:`what_happened`
under it. Both read only :class:`~societies.analysis.metrics.EpisodeView` objects,
so they work on any transcript, old or imported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from societies.analysis.metrics import EpisodeView, round_consensus
from societies.analysis.metrics.conformity import ConformityCounts, conformity


@dataclass(frozen=True)
class RoundRow:
    """One round of the summary table (None where the round has nothing to measure).

    Attributes:
        round: the round number (0 = every agent alone).
        pattern: what the agents did in it (``initial``, ``debate``, ``reflection``, ...).
        distinct: mean number of distinct answers among the agents (1 = all agree).
        unanimous: share of episodes where every agent gave the same answer.
        conformity: MachineSoM's conformity counts of the round's debate turns.
    """

    round: int
    pattern: str
    distinct: float | None
    unanimous: float | None
    conformity: ConformityCounts | None


def round_rows(episodes: Sequence[EpisodeView]) -> list[RoundRow]:
    """Consensus and conformity of every round the episodes reached."""
    consensus = round_consensus(episodes)
    by_round = conformity(episodes, "machinesom").by_round
    patterns = max((e.patterns for e in episodes), key=len, default=())
    return [
        RoundRow(
            r,
            patterns[r] if r < len(patterns) else "?",
            distinct,
            unanimous,
            by_round.get(r),
        )
        for r, (distinct, unanimous) in enumerate(
            zip(consensus.distinct, consensus.unanimity, strict=True)
        )
    ]


@dataclass
class _Changes:
    """Agents' answers in round 0 against their answers in the last round."""

    answers: int = 0
    changed: int = 0
    to_right: int = 0
    from_right: int = 0
    right_before: int = 0
    right_after: int = 0
    episodes: int = 0


def _count(episodes: Sequence[EpisodeView]) -> tuple[_Changes, int]:
    """The changes over episodes with a complete round after round 0, and their last round."""
    c, last = _Changes(), 0
    for e in episodes:
        end = e.complete_rounds - 1
        if end < 1:
            continue
        last = max(last, end)
        c.episodes += 1
        c.right_before += e.decision_correct[0]
        c.right_after += e.decision_correct[end]
        for agent in e.agents:
            first, final = e.turns[(0, agent)], e.turns[(end, agent)]
            c.answers += 1
            if first.answer == final.answer:
                continue
            c.changed += 1
            c.to_right += final.correct and not first.correct
            c.from_right += first.correct and not final.correct
    return c, last


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def what_happened(episodes: Sequence[EpisodeView]) -> str | None:
    """One sentence: how many agents' answers the rounds after round 0 changed, and how.

    Compares each agent's answer in round 0 with its answer in the episode's last
    complete round (an agent that changed and changed back counts as unchanged),
    and the society's decision in the same two rounds. None when no episode has a
    complete round after round 0 (nothing could change).
    """
    c, last = _count(episodes)
    if not c.episodes:
        return None
    patterns = max((e.patterns for e in episodes), key=len)[1 : last + 1]
    rounds = f"round 0 and round {last} ({', '.join(patterns)})"
    many = len({e.question_id for e in episodes}) < c.episodes  # repeats: say episodes
    unit = "episode" if many else "question"
    society = (
        f"the society was right on {c.right_before} of {_plural(c.episodes, unit)} in round 0"
        f" and on {c.right_after} in round {last}"
    )
    if not c.changed:
        return f"No agent changed its answer between {rounds}; {society}."
    parts = []
    if c.to_right:
        parts.append(f"{c.to_right} to the right answer")
    if c.from_right:
        parts.append(f"{c.from_right} from the right answer to a wrong one")
    if rest := c.changed - c.to_right - c.from_right:
        parts.append(f"{rest} from one wrong answer (or none) to another")
    changed = f"{c.changed} of the {c.answers} agents' answers changed"
    return f"Between {rounds}, {changed}: {', '.join(parts)}; {society}."


__all__ = ["RoundRow", "round_rows", "what_happened"]
