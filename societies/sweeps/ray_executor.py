"""Running a sweep's cells as Ray tasks (``sociolab sweep SWEEP --ray auto|local|ADDRESS``).

Each unfinished cell becomes one Ray task that runs the cell with
:func:`~societies.engine.experiment.run_experiment` (resuming whatever an earlier
attempt left) into ``DIR/cells/<cell>/`` on the shared output path, with the
shared response cache ``DIR/cache.sqlite`` (SQLite in WAL mode: safe for
several processes on one machine; on a cluster, put ``DIR`` on a shared file
system that supports file locks, or give each cell its own cache with
``--no-cache``). A cell whose run raises, or ends incomplete, is retried by
Ray up to the sweep's ``retries`` times; when it still fails it is reported
and the other cells carry on. Every attempt appends a line to the cell's
``attempts.jsonl``.

Ray is an optional extra: ``pip install 'sociolab[ray]'``. ``--ray auto``
connects to a running cluster (``ray start --head``, or a ``ray.init()`` in
the same machine), ``--ray local`` starts a private one for this sweep, and
any other value is a cluster address (``ray://host:10001``).
"""

from __future__ import annotations

import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from societies.config import CacheSpec, ExperimentConfig
from societies.engine.experiment import CacheMode, run_experiment
from societies.engine.gctune import gc_tuned
from societies.engine.planned import planned_turns
from societies.errors import USER_ERRORS, RunError
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
from societies.transcript import TRANSCRIPT

ATTEMPTS = "attempts.jsonl"


class CellFailedError(RuntimeError):
    """A cell's run ended incomplete (Ray retries the task on this)."""


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise RunError(
            "running a sweep on Ray needs the ray package: pip install 'sociolab[ray]'"
        ) from None
    return ray


def _log_attempt(folder: Path, record: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ATTEMPTS).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")


def run_cell(
    cfg: ExperimentConfig, folder: str, cache_path: str | None, cache: CacheMode
) -> dict[str, Any]:
    """Run (or resume) one cell; what a Ray task executes.

    Raises:
        CellFailedError: the run ended incomplete (some episodes failed).
    """
    where = Path(folder)
    attempt = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "host": socket.gethostname(),
        "pid": os.getpid(),
    }
    if cache_path is not None:
        cfg = cfg.model_copy(update={"cache": CacheSpec(enabled=True, path=Path(cache_path))})
    try:
        with gc_tuned():  # a Ray worker is sociolab's own process
            result = run_experiment(cfg, where, resume=True, cache=cache)
    except Exception as exc:
        _log_attempt(where, {**attempt, "status": "error", "error": f"{type(exc).__name__}: {exc}"})
        raise
    _log_attempt(where, {**attempt, "status": result.status, "errors": result.errors[:5]})
    if result.status == "incomplete":
        first = result.errors[0] if result.errors else "no error recorded"
        raise CellFailedError(f"{len(result.errors)} episodes failed; first: {first}")
    return {
        "status": result.status,
        "turns": result.turns,
        "calls": sum(u["calls"] for u in result.usage.values()),
        "cache_hits": sum(u["cache_hits"] for u in result.usage.values()),
        "errors": result.errors,
    }


def _attempts(folder: Path) -> int:
    try:
        return len((folder / ATTEMPTS).read_text(encoding="utf-8").splitlines())
    except OSError:
        return 0


def _reason(exc: BaseException) -> str:
    cause = getattr(exc, "cause", None) or exc
    text = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {text[-1] if text else ''}".strip()


def run_on_ray(
    plan: SweepPlan,
    out_dir: Path,
    *,
    address: str = "auto",
    cache: CacheMode = "on",
    progress: SweepMonitor | None = None,
    poll_s: float = 0.5,
) -> SweepResult:
    """Run every unfinished cell as a Ray task; failing cells are retried, then reported.

    Args:
        plan: the sweep.
        out_dir: the sweep folder (must be reachable by every Ray worker).
        address: ``auto`` (a running cluster), ``local`` (start one), or a cluster address.
        cache: ``on``, ``off`` or ``refresh`` for the shared response cache.
        progress: the display to update.
        poll_s: how often the display is refreshed from the cells' transcripts.

    Raises:
        RunError: ray is not installed, or no cluster can be reached.
        ConfigChangedError: the sweep file changed a recorded cell's results (nothing runs).
    """
    ray = _import_ray()
    out_dir = out_dir.resolve()
    write_manifest(plan, out_dir)
    adopted, orphans = reconcile(plan, out_dir)
    started_here = _connect(ray, address)
    if progress:
        progress.started(len(plan.cells))
    cache_path = None if cache == "off" else str(out_dir / CACHE)
    task = ray.remote(max_retries=plan.spec.retries, retry_exceptions=True, num_cpus=1)(run_cell)
    outcomes, todo = split_finished(plan, out_dir, progress)
    pending: dict[Any, tuple[Cell, int]] = {}
    counted: dict[str, int] = {}  # turns recorded by cells already finished
    for cell in todo:
        folder = cell_folder(out_dir, cell)
        if progress:
            progress.cell_started(_planned(cell), _turn_lines(folder / TRANSCRIPT))
        pending[task.remote(cell.config, str(folder), cache_path, cache)] = (
            cell,
            _attempts(folder),
        )
    try:
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=poll_s)
            for ref in ready:
                cell, before = pending.pop(ref)
                outcome = _collect(ray, ref, cell, cell_folder(out_dir, cell), before)
                counted[cell.name] = _turn_lines(cell_folder(out_dir, cell) / TRANSCRIPT)
                outcomes[cell.name] = outcome
                if progress:
                    progress.cell_done(outcome)
            if progress and pending:
                running = [c for c, _ in pending.values()]
                progress.set_turns(sum(counted.values()) + _turns_done(out_dir, running))
    finally:
        for ref in pending:
            ray.cancel(ref, force=True)
        if started_here:
            ray.shutdown()
    ordered = [outcomes[c.name] for c in plan.cells if c.name in outcomes]
    made = sum(o.calls - o.cache_hits for o in ordered)
    folders = [cell_folder(out_dir, c) for c in plan.cells]
    return SweepResult(
        out_dir, ordered, calls_made=made, folders=folders, adopted=adopted, orphans=orphans
    )


def _connect(ray: Any, address: str) -> bool:
    """Join (or start) a Ray cluster unless already connected; True when this call started it.

    Raises:
        RunError: no cluster can be reached at ``address``.
    """
    if ray.is_initialized():
        return False
    try:
        ray.init(
            address=None if address == "local" else address,
            include_dashboard=False,
            log_to_driver=False,
        )
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise RunError(
            f"--ray {address}: cannot reach a Ray cluster ({exc}); start one with "
            "`ray start --head`, or use --ray local"
        ) from None
    return True


def _collect(ray: Any, ref: Any, cell: Cell, folder: Path, before: int) -> CellOutcome:
    """The outcome of a finished cell task (its error after its last retry, if it failed)."""
    try:
        out = ray.get(ref)
    except Exception as exc:
        outcome = CellOutcome(cell.name, folder, "failed", errors=[_reason(exc)])
    else:
        outcome = CellOutcome(
            cell.name,
            folder,
            out["status"],
            turns=out["turns"],
            calls=out["calls"],
            cache_hits=out["cache_hits"],
            errors=out["errors"],
        )
    outcome.attempts = _attempts(folder) - before
    return outcome


def _turns_done(out_dir: Path, cells: list[Cell]) -> int:
    """Turns written so far by the cells still running."""
    return sum(_turn_lines(cell_folder(out_dir, c) / TRANSCRIPT) for c in cells)


def _turn_lines(path: Path) -> int:
    """The complete turn lines of a transcript (0 when there is none yet)."""
    try:
        with path.open("rb") as fh:
            return sum(
                1 for line in fh if line.startswith(b'{"type":"turn"') and line.endswith(b"\n")
            )
    except OSError:
        return 0


def _planned(cell: Cell) -> int:
    """The turns a complete run of the cell records (0 when its inputs cannot be read: the
    cell's own run reports why)."""
    try:
        return planned_turns(cell.config)
    except USER_ERRORS:
        return 0


__all__ = ["ATTEMPTS", "CellFailedError", "run_cell", "run_on_ray"]
