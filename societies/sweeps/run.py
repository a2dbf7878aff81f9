"""Running a sweep: locally in one event loop, or on Ray."""

from __future__ import annotations

import asyncio
from pathlib import Path

from societies.engine.experiment import CacheMode
from societies.engine.folder import folder_lock
from societies.sweeps.local import run_local
from societies.sweeps.outcomes import SweepMonitor, SweepResult
from societies.sweeps.spec import SweepPlan


def run_sweep(
    plan: SweepPlan,
    out_dir: Path,
    *,
    ray: str | None = None,
    cache: CacheMode = "on",
    progress: SweepMonitor | None = None,
    stop_after: int | None = None,
) -> SweepResult:
    """Run a sweep locally (one event loop) or, with ``ray`` (``auto``, ``local`` or an address), on Ray.

    The sweep folder is locked while it runs (each cell's run folder also is).

    Raises:
        RunError: another process is running a sweep in ``out_dir``, or it cannot be written.
    """
    with folder_lock(out_dir):
        if ray is not None:
            from societies.sweeps.ray_executor import run_on_ray

            return run_on_ray(plan, out_dir, address=ray, cache=cache, progress=progress)
        return asyncio.run(
            run_local(plan, out_dir, cache=cache, progress=progress, stop_after=stop_after)
        )


__all__ = ["run_sweep"]
