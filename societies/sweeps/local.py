"""The local sweep executor: every unfinished cell in one event loop.

Cells run into ``DIR/cells/<cell>/`` over one
:class:`~societies.engine.clients.ClientPool`: backends are started once and
shared, one concurrency limit spans the cells (so batching and API
concurrency span them too), and one response cache (``DIR/cache.sqlite``)
serves every cell, so a call several cells make identically is made once.
The Ray executor (:mod:`societies.sweeps.ray_executor`) runs each cell as a Ray task.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from agents.backends import ResponseCache
from societies.engine.clients import ClientPool
from societies.engine.experiment import CacheMode, Experiment, RunMonitor
from societies.errors import USER_ERRORS
from societies.sweeps.extend import reconcile
from societies.sweeps.outcomes import (
    CACHE,
    CellOutcome,
    SweepMonitor,
    SweepResult,
    cell_folder,
    split_finished,
    write_manifest,
)
from societies.sweeps.spec import Cell, SweepPlan
from societies.transcript import TurnEvent


class _CellMonitor:
    """Feeds one cell's run events into the sweep's display."""

    def __init__(self, progress: SweepMonitor | None) -> None:
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
    progress: SweepMonitor | None = None,
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
        ConfigChangedError: the sweep file changed a recorded cell's results (nothing runs).
    """
    write_manifest(plan, out_dir)
    adopted, orphans = reconcile(plan, out_dir)
    if progress:
        progress.started(len(plan.cells))
    outcomes, todo = split_finished(plan, out_dir, progress)
    remaining = 0
    if stop_after is not None:
        remaining = max(0, len(todo) - stop_after)
        todo = todo[:stop_after]
    response_cache = _open_cache(out_dir, cache)
    pool = ClientPool(response_cache)
    parallel = asyncio.Semaphore(plan.spec.max_parallel_cells or max(1, len(todo)))

    async def one(cell: Cell) -> None:
        async with parallel:
            outcome = await _run_cell(cell, cell_folder(out_dir, cell), pool, cache, progress)
        outcomes[cell.name] = outcome
        if progress:
            progress.cell_done(outcome)

    await pool.run(one(cell) for cell in todo)
    ordered = [outcomes[c.name] for c in plan.cells if c.name in outcomes]
    return SweepResult(
        out_dir,
        ordered,
        calls_made=pool.stats().calls,
        remaining=remaining,
        folders=[cell_folder(out_dir, c) for c in plan.cells],
        adopted=adopted,
        orphans=orphans,
    )


async def _run_cell(
    cell: Cell, folder: Path, pool: ClientPool, cache: CacheMode, progress: SweepMonitor | None
) -> CellOutcome:
    """Run (or resume) one cell over the shared backends; its outcome, failures included."""
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
        return CellOutcome(cell.name, folder, "failed", errors=[str(exc)])
    except Exception as exc:  # a bug in one cell must not take the others down
        return CellOutcome(cell.name, folder, "failed", errors=[f"{type(exc).__name__}: {exc}"])
    return CellOutcome(
        cell.name,
        folder,
        result.status,
        turns=result.turns,
        calls=sum(u["calls"] for u in result.usage.values()),
        cache_hits=sum(u["cache_hits"] for u in result.usage.values()),
        errors=result.errors,
    )


__all__ = ["run_local"]
