"""Running a sweep: every cell into ``DIR/cells/<cell>/``, finished cells skipped, others resumed.

The local executor runs all cells in one event loop over one
:class:`~societies.engine.clients.ClientPool`: backends are started once and
shared, one concurrency limit spans the cells (so batching and API
concurrency span them too), and one response cache (``DIR/cache.sqlite``)
serves every cell, so a call several cells make identically is made once.
The Ray executor (:mod:`societies.sweeps.ray_executor`) runs each cell as a Ray task.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from rich.console import Console
from rich.progress import (
    TaskID,
)

from agents.backends import ResponseCache
from societies.cli.progress import RichDisplay
from societies.engine.clients import ClientPool
from societies.engine.experiment import CacheMode, Experiment, RunMonitor
from societies.errors import USER_ERRORS, RunError
from societies.sweeps.spec import CELLS, Cell, SweepPlan
from societies.transcript import TRANSCRIPT, TurnEvent

CellStatus = Literal["complete", "skipped", "incomplete", "budget", "failed"]
MANIFEST = "sweep.json"
CACHE = "cache.sqlite"


@dataclass
class CellOutcome:
    """How one cell ended in this session."""

    name: str
    folder: Path
    status: CellStatus
    turns: int = 0
    calls: int = 0
    cache_hits: int = 0
    errors: list[str] = field(default_factory=list)
    attempts: int = 1


@dataclass
class SweepResult:
    """What a sweep session did.

    Attributes:
        out_dir: the sweep folder.
        cells: per cell, its outcome.
        calls_made: calls that reached a model (local executor: counted by the shared
            backends; Ray: requests minus cache hits).
        remaining: unfinished cells left for a later session (``--max-cells``).
    """

    out_dir: Path
    cells: list[CellOutcome]
    calls_made: int = 0
    remaining: int = 0

    @property
    def requests(self) -> int:
        """Calls the cells asked for in this session."""
        return sum(c.calls for c in self.cells)

    @property
    def shared(self) -> int:
        """Calls answered without a model call: cache hits and calls shared between cells."""
        return self.requests - self.calls_made

    @property
    def ok(self) -> bool:
        """Whether every cell is complete."""
        return all(c.status in ("complete", "skipped") for c in self.cells)


def cell_folder(out_dir: Path, cell: Cell) -> Path:
    """Where a cell's run folder is."""
    return out_dir / CELLS / cell.name


def finished(folder: Path, digest: str) -> bool:
    """Whether the cell's transcript is complete (reads only its first and last lines).

    Raises:
        RunError: the transcript was written by a different config.
    """
    path = folder / TRANSCRIPT
    if not path.exists() or path.stat().st_size == 0:
        return False
    with path.open("rb") as fh:
        first = fh.readline()
        fh.seek(max(0, path.stat().st_size - (1 << 16)))  # the end line is the last one
        tail = fh.read().rstrip(b"\n").rsplit(b"\n", 1)[-1]
    try:
        head = json.loads(first)
        recorded = head.get("config_digest")
    except (json.JSONDecodeError, AttributeError):
        return False  # unreadable: let the run's resume report it
    if recorded != digest:
        raise RunError(
            f"{path} was written by a different config (digest {recorded}, now {digest}): "
            "the sweep file changed; use another --out"
        )
    try:
        end = json.loads(tail)
    except json.JSONDecodeError:
        return False
    return isinstance(end, dict) and end.get("type") == "end" and end.get("status") == "complete"


def write_manifest(plan: SweepPlan, out_dir: Path) -> None:
    """``DIR/sweep.json``: the sweep's name, file and cells (name, labels, config digest)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    doc = {
        "name": plan.name,
        "sweep_file": str(plan.source.resolve()),
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cells": [
            {
                "name": c.name,
                "labels": c.labels,
                "folder": str(Path(CELLS) / c.name),
                "config_digest": c.config.digest(),
            }
            for c in plan.cells
        ],
    }
    (out_dir / MANIFEST).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


class SweepProgress(RichDisplay):
    """A rich display of a sweep: cells done, turns done, tokens, calls shared."""

    def __init__(self, console: Console | None = None) -> None:
        """Draw on ``console`` (default: stderr)."""
        super().__init__(console)
        self.tokens = 0
        self.cached = 0
        self.failed = 0
        self._cells: TaskID | None = None
        self._turns: TaskID | None = None

    def started(self, cells: int) -> None:
        """The sweep starts with ``cells`` cells."""
        self._cells = self.progress.add_task("cells", total=cells, info="")
        self._turns = self.progress.add_task("turns", total=0, info="")

    def cell_started(self, turns: int, already_done: int) -> None:
        """A cell starts: its turns join the total."""
        if self._turns is not None:
            task = self.progress.tasks[self._turns]
            total = (task.total or 0) + turns
            self.progress.update(self._turns, total=total, advance=already_done)

    def turn(self, event: TurnEvent) -> None:
        """A turn of some cell completed."""
        self.tokens += event.usage.total_tokens
        self.cached += int(event.cached)
        if self._turns is not None:
            info = f"tokens {self.tokens:,}  shared/cached {self.cached:,}"
            self.progress.update(self._turns, advance=1, info=info)

    def set_turns(self, done: int) -> None:
        """Set the turns done directly (the Ray executor polls the cells' transcripts)."""
        if self._turns is not None:
            self.progress.update(self._turns, completed=done, total=None)

    def cell_done(self, outcome: CellOutcome) -> None:
        """A cell finished (or was skipped, or failed)."""
        self.failed += outcome.status not in ("complete", "skipped")
        if self._cells is not None:
            self.progress.update(self._cells, advance=1, info=f"not complete {self.failed}")


class _CellMonitor:
    """Feeds one cell's run events into the sweep's display."""

    def __init__(self, progress: SweepProgress | None) -> None:
        self.progress = progress

    def started(self, episodes: int, turns: int, already_done: int) -> None:
        if self.progress:
            self.progress.cell_started(turns, already_done)

    def turn(self, event: TurnEvent) -> None:
        if self.progress:
            self.progress.turn(event)

    def episode(self, ok: bool) -> None:
        return None


def _open_cache(out_dir: Path, mode: CacheMode) -> ResponseCache | None:
    if mode == "off":
        return None
    return ResponseCache(out_dir / CACHE, refresh=mode == "refresh")


async def run_local(
    plan: SweepPlan,
    out_dir: Path,
    *,
    cache: CacheMode = "on",
    progress: SweepProgress | None = None,
    stop_after: int | None = None,
) -> SweepResult:
    """Run every unfinished cell in this event loop, sharing backends and one cache.

    Args:
        plan: the sweep.
        out_dir: the sweep folder.
        cache: ``on``, ``off`` or ``refresh`` for the shared response cache.
        progress: the display to update.
        stop_after: start at most this many cells in this session (the others are
            left for the next one); None for all.

    Raises:
        RunError: a finished cell's transcript was written by a different config.
    """
    write_manifest(plan, out_dir)
    if progress:
        progress.started(len(plan.cells))
    todo: list[Cell] = []
    outcomes: dict[str, CellOutcome] = {}
    for cell in plan.cells:
        folder = cell_folder(out_dir, cell)
        if finished(folder, cell.config.digest()):
            outcomes[cell.name] = CellOutcome(cell.name, folder, "skipped", calls=0)
            if progress:
                progress.cell_done(outcomes[cell.name])
        else:
            todo.append(cell)
    remaining = 0
    if stop_after is not None:
        remaining = max(0, len(todo) - stop_after)
        todo = todo[:stop_after]
    response_cache = _open_cache(out_dir, cache)
    pool = ClientPool(response_cache)
    parallel = asyncio.Semaphore(plan.spec.max_parallel_cells or max(1, len(todo)))

    async def one(cell: Cell) -> None:
        folder = cell_folder(out_dir, cell)
        async with parallel:
            monitor: RunMonitor = _CellMonitor(progress)
            try:
                exp = Experiment(
                    cell.config,
                    folder,
                    resume=True,
                    cache=cache,
                    monitor=monitor,
                    clients=pool.clients(cell.config.backends),
                )
                result = await exp.run()
            except USER_ERRORS as exc:
                outcome = CellOutcome(cell.name, folder, "failed", errors=[str(exc)])
            except Exception as exc:  # a bug in one cell must not take the others down
                outcome = CellOutcome(
                    cell.name, folder, "failed", errors=[f"{type(exc).__name__}: {exc}"]
                )
            else:
                outcome = CellOutcome(
                    cell.name,
                    folder,
                    result.status,
                    turns=result.turns,
                    calls=sum(u["calls"] for u in result.usage.values()),
                    cache_hits=sum(u["cache_hits"] for u in result.usage.values()),
                    errors=result.errors,
                )
        outcomes[cell.name] = outcome
        if progress:
            progress.cell_done(outcome)

    await pool.run(one(cell) for cell in todo)
    ordered = [outcomes[c.name] for c in plan.cells if c.name in outcomes]
    return SweepResult(out_dir, ordered, calls_made=pool.stats().calls, remaining=remaining)


def run_sweep(
    plan: SweepPlan,
    out_dir: Path,
    *,
    ray: str | None = None,
    cache: CacheMode = "on",
    progress: SweepProgress | None = None,
    stop_after: int | None = None,
) -> SweepResult:
    """Run a sweep locally (one event loop) or, with ``ray`` (``auto``, ``local`` or an address), on Ray."""
    if ray is not None:
        from societies.sweeps.ray_executor import run_on_ray

        return run_on_ray(plan, out_dir, address=ray, cache=cache, progress=progress)
    return asyncio.run(
        run_local(plan, out_dir, cache=cache, progress=progress, stop_after=stop_after)
    )


def report_paths(out_dir: Path, outcomes: Sequence[CellOutcome]) -> list[Path]:
    """The run folders of the cells that have a transcript."""
    return [o.folder for o in outcomes if (o.folder / TRANSCRIPT).exists()]


__all__ = [
    "CACHE",
    "MANIFEST",
    "CellOutcome",
    "CellStatus",
    "SweepProgress",
    "SweepResult",
    "cell_folder",
    "finished",
    "report_paths",
    "run_local",
    "run_sweep",
    "write_manifest",
]
