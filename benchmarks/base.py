"""The task interface: questions with gold answers, answer extraction and scoring."""

from __future__ import annotations

import abc
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from benchmarks.data_dir import DATA_PREFIX, resolve_data_path
from benchmarks.errors import TaskDataError
from sociolab.registry import Registry


class Question(BaseModel):
    """One item of a task."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    prompt: str = Field(description="the question text, without the answer-format instruction")
    gold: str = Field(description="the gold answer, in the task's canonical form")
    choices: tuple[str, ...] | None = None
    role: str | None = Field(None, description="optional persona, e.g. 'an expert in biology'")
    metadata: dict[str, Any] = Field(default_factory=dict)


class Extraction(BaseModel):
    """An answer read from a reply, and how it was found (``none`` when not found)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    answer: str | None
    method: str


Extractor = Callable[[str, "Question"], Extraction]
"""Reads the answer from a reply to a question (a task's ``extraction`` names one)."""

FALLBACK_METHODS = frozenset(
    {
        "last-number",
        "last-square",
        "parenthesised",
        "letter-paren",
        "option-mention",
        "machinesom-last-square",
        "machinesom-paren",
    }
)
"""Extraction methods that are an extractor's last resort, not a statement of the answer.

They apply only when the extractor's own rules for a stated answer found none, and they
take whatever the reply holds at some position: the last number (``last-number``: in a
repetition loop cut at the token limit, often a number from the question), the last
square (``last-square``), the last bracketed letter (``parenthesised``, ``letter-paren``),
an option's text merely mentioned (``option-mention``). The studies' rules have their
own last resorts: MachineSoM's chess rule without "final answer" (``machinesom-last-square``)
and its MMLU rule without any option text (``machinesom-paren``). A study's primary rule
(``machinesom-option-text``, ``machinesom-final-answer``, ``machinesom-boxed``,
``du2023``) is what the study counts, so it is not a fallback here.
"""


def is_fallback(method: str) -> bool:
    """Whether an extraction ``method`` is a last-resort rule (see :data:`FALLBACK_METHODS`)."""
    return method in FALLBACK_METHODS


MAX_LIMIT = 100_000
"""Most questions a task may be asked for (``limit``): more than any shipped data set holds."""


class TaskSpec(BaseModel):
    """Fields every task accepts in the config (``name`` selects the task)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    limit: int | None = Field(
        None, ge=1, le=MAX_LIMIT, description="take at most this many questions"
    )
    seed: int = Field(0, description="seed for sampling and generating questions")
    path: Path | None = Field(
        None,
        description="data file or folder (relative to the config); data:REL is REL in the "
        "data folder ($SOCIOLAB_DATA, else ./data or ../shared/data)",
    )
    instructions: str | None = Field(None, description="override the answer-format instruction")
    role: str | None = Field(
        None,
        description="persona for every question, e.g. 'a mathematician' (overrides the task's)",
    )

    @field_validator("path", mode="before")
    @classmethod
    def _data(cls, value: object) -> object:
        if isinstance(value, str) and value.startswith(DATA_PREFIX):
            return resolve_data_path(value)
        return value

    @field_validator("path")
    @classmethod
    def _resolve(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        base = (info.context or {}).get("base_dir") if info.context else None
        if value is not None and base is not None and not value.expanduser().is_absolute():
            return (Path(base) / value.expanduser()).resolve()
        return value.expanduser() if value is not None else None

    def build(self) -> Task:
        """Make the task this spec describes."""
        raise NotImplementedError


TASKS: Registry[type[TaskSpec]] = Registry("task")
"""Task name -> its config model (``@TASKS.register("mmlu")`` on the spec class).

The spec class declares ``name: Literal["<name>"] = "<name>"``; its ``build()`` makes the task.
"""


class Task(abc.ABC):
    """A benchmark: a list of questions plus how to prompt, extract and score."""

    name: ClassVar[str]
    instructions: str  # the answer-format instruction appended to each question
    generated: bool = False
    """Whether the questions are generated from ``seed`` rather than read from data: a
    larger ``limit`` then generates more, and an id numbers a question within one seed."""

    @abc.abstractmethod
    def questions(self) -> list[Question]:
        """The questions of this run, in a fixed order."""

    def format_question(self, question: Question) -> str:
        """The text an agent is shown: the question, its options, the answer format."""
        parts = [question.prompt]
        if question.choices:
            letters = "ABCDEFGHIJ"
            parts.append("\n".join(f"({letters[i]}) {c}" for i, c in enumerate(question.choices)))
        parts.append(self.instructions)
        return "\n\n".join(parts)

    def category(self, question: Question) -> str:
        """The question's category, for routing (the MMLU or MATH subject; else ``all``)."""
        subject = question.metadata.get("subject")
        return str(subject) if subject else "all"

    @abc.abstractmethod
    def extract(self, reply: str, question: Question) -> Extraction:
        """Read the answer from a reply, in the task's canonical form."""

    def is_correct(self, answer: str | None, question: Question) -> bool:
        """Whether an extracted answer matches the gold answer."""
        return answer is not None and answer == question.gold

    @abc.abstractmethod
    def render_answer(self, answer: str) -> str:
        """A reply that states ``answer`` the way the instructions ask (for simulation)."""

    @abc.abstractmethod
    def wrong_answers(self, question: Question) -> list[str]:
        """Plausible wrong answers (for simulation backends)."""


def sample(items: list[Any], limit: int | None, seed: int) -> list[Any]:
    """A seeded sample of ``limit`` items that keeps their original order."""
    if limit is None or limit >= len(items):
        return list(items)
    picked = sorted(random.Random(seed).sample(range(len(items)), limit))
    return [items[i] for i in picked]


def finish(questions: list[Question], spec: TaskSpec, source: str) -> list[Question]:
    """Check ids are unique, sample ``limit`` questions with ``seed``, apply the ``role`` override.

    Raises:
        TaskDataError: two questions of ``source`` share an id.
    """
    seen: set[str] = set()
    for q in questions:
        if q.id in seen:
            raise TaskDataError(f"{source}: duplicate question id {q.id!r}")
        seen.add(q.id)
    picked = sample(questions, spec.limit, spec.seed)
    if spec.role is not None:
        picked = [q.model_copy(update={"role": spec.role}) for q in picked]
    return picked
