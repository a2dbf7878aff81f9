"""What agents are asked and how answers are scored: the task interface and the tasks."""

from typing import Annotated

from pydantic import Field

from benchmarks.arithmetic import ArithmeticSpec, ArithmeticTask
from benchmarks.base import Extraction, Question, Task, TaskSpec, sample
from benchmarks.choice import extract_choice
from benchmarks.errors import TaskDataError, TaskError
from benchmarks.mmlu import MMLUSpec, MMLUTask

AnyTaskSpec = Annotated[ArithmeticSpec | MMLUSpec, Field(discriminator="name")]
"""The config model of any task, selected by its ``name``."""

__all__ = [
    "AnyTaskSpec",
    "ArithmeticSpec",
    "ArithmeticTask",
    "Extraction",
    "MMLUSpec",
    "MMLUTask",
    "Question",
    "Task",
    "TaskDataError",
    "TaskError",
    "TaskSpec",
    "extract_choice",
    "sample",
]
