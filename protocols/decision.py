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


def du2023(answers: Answers) -> str | None:
    """Du et al.'s ``most_frequent`` over the parsed answers (None dropped; no answer -> None).

    The first answer, in agent order, whose count reaches the highest count wins, so a
    full tie goes to the first agent that answered. Answers are compared as strings in
    :func:`benchmarks.arithmetic_du.canonical_number`'s form; ``"nan"`` counts once per
    agent, because in Du's code a nan float equals only itself (``list.count``).
    """
    parsed = [a for a in answers if a is not None]
    best, top = None, 0
    for a in parsed:
        n = 1 if a == "nan" else parsed.count(a)
        if n > top:
            best, top = a, n
    return best


def unify_braces(answers: Answers) -> list[str | None]:
    """MachineSoM's brace unification (``check_include``): ``x`` becomes ``{x}`` when both occur.

    The study's double loop, in its order: for each answer ``i``, then each other
    answer ``j``, ``i`` takes ``j``'s value when ``j`` is ``i`` wrapped in one pair of
    braces. Changes carry forward, so ``12``, ``{12}``, ``{{12}}`` all end as ``{{12}}``.
    Every value in the result is one of the given answers.
    """
    out = list(answers)
    for i in range(len(out)):
        for j in range(len(out)):
            a, b = out[i], out[j]
            if i != j and a is not None and b is not None and b == "{" + a + "}":
                out[i] = b
    return out


def machinesom(answers: Answers) -> str | None:
    """The society's answer as the MachineSoM study computes it (Zhang et al., ACL 2024).

    Their evaluation code's ``judge_answer``: :func:`unify_braces` (which the study
    applies to MATH answers only; it never changes letters or squares, so applying
    it always gives the study's result on its three tasks), then
    ``_most_frequence_answer``: a missing answer (None) is a value like any other,
    and the answer is the most frequent value if no other value is as frequent and
    it was given at least twice; else None.

    With 3 agents this equals :func:`majority`. It differs for other sizes: with 4
    agents ``A, A, B, C`` gives ``A`` here and None under ``majority`` (2 is not more
    than half); ``A, A, None, None`` gives None here (a tie with "no answer") where
    :func:`plurality` gives ``A``; with 5 agents ``A, A, None, None, None`` gives None
    (no answer is the most frequent value); a single agent never has a society
    answer here (one vote is not two), while ``majority`` takes its answer.
    Unlike the study's code, an empty list gives None instead of an error.
    """
    counts = Counter(unify_braces(answers))
    top = max(counts.values(), default=0)
    leaders = [a for a, n in counts.items() if n == top]
    return leaders[0] if top >= 2 and len(leaders) == 1 else None


def first(answers: Answers) -> str | None:
    """The first agent's answer: a coalition's own pipeline comes first, members alone after it."""
    return answers[0] if answers else None


DECISION_RULES: Registry[DecisionRule] = Registry("decision rule")
"""Rule name -> rule (the agents' final answers, in agent order -> the society's answer)."""
DECISION_RULES.register("majority", majority)
DECISION_RULES.register("plurality", plurality)
DECISION_RULES.register("first", first)
DECISION_RULES.register("du2023", du2023)
DECISION_RULES.register("machinesom", machinesom)
