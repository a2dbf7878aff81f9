"""A task plugin: ``letters`` (how many letters does a word have?).

Questions are generated from a fixed word list, so the task needs no data
file. Use it in a config as ``task: {name: letters, limit: 5}``.
"""

from __future__ import annotations

import random
import re
from typing import Literal

from pydantic import Field

from benchmarks import TASKS, Extraction, Question, Task, TaskSpec

WORDS = (
    "society", "agent", "debate", "reflection", "consensus", "conformity", "benchmark",
    "protocol", "majority", "neighbour", "strategy", "transcript", "calibration", "coalition",
)  # fmt: skip
_ANSWER = re.compile(r"answer\s*:?\s*(\d+)", re.I)


@TASKS.register("letters")
class LettersSpec(TaskSpec):
    """Config of the ``letters`` task."""

    name: Literal["letters"] = "letters"
    limit: int | None = Field(5, ge=1, le=len(WORDS), description="number of words")

    def build(self) -> LettersTask:
        """Make the task."""
        return LettersTask(self)


class LettersTask(Task):
    """Count the letters of a word; the answer is an integer."""

    name = "letters"

    def __init__(self, spec: LettersSpec) -> None:
        self.spec = spec
        self.instructions = spec.instructions or "End your reply with 'Answer: <number>'."

    def questions(self) -> list[Question]:
        """``limit`` words in a seeded order."""
        words = random.Random(self.spec.seed).sample(WORDS, self.spec.limit or 5)
        return [
            Question(id=w, prompt=f"How many letters does the word '{w}' have?", gold=str(len(w)))
            for w in words
        ]

    def extract(self, reply: str, question: Question) -> Extraction:
        """The last ``Answer: N`` of the reply."""
        found = _ANSWER.findall(reply)
        return (
            Extraction(answer=found[-1], method="answer")
            if found
            else Extraction(answer=None, method="none")
        )

    def render_answer(self, answer: str) -> str:
        """``Answer: N``."""
        return f"Answer: {answer}"

    def wrong_answers(self, question: Question) -> list[str]:
        """One letter too few or too many."""
        n = int(question.gold)
        return [str(n - 1), str(n + 1)]
