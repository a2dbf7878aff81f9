"""MATH (Hendrycks et al., 2021): competition problems with LaTeX answers in ``\\boxed{}``."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from benchmarks.base import TASKS, Extraction, Extractor, Question, Task, TaskSpec, finish
from benchmarks.boxed import last_boxed
from benchmarks.errors import TaskError
from benchmarks.math_data import load_math_path, subject_key
from benchmarks.math_equiv import DEFAULT_TIMEOUT, is_equiv
from benchmarks.math_machinesom import extract_math_machinesom, is_correct_machinesom
from benchmarks.math_normalize import as_rational, format_rational, normalize_answer
from sociolab.registry import Registry

INSTRUCTIONS = (
    "Solve the problem step by step. At the end of your reply, put the final answer, "
    "simplified, inside \\boxed{}, for example \\boxed{42}."
)
_STATED = re.compile(r"\banswer\s*(?:is|:|=)\s*:?\s*(.+)", re.I)
_LEADING_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:/\d+)?(?=\s+[A-Za-z])")
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:/\d+)?|-?\.\d+")

MATH_EXTRACTORS: Registry[Extractor] = Registry("math extractor")
"""The names ``math``'s ``extraction`` accepts -> how the answer is read.

``default`` is ours (scored by :func:`benchmarks.math_equiv.is_equiv`); ``machinesom``
is the study's rule, which also scores the study's way (:mod:`benchmarks.math_machinesom`).
An extractor added by a plugin is scored like ``default``.
"""


@TASKS.register("math")
class MathSpec(TaskSpec):
    """Config of the ``math`` task (``path``: a JSONL file or the original folder of JSON files)."""

    name: Literal["math"] = "math"
    levels: list[Annotated[int, Field(ge=1, le=5)]] | None = Field(
        None, description="difficulty levels to keep, 1 to 5"
    )
    subjects: list[str] | None = Field(
        None, description="subjects (the 'type' field) to keep, e.g. Algebra or number_theory"
    )
    split: str = Field("test", description="subfolder of the original layout")
    boxed_only: bool = Field(False, description="read only \\boxed{} answers (no fallbacks)")
    sympy_timeout: float = Field(
        DEFAULT_TIMEOUT, ge=0.0, le=60.0, description="seconds for the sympy check (0: off)"
    )
    extraction: Annotated[str, AfterValidator(MATH_EXTRACTORS.check)] = Field(
        "default",
        description="a MATH_EXTRACTORS name: default (ours, sympy scoring), machinesom (the "
        "study's extraction and string scoring)",
    )

    def build(self) -> MathTask:
        """Make the task."""
        return MathTask(self)


def _filter(items: list[Question], spec: MathSpec, source: str) -> list[Question]:
    if spec.levels:
        have = sorted({int(str(q.metadata["level"])) for q in items if "level" in q.metadata})
        if not have:
            raise TaskError(f"task.levels: {source} has no level field (remove task.levels)")
        missing = [lv for lv in spec.levels if lv not in have]
        if missing:
            raise TaskError(
                f"task.levels: no level {missing[0]} in {source} (levels: {', '.join(map(str, have))})"
            )
        items = [q for q in items if q.metadata.get("level") in spec.levels]
    if spec.subjects:
        present = [str(q.metadata["subject"]) for q in items if "subject" in q.metadata]
        names = {subject_key(s): s for s in present}
        if not names:
            raise TaskError(f"task.subjects: {source} has no type field (remove task.subjects)")
        keys = {subject_key(s) for s in spec.subjects}
        unknown = [s for s in spec.subjects if subject_key(s) not in names]
        if unknown:
            raise TaskError(
                f"task.subjects: unknown subject {unknown[0]!r} in {source} "
                f"(known: {', '.join(sorted(names.values()))})"
            )
        items = [q for q in items if subject_key(str(q.metadata.get("subject", ""))) in keys]
    return items


def extract_math_answer(reply: str, *, boxed_only: bool = False) -> Extraction:
    """Our rule: the last ``\\boxed{}`` (or ``\\fbox{}``); else a stated answer; else the last number.

    Answers are normalised (:func:`benchmarks.math_normalize.normalize_answer`);
    with ``boxed_only`` only a box counts.
    """
    boxed = last_boxed(reply)
    if boxed is not None and (answer := normalize_answer(boxed)):
        return Extraction(answer=answer, method="boxed")
    if boxed_only:
        return Extraction(answer=None, method="none")
    stated = _STATED.findall(reply)
    if stated:
        text = stated[-1].strip()
        math = re.findall(r"\$([^$]+)\$", text)
        candidate = math[0] if math else text.split(". ")[0]
        number = _LEADING_NUMBER.match(candidate.strip())
        if not math and number is not None:  # "12 apples", "5 because ..."
            candidate = number.group(0)
        answer = normalize_answer(candidate)
        if answer:
            return Extraction(answer=answer, method="answer-is")
    numbers = _NUMBER.findall(reply)
    if numbers:
        return Extraction(answer=normalize_answer(numbers[-1]), method="last-number")
    return Extraction(answer=None, method="none")


MATH_EXTRACTORS.register("default", lambda reply, question: extract_math_answer(reply))
MATH_EXTRACTORS.register("machinesom", lambda reply, question: extract_math_machinesom(reply))


class MathTask(Task):
    """Answers are LaTeX strings, scored by the configured rule.

    ``default``: normalised answers, :func:`benchmarks.math_equiv.is_equiv`.
    ``machinesom``: the study's extraction and string comparison
    (:mod:`benchmarks.math_machinesom`); the gold answer is then the data's answer
    as written, not normalised.
    """

    name = "math"

    def __init__(self, spec: MathSpec) -> None:
        if spec.path is None:
            raise TaskError("task.path: math needs a MATH file (.jsonl) or folder of JSON files")
        self.spec = spec
        self.instructions = spec.instructions or INSTRUCTIONS

    def questions(self) -> list[Question]:
        """Problems of the chosen levels and subjects, sampled with ``seed`` down to ``limit``."""
        assert self.spec.path is not None
        source = str(self.spec.path)
        items = load_math_path(self.spec.path, self.spec.split)
        if self.spec.extraction == "machinesom":  # the study compares with the answer as written
            items = [q.model_copy(update={"gold": str(q.metadata["answer"])}) for q in items]
        return finish(_filter(items, self.spec, source), self.spec, source)

    def extract(self, reply: str, question: Question) -> Extraction:
        """The answer, by the configured rule (``default`` honours ``boxed_only``)."""
        if self.spec.extraction == "default":
            return extract_math_answer(reply, boxed_only=self.spec.boxed_only)
        return MATH_EXTRACTORS[self.spec.extraction](reply, question)

    def is_correct(self, answer: str | None, question: Question) -> bool:
        """Equivalent to the gold answer (strings, numbers, tuples, then sympy under a time limit).

        Under ``extraction: machinesom``: the study's string comparison instead.
        """
        if self.spec.extraction == "machinesom":
            return is_correct_machinesom(answer, question.gold)
        return answer is not None and is_equiv(
            answer, question.gold, timeout=self.spec.sympy_timeout
        )

    def render_answer(self, answer: str) -> str:
        """``The final answer is $\\boxed{answer}$.``."""
        return f"The final answer is $\\boxed{{{answer}}}$."

    def wrong_answers(self, question: Question) -> list[str]:
        """Nearby numbers for numeric answers; simple perturbations otherwise."""
        gold = question.gold
        value = as_rational(gold)
        if value is not None:
            values = [
                value + 1,
                value - 1,
                value * 2,
                value + 10,
                -value,
                value / 2 + Fraction(1, 3),
            ]
            candidates = [format_rational(v) for v in values]
        else:
            candidates = [normalize_answer(f"{gold}+1"), normalize_answer(f"2({gold})"), "0", "1"]
        out: list[str] = []
        for c in candidates:
            if c != gold and c not in out:
                out.append(c)
        return out
