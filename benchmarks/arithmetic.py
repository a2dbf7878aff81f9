"""Arithmetic expressions ``a+b*c+d-e*f`` with exact integer answers.

Two item sets: ``items: sociolab`` (ours, in the style of Du et al., 2023: operands
0..max_operand from Python's ``random``; ``ops`` keeps the first operations only, e.g.
``ops: 1`` gives ``a+b``) and ``items: du2023`` (Du et al.'s 100 items
exactly, see :mod:`benchmarks.arithmetic_du`). Two parsers: ``extraction: default``
(ours) and ``extraction: du2023`` (Du's).
"""

from __future__ import annotations

import random
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from benchmarks.arithmetic_du import (
    DU2023_INSTRUCTIONS,
    DU2023_ITEMS,
    du2023_questions,
    extract_du2023,
)
from benchmarks.base import (
    MAX_LIMIT,
    TASKS,
    Extraction,
    Extractor,
    Question,
    Task,
    TaskSpec,
    finish,
)
from benchmarks.errors import TaskError
from sociolab.registry import Registry

_ANSWER = re.compile(r"answer\s*(?:is|:)?\s*\**\s*(-?\d[\d,]*)", re.I)
_BOXED = re.compile(r"\\boxed\{\s*(-?\d[\d,]*)\s*\}")
_NUMBER = re.compile(r"-?\d[\d,]*")
_OPERATORS = "+*+-*"  # between the six operands of a+b*c+d-e*f

INSTRUCTIONS = (
    "Work it out step by step, then end your reply with the final result as a "
    "single integer in the form 'Answer: <integer>'."
)

ARITHMETIC_EXTRACTORS: Registry[Extractor] = Registry("arithmetic extractor")
"""The names ``arithmetic``'s ``extraction`` accepts -> how the number is read."""


@ARITHMETIC_EXTRACTORS.register("default")
def extract_number(reply: str, question: Question) -> Extraction:
    """Ours: ``Answer: N`` or ``\\boxed{N}``, else the last integer in the reply."""
    for method, pattern in (
        ("answer-is", _ANSWER),
        ("boxed", _BOXED),
        ("last-number", _NUMBER),
    ):
        found = pattern.findall(reply)
        if found:
            raw = found[-1].replace(",", "")
            if raw not in ("", "-"):
                return Extraction(answer=str(int(raw)), method=method)
    return Extraction(answer=None, method="none")


ARITHMETIC_EXTRACTORS.register("du2023", extract_du2023)


def expression(operands: list[int], ops: int) -> str:
    """The first ``ops`` operations of ``a+b*c+d-e*f`` on ``operands``, as text."""
    text = str(operands[0])
    for op, x in zip(_OPERATORS[:ops], operands[1:], strict=False):
        text += f"{op}{x}"
    return text


def _evaluate(operands: list[int], ops: int) -> int:
    """The value of :func:`expression`, with ``*`` before ``+`` and ``-``."""
    terms = [operands[0]]  # signed products, summed at the end
    for op, x in zip(_OPERATORS[:ops], operands[1:], strict=False):
        if op == "*":
            terms[-1] *= x
        else:
            terms.append(x if op == "+" else -x)
    return sum(terms)


@TASKS.register("arithmetic")
class ArithmeticSpec(TaskSpec):
    """Config of the ``arithmetic`` task: generated ``a+b*c+d-e*f`` expressions."""

    name: Literal["arithmetic"] = "arithmetic"
    limit: int | None = Field(
        100,
        ge=1,
        le=MAX_LIMIT,
        description="number of expressions (under items: du2023, the first N of Du's 100)",
    )
    max_operand: int = Field(30, ge=1, le=10_000, description="items: sociolab only")
    ops: int = Field(
        len(_OPERATORS),
        ge=1,
        le=len(_OPERATORS),
        description="items: sociolab only: operations per item, the first ones of"
        " a+b*c+d-e*f (1: a+b, 2: a+b*c, ...; 5: all)",
    )
    items: Literal["sociolab", "du2023"] = Field(
        "sociolab",
        description="sociolab (ours, operands 0..max_operand) or du2023 (Du et al.'s 100 items"
        " from numpy seed 0; task.seed is the numpy seed)",
    )
    extraction: Annotated[str, AfterValidator(ARITHMETIC_EXTRACTORS.check)] = Field(
        "default", description="an ARITHMETIC_EXTRACTORS name: default (ours), du2023 (Du's)"
    )

    @model_validator(mode="after")
    def _du_items(self) -> ArithmeticSpec:
        if self.items != "du2023":
            return self
        if "max_operand" in self.model_fields_set:
            raise ValueError("max_operand: items du2023 draws operands 0..29; remove max_operand")
        if "ops" in self.model_fields_set:
            raise ValueError("ops: items du2023 are Du's a+b*c+d-e*f; remove ops")
        if self.limit is not None and self.limit > DU2023_ITEMS:
            raise ValueError(
                f"limit: items du2023 has {DU2023_ITEMS} items (Du et al.'s); got {self.limit}"
            )
        return self

    def build(self) -> ArithmeticTask:
        """Make the task."""
        return ArithmeticTask(self)


class ArithmeticTask(Task):
    """``a+b*c+d-e*f``: ours (operands uniform in 0..max_operand) or Du et al.'s items."""

    name = "arithmetic"
    generated = True

    def __init__(self, spec: ArithmeticSpec) -> None:
        if spec.path is not None:
            raise TaskError("task.path: arithmetic generates its questions; remove task.path")
        self.spec = spec
        du = spec.items == "du2023"
        self.instructions = spec.instructions or (DU2023_INSTRUCTIONS if du else INSTRUCTIONS)

    def questions(self) -> list[Question]:
        """Generate ``limit`` expressions from ``seed``.

        Under ``items: du2023`` these are the first ``limit`` of Du's items in Du's
        order (not a sample), from numpy's legacy generator seeded with ``seed``.
        """
        if self.spec.items == "du2023":
            picked = du2023_questions(self.spec.limit or DU2023_ITEMS, self.spec.seed)
            if self.spec.role is not None:
                picked = [q.model_copy(update={"role": self.spec.role}) for q in picked]
            return picked
        rng = random.Random(self.spec.seed)
        out = []
        for i in range(self.spec.limit or 100):
            # All six operands are drawn whatever ops is, so an item's operands do not
            # depend on ops (ops: 1 asks a+b of the same a and b as ops: 5).
            operands = [rng.randint(0, self.spec.max_operand) for _ in range(6)]
            expr = expression(operands, self.spec.ops)
            value = _evaluate(operands, self.spec.ops)
            out.append(
                Question(
                    id=f"arith-{i}",
                    prompt=f"What is the result of {expr}?",
                    gold=str(value),
                    metadata={"expression": expr},
                )
            )
        return finish(out, self.spec, "generated arithmetic")

    def extract(self, reply: str, question: Question) -> Extraction:
        """The number in the reply, by the configured rule."""
        return ARITHMETIC_EXTRACTORS[self.spec.extraction](reply, question)

    def render_answer(self, answer: str) -> str:
        """``Answer: N``."""
        return f"Answer: {answer}"

    def wrong_answers(self, question: Question) -> list[str]:
        """Off-by-a-little values."""
        gold = int(question.gold)
        return [str(gold + d) for d in (-10, -2, -1, 1, 2, 10)]
