"""The society's decision per round, computed from transcript turns alone."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from societies.transcript import HeaderEvent, TurnEvent

Rule = Callable[[Sequence[str | None]], str | None]


def decisions_by_episode(
    header: HeaderEvent, turns: Sequence[TurnEvent], rule: Rule
) -> dict[int, list[tuple[str | None, bool]]]:
    """Per episode, per round: the society's answer and whether it is correct.

    Only complete rounds (every agent answered) are counted. A decision is
    correct when a turn giving that answer in that round was scored correct, so
    no task code is needed here.
    """
    n_agents = len(header.agents)
    by_round: dict[tuple[int, int], list[TurnEvent]] = defaultdict(list)
    for t in turns:
        by_round[(t.episode, t.round)].append(t)
    out: dict[int, list[tuple[str | None, bool]]] = defaultdict(list)
    for (ep, r), group in sorted(by_round.items()):
        if len(group) != n_agents or len(out[ep]) != r:
            continue
        decision = rule([t.answer for t in group])
        correct = decision is not None and any(t.correct and t.answer == decision for t in group)
        out[ep].append((decision, correct))
    return dict(out)


def society_accuracy(
    header: HeaderEvent, turns: Sequence[TurnEvent], rule: Rule
) -> tuple[list[float], list[float]]:
    """(accuracy, share with no decision) per round, over the episodes that reached it."""
    per_ep = decisions_by_episode(header, turns, rule)
    acc, none = [], []
    for r in range(len(header.rounds)):
        reached = [d[r] for d in per_ep.values() if len(d) > r]
        if not reached:
            break
        acc.append(sum(c for _, c in reached) / len(reached))
        none.append(sum(a is None for a, _ in reached) / len(reached))
    return acc, none
