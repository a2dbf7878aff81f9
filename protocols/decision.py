"""Decision rules: how the agents' final answers become the society's answer."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from sociolab.registry import Registry

Answers = Sequence[str | None]
DecisionRule = Callable[[Answers], str | None]


def majority(answers: Answers) -> str | None:
    """The answer given by more than half of all agents, else None.

    With 3 agents this is MachineSoM's rule: 2 of 3 agree; a tie or three
    different answers give no answer. Agents with no answer still count in the total.
    """
    counts = Counter(a for a in answers if a is not None)
    if not counts:
        return None
    answer, n = counts.most_common(1)[0]
    return answer if n * 2 > len(answers) else None


def plurality(answers: Answers) -> str | None:
    """The most common answer if no other answer is as common, else None."""
    ranked = Counter(a for a in answers if a is not None).most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def first(answers: Answers) -> str | None:
    """The first agent's answer: a coalition's own pipeline comes first, members alone after it."""
    return answers[0] if answers else None


DECISION_RULES: Registry[DecisionRule] = Registry("decision rule")
"""Rule name -> rule (the agents' final answers, in agent order -> the society's answer)."""
DECISION_RULES.register("majority", majority)
DECISION_RULES.register("plurality", plurality)
DECISION_RULES.register("first", first)
