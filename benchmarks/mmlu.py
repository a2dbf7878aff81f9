"""MMLU, read from the original CSV folder layout (``test/<subject>_test.csv``)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Literal

from pydantic import Field

from benchmarks.base import Extraction, Question, Task, TaskSpec, sample
from benchmarks.choice import LETTERS, extract_choice
from benchmarks.errors import TaskDataError, TaskError


class MMLUSpec(TaskSpec):
    """Config of the ``mmlu`` task."""

    name: Literal["mmlu"] = "mmlu"
    subjects: list[str] | None = Field(None, description="subject names, e.g. high_school_physics")
    split: str = "test"
    use_roles: bool = Field(True, description="tell each agent it is an expert in the subject")

    def build(self) -> MMLUTask:
        """Make the task."""
        return MMLUTask(self)


def _subject_files(path: Path, split: str) -> dict[str, Path]:
    if path.is_file():
        return {path.stem.removesuffix(f"_{split}"): path}
    folder = path / split if (path / split).is_dir() else path
    if not folder.is_dir():
        raise TaskDataError(f"mmlu: {str(path)!r} does not exist")
    files = {p.stem.removesuffix(f"_{split}"): p for p in sorted(folder.glob(f"*_{split}.csv"))}
    if not files:
        raise TaskDataError(f"mmlu: no *_{split}.csv files in {str(folder)!r}")
    return files


def read_mmlu_csv(path: Path, subject: str) -> list[Question]:
    """Read one subject file (no header; question, A, B, C, D, answer letter)."""
    out: list[Question] = []
    with path.open(newline="", encoding="utf-8") as fh:
        for lineno, row in enumerate(csv.reader(fh), start=1):
            if len(row) != 6 or row[5].strip().upper() not in LETTERS[:4]:
                raise TaskDataError(
                    f"{path}:{lineno}: expected 6 columns (question, A, B, C, D, answer letter)"
                )
            out.append(
                Question(
                    id=f"{subject}/{lineno - 1}",
                    prompt=row[0].strip(),
                    choices=tuple(c.strip() for c in row[1:5]),
                    gold=row[5].strip().upper(),
                    role=f"an expert in {subject.replace('_', ' ')}",
                    metadata={"subject": subject},
                )
            )
    return out


class MMLUTask(Task):
    """Four-option multiple choice; answers are option letters."""

    name = "mmlu"

    def __init__(self, spec: MMLUSpec) -> None:
        if spec.path is None:
            raise TaskError("task.path: mmlu needs the folder of the MMLU CSV files")
        self.spec = spec
        self.instructions = spec.instructions or (
            "Explain your reasoning briefly, then end your reply with your final choice "
            "as a letter in parentheses, for example (A)."
        )

    def questions(self) -> list[Question]:
        """Questions of the chosen subjects, sampled with ``seed`` down to ``limit``."""
        assert self.spec.path is not None
        files = _subject_files(self.spec.path, self.spec.split)
        wanted = self.spec.subjects or sorted(files)
        unknown = [s for s in wanted if s not in files]
        if unknown:
            raise TaskError(
                f"task.subjects: unknown subject {unknown[0]!r} (known: {', '.join(sorted(files))})"
            )
        items = [q for s in wanted for q in read_mmlu_csv(files[s], s)]
        picked = sample(items, self.spec.limit, self.spec.seed)
        if not self.spec.use_roles:
            picked = [q.model_copy(update={"role": None}) for q in picked]
        return picked

    def extract(self, reply: str, question: Question) -> Extraction:
        """The chosen option letter."""
        return extract_choice(reply, question.choices)

    def render_answer(self, answer: str) -> str:
        """``The answer is (X).``."""
        return f"The answer is ({answer})."

    def wrong_answers(self, question: Question) -> list[str]:
        """The other letters."""
        n = len(question.choices or ()) or 4
        return [x for x in LETTERS[:n] if x != question.gold]
