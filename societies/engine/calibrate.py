"""``sociolab calibrate CONFIG``: measure each coalition member on each stage.

For every calibration question, every stage S and every member X, the
question goes through all the stages with X handling S and the *reference*
member (``protocol.calibration.reference``, default the first member)
handling the others. X's skill on S is the accuracy of the final answer over
those runs, and its tokens the mean prompt + completion tokens of its S calls.
Both are recorded per question category and pooled (category ``*``, the
fallback for categories the calibration split lacks), in a JSON file that
``protocol.routing.table`` can reference.

The calibration split never holds a question the run evaluates: by default it
is a sample of the run's task without the evaluated questions, or
``protocol.calibration.task`` (a held-out split, e.g. MMLU's ``dev``), checked
for overlap (:mod:`societies.engine.calibration_split`). Calls go through the shared backends of
:mod:`societies.engine.clients` and a response cache next to the table, so the
reference's own stages are made once, and a calibration can be rerun cheaply.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agents.backends import ResponseCache
from protocols.coalition import ALL, POOLED
from societies.config import ExperimentConfig
from societies.config.coalition import CoalitionSpec, SkillEntry
from societies.engine.build import build_episodes, build_members, generation_params
from societies.engine.calibration_split import CalibrationSplit, calibration_split
from societies.engine.clients import ClientPool
from societies.engine.coalition import CoalitionRunner, members_of
from societies.engine.experiment import CacheMode
from societies.engine.folder import folder_lock
from societies.engine.runner import Episode, Member
from societies.engine.skills import LoadedTable, write_table_file
from societies.errors import ConfigError
from societies.transcript import COALITION, TurnEvent


@dataclass
class CalibrationResult:
    """What a calibration measured and where it wrote the table."""

    path: Path
    entries: list[SkillEntry]
    questions: int
    reference: str
    requests: int
    calls_made: int


def coalition_of(cfg: ExperimentConfig) -> CoalitionSpec:
    """The config's coalition protocol.

    Raises:
        ConfigError: the config's protocol is not a coalition.
    """
    if not isinstance(cfg.protocol, CoalitionSpec):
        raise ConfigError(
            ["protocol: calibrate measures a coalition's members: use protocol: {kind: coalition}"]
        )
    return cfg.protocol


@dataclass
class _Tally:
    correct: int = 0
    n: int = 0
    tokens: int = 0

    def add(self, correct: bool, tokens: int) -> None:
        self.correct += int(correct)
        self.n += 1
        self.tokens += tokens


async def calibrate(
    cfg: ExperimentConfig,
    out: Path,
    *,
    cache: CacheMode = "on",
    on_pipeline: Callable[[], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    source: str | None = None,
) -> CalibrationResult:
    """Measure every member on every stage; write the skill table to ``out``.

    Args:
        cfg: a config with a coalition protocol.
        out: the table file to write (JSON).
        cache: the response cache (``out`` with ``.cache.sqlite``): ``on``, ``off``, ``refresh``.
        on_pipeline: called after each (question, member, stage) pipeline.
        on_start: called with the number of pipelines before they start.
        source: the config's file, for error messages (default: the config's name).

    Raises:
        ConfigError: the protocol is not a coalition, or no calibration split disjoint
            from the evaluated questions can be drawn (or an explicit one overlaps them).
        TaskError: the calibration split cannot be loaded.
        RunError: another process writes into ``out``'s folder (its lock is held), or
            that folder cannot be written.
    """
    spec = coalition_of(cfg)
    with folder_lock(out.parent):  # one writer per folder: the table and its cache
        return await _calibrate(cfg, spec, out, cache, on_pipeline, on_start, source)


async def _calibrate(
    cfg: ExperimentConfig,
    spec: CoalitionSpec,
    out: Path,
    cache: CacheMode,
    on_pipeline: Callable[[], None] | None,
    on_start: Callable[[int], None] | None,
    source: str | None,
) -> CalibrationResult:
    """:func:`calibrate`, with the folder's lock held."""
    split = await asyncio.to_thread(
        calibration_split, cfg, spec.calibration, source or f"config {cfg.name!r}"
    )
    task = split.task.build()
    questions = split.questions
    response_cache = None
    if cache != "off":
        response_cache = ResponseCache(out.with_suffix(".cache.sqlite"), refresh=cache == "refresh")
    pool = ClientPool(response_cache)
    members = members_of(spec, build_members(cfg, pool.clients(cfg.backends)))
    reference = spec.calibration.reference or members[0].name
    ref = next(m for m in members if m.name == reference)
    runner = CoalitionRunner(
        spec, task, members, generation_params(cfg), cfg.seed, LoadedTable([], None, "")
    )
    stages = runner.rounds
    episodes = build_episodes(cfg.model_copy(update={"repeats": 1}), task, questions)
    tallies: dict[tuple[str, str, str], _Tally] = defaultdict(_Tally)
    limit = asyncio.Semaphore(cfg.episodes_in_flight())
    requests = 0
    if on_start:
        on_start(len(episodes) * len(members) * len(stages))

    async def pipeline(ep: Episode, member: Member, k: int, category: str) -> None:
        nonlocal requests
        turns: list[TurnEvent] = []
        assignment = [(member if i == k else ref, None) for i in range(len(stages))]
        label = f"{member.name}@{stages[k]}"
        await runner.run_pipeline(ep, label, assignment, {}, turns.append, trait=COALITION)
        requests += len(turns)
        correct, tokens = turns[-1].correct, turns[k].usage.total_tokens
        for cat in (category, POOLED):
            tallies[(member.name, stages[k], cat)].add(correct, tokens)
        if on_pipeline:
            on_pipeline()

    async def episode(ep: Episode) -> None:
        category = runner.category(ep.question)
        async with limit, asyncio.TaskGroup() as tg:
            for member in members:
                for k in range(len(stages)):
                    tg.create_task(pipeline(ep, member, k, category))

    await pool.run(episode(ep) for ep in episodes)
    entries = _entries(tallies)
    write_table_file(out, entries, _meta(cfg, split, reference, members, stages))
    return CalibrationResult(out, entries, len(questions), reference, requests, pool.stats().calls)


def _entries(tallies: Mapping[tuple[str, str, str], _Tally]) -> list[SkillEntry]:
    """The table's rows; with a single category only its pooled rows are kept."""
    single = {c for _, _, c in tallies} == {ALL, POOLED}
    return [
        SkillEntry(
            member=m,
            stage=s,
            category=c,
            accuracy=round(t.correct / t.n, 6),
            tokens=round(t.tokens / t.n, 3),
            n=t.n,
        )
        for (m, s, c), t in sorted(tallies.items())
        if not (single and c == ALL)
    ]


def _meta(
    cfg: ExperimentConfig,
    split: CalibrationSplit,
    reference: str,
    members: Sequence[Member],
    stages: Sequence[str],
) -> dict[str, Any]:
    """What the table file records of how it was measured."""
    return {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": cfg.name,
        "task": split.task.model_dump(mode="json"),
        "questions": len(split.questions),
        "split": split.meta(),
        "reference": reference,
        "members": [m.name for m in members],
        "stages": list(stages),
        "backends": {m.name: m.backend_name for m in members},
        "generation": cfg.generation.model_dump(mode="json"),
    }


__all__ = ["CalibrationResult", "calibrate", "coalition_of"]
