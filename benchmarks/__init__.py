"""What agents are asked and how answers are scored: the task interface and the tasks."""

from typing import Annotated

from pydantic import Field

from benchmarks.arithmetic import ArithmeticSpec, ArithmeticTask
from benchmarks.base import Extraction, Question, Task, TaskSpec, sample
from benchmarks.boxed import last_boxed
from benchmarks.chess import ChessSpec, ChessTask
from benchmarks.choice import extract_choice
from benchmarks.choice_machinesom import extract_choice_machinesom
from benchmarks.errors import TaskDataError, TaskError
from benchmarks.gsm8k import GSM8KSpec, GSM8KTask
from benchmarks.math import MathSpec, MathTask
from benchmarks.math_equiv import is_equiv
from benchmarks.math_normalize import normalize_answer
from benchmarks.mmlu import MMLUSpec, MMLUTask

AnyTaskSpec = Annotated[
    ArithmeticSpec | MMLUSpec | MathSpec | ChessSpec | GSM8KSpec, Field(discriminator="name")
]
"""The config model of any task, selected by its ``name``."""

__all__ = [
    "AnyTaskSpec",
    "ArithmeticSpec",
    "ArithmeticTask",
    "ChessSpec",
    "ChessTask",
    "Extraction",
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
    "extract_choice",
    "extract_choice_machinesom",
    "is_equiv",
    "last_boxed",
    "normalize_answer",
    "sample",
]
