"""Du et al. (2023)'s score: the final round's plurality, items without an answer skipped.

As their ``math/gen_math.py`` scores a run: on the last round, the society's answer
is :func:`protocols.decision.du2023` over the agents' parsed answers (whatever the
run's own decision rule); an item where no agent has a parsed answer is skipped (not
scored); the others score 1 when that answer is right, else 0; the result is
``np.mean(scores)`` ± ``np.std(scores) / sqrt(len(scores))`` (population standard
deviation). Episodes whose last round is incomplete are left out (Du's loop has none).

The answers are those the run recorded: they are Du's only when the task read them
with ``extraction: du2023``. ``accuracy_skips_wrong`` is ours: the same decisions
over all finished episodes, a skipped item counted wrong. Du set no token limit, so
``truncated`` counts the answers that were read from a reply cut at ``max_tokens``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from protocols.decision import du2023
from societies.analysis.decisions import decide
from societies.analysis.metrics.episodes import EpisodeView

DU_MEASURE = "du2023_accuracy"
"""The row of Du et al.'s mean (its per-repeat spread is in ``report --json``'s ``repeats``)."""


@dataclass(frozen=True)
class DuScore:
    """Du et al.'s score of a set of episodes (see the module docstring).

    Attributes:
        finished: episodes with every planned round complete.
        scored: finished episodes with at least one parsed answer (Du's ``len(scores)``).
        correct: scored episodes whose plurality answer is right.
        skipped: finished episodes with no parsed answer (not scored by Du).
        mean: Du's ``np.mean(scores)`` (None when nothing was scored).
        se: Du's ``np.std(scores) / sqrt(len(scores))`` (None when nothing was scored).
        accuracy_skips_wrong: sociolab's: ``correct / finished``, skipped counted wrong.
        truncated: last-round answers of finished episodes read from a reply cut at the
            token limit (finish reason ``length``).
    """

    finished: int
    scored: int
    correct: int
    skipped: int
    mean: float | None
    se: float | None
    accuracy_skips_wrong: float | None
    truncated: int = 0


def du_score(episodes: Sequence[EpisodeView]) -> DuScore:
    """Du et al.'s mean ± standard error over the finished episodes' last rounds."""
    scores: list[int] = []
    finished = truncated = 0
    for e in episodes:
        if not e.finished or not e.patterns:
            continue
        finished += 1
        last = len(e.patterns) - 1
        group = [e.turns[(last, a)] for a in e.agents]
        truncated += sum(t.answer is not None and t.finish_reason == "length" for t in group)
        decision, correct = decide(group, du2023)
        if decision is not None:
            scores.append(int(correct))
    n = len(scores)
    if not n:
        return DuScore(finished, 0, 0, finished, None, None, 0.0 if finished else None, truncated)
    mean = sum(scores) / n
    std = math.sqrt(sum((s - mean) ** 2 for s in scores) / n)
    return DuScore(
        finished=finished,
        scored=n,
        correct=sum(scores),
        skipped=finished - n,
        mean=mean,
        se=std / math.sqrt(n),
        accuracy_skips_wrong=sum(scores) / finished,
        truncated=truncated,
    )


__all__ = ["DU_MEASURE", "DuScore", "du_score"]
