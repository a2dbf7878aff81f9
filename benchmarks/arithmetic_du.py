"""Du et al. (2023)'s arithmetic items and answer parser, as their ``math/gen_math.py`` does them.

"Improving Factuality and Reasoning in Language Models through Multiagent Debate"
(github composable-models/llm_multiagent_debate). Our own code, reproducing theirs:

- **Items**: ``np.random.seed(0)``, then per item ``a, b, c, d, e, f =
  np.random.randint(0, 30, size=6)`` (operands 0..29), 100 items; the question
  ``What is the result of {a}+{b}*{c}+{d}-{e}*{f}?``; gold ``a+b*c+d-e*f``. We draw
  from ``np.random.RandomState(seed)``, the same legacy stream as the global seeding.
- **Parser**: ``reply.replace(",", ".")``, ``split(" ")``, and the last part that
  Python's ``float()`` accepts (so ``550.``, ``1e3``, ``nan``, ``inf``, ``1_000``
  and ``\\n550`` parse; ``is\\n550`` and ``550.)`` do not). A comma becomes a decimal
  point, so ``1,000`` reads as 1.0, as in the study.

Du compares floats with ``==``; we record an answer as a string in a canonical
form (:func:`canonical_number`) such that two answers are equal strings exactly
when their floats compare equal, except ``nan``, which never equals itself in
Du's code: :func:`protocols.decision.du2023` counts each ``nan`` alone, and a
``nan`` answer is never correct because gold answers are integers.
"""

from __future__ import annotations

import math

from benchmarks.base import Extraction, Question

DU2023_ITEMS = 100
"""Du et al.'s ``evaluation_round``: the number of arithmetic items of the study."""

DU2023_OPERANDS = 30
"""``np.random.randint(0, 30)``: operands are 0..29 (the high bound is exclusive)."""

DU2023_INSTRUCTIONS = "Make sure to state your answer at the end of the response."
"""The answer instruction that follows Du's question (after one space) in its first turn."""


def du2023_operands(n: int, seed: int = 0) -> list[tuple[int, int, int, int, int, int]]:
    """The operands ``(a, b, c, d, e, f)`` of the first ``n`` items, in Du's order.

    Args:
        n: how many items (Du's study has :data:`DU2023_ITEMS`).
        seed: the numpy seed (Du's is 0).
    """
    import numpy as np

    rng = np.random.RandomState(seed)
    out = []
    for _ in range(n):
        a, b, c, d, e, f = (int(x) for x in rng.randint(0, DU2023_OPERANDS, size=6))
        out.append((a, b, c, d, e, f))
    return out


def du2023_questions(n: int, seed: int = 0) -> list[Question]:
    """The first ``n`` of Du's items as questions (ids ``du2023-0`` ..., gold as an integer)."""
    out = []
    for i, (a, b, c, d, e, f) in enumerate(du2023_operands(n, seed)):
        expr = f"{a}+{b}*{c}+{d}-{e}*{f}"
        out.append(
            Question(
                id=f"du2023-{i}",
                prompt=f"What is the result of {expr}?",
                gold=str(a + b * c + d - e * f),
                metadata={"expression": expr, "operands": [a, b, c, d, e, f]},
            )
        )
    return out


def parse_du2023(reply: str) -> float | None:
    """Du's ``parse_answer`` after its comma replacement: the last space-separated float."""
    for part in reversed(reply.replace(",", ".").split(" ")):
        try:
            return float(part)
        except ValueError:
            continue
    return None


def canonical_number(value: float) -> str:
    """A float as an answer string: ``550`` for 550.0, ``0.5``, ``inf``, ``-inf``, ``nan``.

    Integral values are written as integers (so ``550.`` and ``5.5e2`` both give the
    gold form ``550``, and ``-0.0`` gives ``0``), others by ``repr``, which is exact.
    """
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value.is_integer():
        return str(int(value))
    return repr(value)


def extract_du2023(reply: str, question: Question) -> Extraction:
    """Du's parser (see the module docstring); method ``du2023``, or ``none``."""
    value = parse_du2023(reply)
    if value is None:
        return Extraction(answer=None, method="none")
    return Extraction(answer=canonical_number(value), method="du2023")


__all__ = [
    "DU2023_INSTRUCTIONS",
    "DU2023_ITEMS",
    "DU2023_OPERANDS",
    "canonical_number",
    "du2023_operands",
    "du2023_questions",
    "extract_du2023",
    "parse_du2023",
]
