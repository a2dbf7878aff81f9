"""The config of a coalition protocol: stages, routing, calibration.

Written as ``protocol: {kind: coalition, ...}`` in an experiment config::

    protocol:
      kind: coalition
      members: [small, large]          # agent names (default: every agent)
      stages:                          # default: plan -> solve -> check -> answer
        - {name: plan, prompt: "...{question}...", passes: reply}
        - {name: answer, prompt: "{question}\\n\\nPlan:\\n{plan}\\n\\n{instructions}", passes: answer}
      routing:
        policy: best                   # or cheapest-within (with margin)
        margin: 0.05
        table: skills.json             # written by `sociolab calibrate CONFIG`
        skills: []                     # or inline entries {member, stage, category, accuracy, tokens}
        category: task                 # task (the task's own category), none, or a metadata key
      compare_members: true            # also run each member alone on every question
      calibration: {size: 20, reference: small}   # or task: {...} (a held-out split)
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from benchmarks import AnyTaskSpec
from protocols.coalition import DEFAULT_STAGES, POOLED
from societies.config.protocols import PROTOCOLS, ProtocolKindSpec


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StageSpec(_Strict):
    """One stage: a prompt template and what it passes on to later stages.

    The template may use ``{question}`` (the formatted question with its options
    and answer instruction), ``{instructions}`` (the answer instruction alone) and
    the name of any earlier stage, e.g. ``{plan}``. Literal braces are written
    ``{{`` and ``}}``.
    """

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    prompt: str = Field(min_length=1)
    passes: Literal["reply", "answer", "nothing"] = Field(
        "reply", description="what later stages get as {name}: the reply, the extracted answer"
    )


def default_stages() -> list[StageSpec]:
    """plan -> solve -> check -> answer (see :data:`protocols.coalition.DEFAULT_STAGES`)."""
    return [StageSpec(name=n, prompt=p, passes=x) for n, p, x in DEFAULT_STAGES]


class SkillEntry(_Strict):
    """One row of a skill table: how well a member does a stage on a category."""

    member: str
    stage: str
    category: str = Field(POOLED, description=f"'{POOLED}': all categories together")
    accuracy: float = Field(ge=0.0, le=1.0)
    tokens: float = Field(0.0, ge=0.0, description="mean prompt + completion tokens per call")
    n: int = Field(0, ge=0, description="questions measured")


def _resolve_path(value: Path | None, info: ValidationInfo) -> Path | None:
    base = (info.context or {}).get("base_dir") if info.context else None
    if value is not None and base is not None and not value.expanduser().is_absolute():
        return (Path(base) / value.expanduser()).resolve()
    return value.expanduser() if value is not None else None


class RoutingSpec(_Strict):
    """How the router picks the member for each stage and question category."""

    policy: Literal["best", "cheapest-within"] = "best"
    margin: float = Field(
        0.05, ge=0.0, le=1.0, description="cheapest-within: accuracy points below the best"
    )
    table: Path | None = Field(
        None, description="skill table file from `sociolab calibrate` (relative to the config)"
    )
    skills: list[SkillEntry] = Field(
        default_factory=list, description="inline skill entries (they override the file's)"
    )
    category: str = Field(
        "task",
        min_length=1,
        description="'task': the task's category (MMLU/MATH subject); 'none': one category; "
        "else a question metadata key",
    )

    @field_validator("table")
    @classmethod
    def _resolve(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        return _resolve_path(value, info)


class CalibrationSpec(_Strict):
    """What ``sociolab calibrate`` measures the members on.

    By default the calibration questions are drawn from the run's own task, minus the
    questions the run evaluates (see :mod:`societies.engine.calibration_split`).
    """

    task: AnyTaskSpec | None = Field(
        None,
        description="an explicit calibration split, e.g. MMLU's dev (default: a sample of the "
        "run's task that leaves out every evaluated question)",
    )
    size: int | None = Field(
        None,
        ge=1,
        description="questions in the default split (default: as many as the run evaluates, "
        "at most as many as are left)",
    )
    allow_overlap: bool = Field(
        False,
        description="accept an explicit task that shares questions with the evaluated ones",
    )
    reference: str | None = Field(
        None, description="the member that handles the other stages (default: the first member)"
    )

    @model_validator(mode="after")
    def _size_needs_the_default_split(self) -> CalibrationSpec:
        if self.task is not None and self.size is not None:
            raise ValueError(
                "size sets the default split's size: with an explicit task set task.limit instead"
            )
        return self


@PROTOCOLS.register("coalition")
class CoalitionSpec(ProtocolKindSpec):
    """A coalition: each question goes through the stages, each stage routed to a member."""

    kind: Literal["coalition"] = "coalition"
    members: list[str] | None = Field(None, description="agent names (default: every agent)")
    stages: list[StageSpec] = Field(default_factory=default_stages, min_length=1)
    routing: RoutingSpec = RoutingSpec()
    compare_members: bool = Field(
        True, description="also run each member alone through every stage (for the report)"
    )
    calibration: CalibrationSpec = CalibrationSpec()

    @property
    def stage_names(self) -> list[str]:
        """The stages' names, in order."""
        return [s.name for s in self.stages]


__all__ = [
    "CalibrationSpec",
    "CoalitionSpec",
    "RoutingSpec",
    "SkillEntry",
    "StageSpec",
    "default_stages",
]
