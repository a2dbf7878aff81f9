"""The questions a coalition is calibrated on: never the ones the run evaluates.

Default split: the run's own question pool minus every evaluated question, sampled
down to ``protocol.calibration.size`` (default: as many as the run evaluates) with a
seed derived from ``task.seed``. The pool of a task read from data is the whole file
(``task.limit`` removed); a generated task (arithmetic, chess without ``path``)
generates more questions from the same seed, past the evaluated ones.

A question counts as evaluated when it has an evaluated question's id or its text
(the prompt and its options, whitespace and case aside). Ids are compared only
between questions of one source: a generated task numbers its questions within one
seed, so ``arith-0`` under seed 1 is another question than under seed 0.

An explicit ``protocol.calibration.task`` (a held-out split, e.g. MMLU's ``dev``)
is checked the same way; sharing a question with the evaluated ones is an error
unless ``protocol.calibration.allow_overlap`` is set.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.base import Question, TaskSpec, sample
from societies.config import ExperimentConfig
from societies.config.coalition import CalibrationSpec
from societies.engine.seeds import derived_seed
from societies.errors import ConfigError

SPLIT_PURPOSE = "calibration"
"""The purpose the default split's sampling seed is derived for (from ``task.seed``)."""

_NOT_SOURCE = {"limit", "seed", "instructions", "role"}  # fields that do not change the items


@dataclass(frozen=True)
class CalibrationSplit:
    """The calibration questions and how they were chosen.

    Attributes:
        questions: the calibration questions, in the pool's order.
        task: the task spec they come from (the pool's, for the default split).
        evaluated: how many questions the run evaluates.
        kind: ``disjoint`` (drawn by default) or ``explicit`` (``protocol.calibration.task``).
        seed: the derived seed the disjoint sample was drawn with (None when explicit).
        available: pool questions left after removing the evaluated ones (default split).
        overlap: explicit split only: its questions that are also evaluated (allowed by
            ``allow_overlap``).
    """

    questions: list[Question]
    task: TaskSpec
    evaluated: int
    kind: str
    seed: int | None = None
    available: int = 0
    overlap: int = 0

    def meta(self) -> dict[str, Any]:
        """What the skill table records of the split."""
        return {
            "kind": self.kind,
            "questions": len(self.questions),
            "evaluated": self.evaluated,
            "seed": self.seed,
            "available": self.available,
            "overlap": self.overlap,
            "ids": [q.id for q in self.questions],
        }


def text_key(q: Question) -> str:
    """A question's text for comparison: prompt and options, whitespace and case aside."""
    parts = [q.prompt, *(q.choices or ())]
    return "\x1f".join(" ".join(p.split()).casefold() for p in parts)


def same_source(a: TaskSpec, b: TaskSpec, generated: bool) -> bool:
    """Whether the two specs draw from one set of items, so that their ids are comparable."""
    skip = _NOT_SOURCE - ({"seed"} if generated else set())
    return a.model_dump(exclude=skip) == b.model_dump(exclude=skip)


def outside(
    candidates: Iterable[Question], evaluated: Sequence[Question], *, by_id: bool
) -> list[Question]:
    """The candidates that are not evaluated questions (nor repeat an earlier candidate)."""
    ids = {q.id for q in evaluated} if by_id else set()
    texts = {text_key(q) for q in evaluated}
    out = []
    for q in candidates:
        key = text_key(q)
        if q.id in ids or key in texts:
            continue
        texts.add(key)
        ids.add(q.id)
        out.append(q)
    return out


def calibration_split(cfg: ExperimentConfig, spec: CalibrationSpec, where: str) -> CalibrationSplit:
    """The questions to calibrate on (see the module's docstring).

    Args:
        cfg: the run's config (its task gives the evaluated questions).
        spec: ``protocol.calibration``.
        where: the config's file or name, for error messages.

    Raises:
        ConfigError: no disjoint split can be drawn, ``size`` asks for more questions than
            are left, or an explicit task overlaps the evaluated questions.
        TaskError: a task cannot be loaded.
    """
    task = cfg.task.build()
    evaluated = task.questions()
    if spec.task is not None:
        return _explicit(cfg.task, spec, evaluated, task.generated, where)
    if task.generated:
        wanted = spec.size or len(evaluated)
        pool_spec = cfg.task.model_copy(update={"limit": len(evaluated) + 2 * wanted})
    else:
        pool_spec = cfg.task.model_copy(update={"limit": None})
    left = outside(pool_spec.build().questions(), evaluated, by_id=True)
    field = f"{where}: protocol.calibration"
    if not left:
        raise ConfigError(
            [
                f"{field}: no question is left for a calibration split disjoint from the "
                f"{len(evaluated)} evaluated ones (the run uses its whole task): lower "
                "task.limit, or give protocol.calibration.task (a held-out split)"
            ]
        )
    if spec.size is not None and spec.size > len(left):
        raise ConfigError(
            [
                f"{field}.size: {spec.size} questions asked, but only {len(left)} of the task "
                f"are not evaluated: lower size or task.limit, or give protocol.calibration.task"
            ]
        )
    seed = derived_seed(cfg.task.seed, SPLIT_PURPOSE)
    picked = sample(left, spec.size or min(len(evaluated), len(left)), seed)
    return CalibrationSplit(picked, pool_spec, len(evaluated), "disjoint", seed, len(left))


def _explicit(
    run_task: TaskSpec,
    spec: CalibrationSpec,
    evaluated: list[Question],
    generated: bool,
    where: str,
) -> CalibrationSplit:
    assert spec.task is not None
    questions = spec.task.build().questions()
    by_id = same_source(spec.task, run_task, generated)
    ids = {q.id for q in evaluated} if by_id else set()
    texts = {text_key(q) for q in evaluated}
    overlap = sum(q.id in ids or text_key(q) in texts for q in questions)
    if overlap and not spec.allow_overlap:
        how = "id or text" if by_id else "text"
        raise ConfigError(
            [
                f"{where}: protocol.calibration.task: {overlap} of its {len(questions)} questions "
                f"are among the {len(evaluated)} the run evaluates (same {how}): give a split the "
                "run does not evaluate, remove protocol.calibration.task to draw a disjoint one, "
                "or set protocol.calibration.allow_overlap: true"
            ]
        )
    return CalibrationSplit(questions, spec.task, len(evaluated), "explicit", overlap=overlap)


__all__ = ["SPLIT_PURPOSE", "CalibrationSplit", "calibration_split", "outside", "same_source"]
