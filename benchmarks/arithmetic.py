"""Arithmetic expressions with exact integer answers (in the style of Du et al., 2023)."""

from __future__ import annotations

import random
import re
from typing import Literal

from pydantic import Field

from benchmarks.base import TASKS, Extraction, Question, Task, TaskSpec, finish
from benchmarks.errors import TaskError

_ANSWER = re.compile(r"answer\s*(?:is|:)?\s*\**\s*(-?\d[\d,]*)", re.I)
_BOXED = re.compile(r"\\boxed\{\s*(-?\d[\d,]*)\s*\}")
_NUMBER = re.compile(r"-?\d[\d,]*")


@TASKS.register("arithmetic")
class ArithmeticSpec(TaskSpec):
    """Config of the ``arithmetic`` task: generated ``a+b*c+d-e*f`` expressions."""

    name: Literal["arithmetic"] = "arithmetic"
    limit: int | None = Field(100, ge=1, description="number of expressions to generate")
    max_operand: int = Field(30, ge=1, le=10_000)

    def build(self) -> ArithmeticTask:
        """Make the task."""
        return ArithmeticTask(self)


class ArithmeticTask(Task):
    """``a+b*c+d-e*f`` with operands drawn uniformly from 0..max_operand."""

    name = "arithmetic"

    def __init__(self, spec: ArithmeticSpec) -> None:
        if spec.path is not None:
            raise TaskError("task.path: arithmetic generates its questions; remove task.path")
        self.spec = spec
        self.instructions = spec.instructions or (
            "Work it out step by step, then end your reply with the final result as a "
            "single integer in the form 'Answer: <integer>'."
        )

    def questions(self) -> list[Question]:
        """Generate ``limit`` expressions from ``seed``."""
        rng = random.Random(self.spec.seed)
        out = []
        for i in range(self.spec.limit or 100):
            a, b, c, d, e, f = (rng.randint(0, self.spec.max_operand) for _ in range(6))
            expr = f"{a}+{b}*{c}+{d}-{e}*{f}"
            value = a + b * c + d - e * f
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
        """Prefer ``Answer: N`` or ``\\boxed{N}``; else the last integer in the reply."""
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

    def render_answer(self, answer: str) -> str:
        """``Answer: N``."""
        return f"Answer: {answer}"

    def wrong_answers(self, question: Question) -> list[str]:
        """Off-by-a-little values."""
        gold = int(question.gold)
        return [str(gold + d) for d in (-10, -2, -1, 1, 2, 10)]
