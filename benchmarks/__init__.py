"""What agents are asked and how answers are scored: the task interface and the tasks."""

from typing import TYPE_CHECKING, TypeAlias

from benchmarks.arithmetic import ARITHMETIC_EXTRACTORS, ArithmeticSpec, ArithmeticTask
from benchmarks.arithmetic_du import (
    canonical_number,
    du2023_operands,
    du2023_questions,
    extract_du2023,
    parse_du2023,
)
from benchmarks.base import (
    FALLBACK_METHODS,
    TASKS,
    Extraction,
    Extractor,
    Question,
    Task,
    TaskSpec,
    is_fallback,
    sample,
)
from benchmarks.boxed import last_boxed
from benchmarks.chess import SQUARE_EXTRACTORS, ChessSpec, ChessTask
from benchmarks.choice import extract_choice
from benchmarks.choice_machinesom import extract_choice_machinesom
from benchmarks.errors import TaskDataError, TaskError
from benchmarks.gsm8k import GSM8KSpec, GSM8KTask
from benchmarks.math import MATH_EXTRACTORS, MathSpec, MathTask
from benchmarks.math_equiv import is_equiv
from benchmarks.math_normalize import normalize_answer
from benchmarks.mmlu import CHOICE_EXTRACTORS, MMLUSpec, MMLUTask
from sociolab.specs import registered

if TYPE_CHECKING:
    AnyTaskSpec: TypeAlias = TaskSpec
else:
    AnyTaskSpec = registered(TaskSpec, TASKS, tag="name")
"""The config model of any registered task (plugins included), selected by its ``name``."""

__all__ = [
    "ARITHMETIC_EXTRACTORS",
    "CHOICE_EXTRACTORS",
    "FALLBACK_METHODS",
    "MATH_EXTRACTORS",
    "SQUARE_EXTRACTORS",
    "TASKS",
    "AnyTaskSpec",
    "ArithmeticSpec",
    "ArithmeticTask",
    "ChessSpec",
    "ChessTask",
    "Extraction",
    "Extractor",
    "GSM8KSpec",
    "GSM8KTask",
    "MMLUSpec",
    "MMLUTask",
    "MathSpec",
    "MathTask",
    "Question",
    "Task",
    "TaskDataError",
    "TaskError",
    "TaskSpec",
    "canonical_number",
    "du2023_operands",
    "du2023_questions",
    "extract_choice",
    "extract_choice_machinesom",
    "extract_du2023",
    "is_equiv",
    "is_fallback",
    "last_boxed",
    "normalize_answer",
    "parse_du2023",
    "sample",
]
