"""The society's decision per round, computed from transcript turns alone."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from protocols.decision import DECISION_RULES
from societies.transcript import HeaderEvent
from sociolab.errors import ConfigError, TranscriptError
from sociolab.registry import load_plugins

Rule = Callable[[Sequence[str | None]], str | None]


def rule_of(header: HeaderEvent, where: str) -> Rule:
    """The run's decision rule; a rule a plugin added is found by importing the run's plugins.

    Raises:
        TranscriptError: the rule is unknown, or a plugin of the run fails to import.
    """
    rule = DECISION_RULES.get(header.decision)
    plugins = header.config.get("plugins")
    if rule is None and isinstance(plugins, list) and plugins:
        try:
            load_plugins([str(p) for p in plugins])
        except ConfigError as exc:
            raise TranscriptError(f"{where}: {exc.problems[0]}") from None
        rule = DECISION_RULES.get(header.decision)
    if rule is None:
        raise TranscriptError(f"{where}: {DECISION_RULES.unknown(header.decision)}")
    return rule


class TurnLike(Protocol):
    """What the decision functions read of a turn (a ``TurnEvent`` or a lighter record)."""

    @property
    def episode(self) -> int: ...
    @property
    def round(self) -> int: ...
    @property
    def agent(self) -> str: ...
    @property
    def answer(self) -> str | None: ...
    @property
    def correct(self) -> bool: ...


T = TypeVar("T", bound=TurnLike)


def complete_rounds(header: HeaderEvent, turns: Sequence[T]) -> dict[int, list[list[T]]]:
    """Per episode, the turns of each complete round, in the header's agent order.

    A round is complete when every agent of the header has a turn in it; only
    the complete rounds from round 0 up to the first incomplete one are kept,
    so ``result[episode][r]`` is round ``r``. Episodes without a complete
    round 0 are left out. A turn recorded twice keeps its last record.
    """
    names = [a.name for a in header.agents]
    by_round: dict[tuple[int, int], dict[str, T]] = defaultdict(dict)
    for t in turns:
        by_round[(t.episode, t.round)][t.agent] = t
    out: dict[int, list[list[T]]] = {}
    for (ep, r), group in sorted(by_round.items()):
        rounds = out.setdefault(ep, [])
        if len(rounds) != r or any(n not in group for n in names):
            continue
        rounds.append([group[n] for n in names])
    return {ep: rounds for ep, rounds in out.items() if rounds}


def decisions_by_episode(
    header: HeaderEvent, turns: Sequence[TurnLike], rule: Rule
) -> dict[int, list[tuple[str | None, bool]]]:
    """Per episode, per round: the society's answer and whether it is correct.

    Only complete rounds (every agent answered) are counted. A decision is
    correct when a turn giving that answer in that round was scored correct, so
    no task code is needed here.
    """
    out: dict[int, list[tuple[str | None, bool]]] = {}
    for ep, rounds in complete_rounds(header, turns).items():
        out[ep] = [decide(group, rule) for group in rounds]
    return out


def decide(group: Sequence[TurnLike], rule: Rule) -> tuple[str | None, bool]:
    """The society's answer for one round's turns, and whether it is correct."""
    decision = rule([t.answer for t in group])
    correct = decision is not None and any(t.correct and t.answer == decision for t in group)
    return decision, correct


def society_accuracy(
    header: HeaderEvent, turns: Sequence[TurnLike], rule: Rule
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
