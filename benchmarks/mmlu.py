"""MMLU: four-option (or up to ten-option) multiple choice; answers are option letters."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from benchmarks.base import TASKS, Extraction, Extractor, Question, Task, finish
from benchmarks.choice import LETTERS, extract_choice
from benchmarks.choice_machinesom import extract_choice_machinesom
from benchmarks.errors import TaskError
from benchmarks.hub import HubSpec, load_hub
from benchmarks.mmlu_data import load_mmlu_path, record_question
from sociolab.registry import Registry

CHOICE_EXTRACTORS: Registry[Extractor] = Registry("choice extractor")
"""The names ``mmlu``'s ``extraction`` accepts -> how an option letter is read."""


@CHOICE_EXTRACTORS.register("default")
def _ours(reply: str, question: Question) -> Extraction:
    return extract_choice(reply, question.choices)


@CHOICE_EXTRACTORS.register("machinesom")
def _machinesom(reply: str, question: Question) -> Extraction:
    return extract_choice_machinesom(reply, question.choices)


DEFAULT_HUB = "cais/mmlu"
INSTRUCTIONS = (
    "Think it through briefly, then finish your reply with the letter of the option you "
    "choose in parentheses, for example: The answer is (A)."
)


@TASKS.register("mmlu")
class MMLUSpec(HubSpec):
    """Config of the ``mmlu`` task.

    ``path`` is a CSV folder (``test/<subject>_test.csv``), one CSV, or JSONL/JSON/Parquet
    files in the hub layout (the MachineSoM sample included). Without ``path`` the
    questions come from ``hub`` (default ``cais/mmlu``, config ``all``) via ``datasets``.
    """

    name: Literal["mmlu"] = "mmlu"
    subjects: list[str] | None = Field(None, description="subject names, e.g. high_school_physics")
    use_roles: bool = Field(True, description="tell each agent it is an expert in the subject")
    extraction: Annotated[str, AfterValidator(CHOICE_EXTRACTORS.check)] = Field(
        "default", description="a CHOICE_EXTRACTORS name: default (ours), machinesom (the study's)"
    )

    def build(self) -> MMLUTask:
        """Make the task."""
        return MMLUTask(self)


class MMLUTask(Task):
    """Multiple choice; answers are option letters ``A``.. (see :mod:`benchmarks.choice`)."""

    name = "mmlu"

    def __init__(self, spec: MMLUSpec) -> None:
        self.spec = spec
        self.instructions = spec.instructions or INSTRUCTIONS

    def _load(self) -> tuple[str, list[Question]]:
        spec = self.spec
        if spec.path is not None:
            return str(spec.path), load_mmlu_path(spec.path, spec.split)
        dataset = spec.hub or DEFAULT_HUB
        config = spec.hub_config or ("all" if dataset == DEFAULT_HUB else None)
        rows = load_hub(dataset, config, spec.split)
        return f"hub {dataset}", [record_question(r, dataset) for r in rows]

    def questions(self) -> list[Question]:
        """Questions of the chosen subjects, sampled with ``seed`` down to ``limit``."""
        source, items = self._load()
        if self.spec.subjects:
            known = sorted({str(q.metadata["subject"]) for q in items if "subject" in q.metadata})
            if not known:
                raise TaskError(
                    f"task.subjects: {source} has no subject field, so it cannot be filtered "
                    "by subject (remove task.subjects)"
                )
            unknown = [s for s in self.spec.subjects if s not in known]
            if unknown:
                raise TaskError(
                    f"task.subjects: unknown subject {unknown[0]!r} in {source} "
                    f"(known: {', '.join(known)})"
                )
            wanted = set(self.spec.subjects)
            items = [q for q in items if q.metadata.get("subject") in wanted]
        if not self.spec.use_roles:
            items = [q.model_copy(update={"role": None}) for q in items]
        return finish(items, self.spec, source)

    def extract(self, reply: str, question: Question) -> Extraction:
        """The chosen option letter, by the configured rule."""
        return CHOICE_EXTRACTORS[self.spec.extraction](reply, question)

    def is_correct(self, answer: str | None, question: Question) -> bool:
        """The gold letter; under ``machinesom`` compared case-insensitively, as the study does."""
        if answer is None:
            return False
        if self.spec.extraction == "machinesom":
            return answer.lower() == question.gold.lower()
        return answer == question.gold

    def render_answer(self, answer: str) -> str:
        """``The answer is (X).`` (just ``(X)`` under the MachineSoM rule, which reads option texts)."""
        if self.spec.extraction == "machinesom":
            return f"({answer})"
        return f"The answer is ({answer})."

    def wrong_answers(self, question: Question) -> list[str]:
        """The other letters."""
        n = len(question.choices or ()) or 4
        return [x for x in LETTERS[:n] if x != question.gold]
