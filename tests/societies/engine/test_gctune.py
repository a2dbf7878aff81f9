"""GC state belongs to the process's owner: library runs leave it as they found it."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path

from societies.config import parse_config
from societies.engine.experiment import Experiment
from societies.engine.gctune import gc_tuned
from tests.conftest import HOST_GC_THRESHOLD
from tests.helpers.configs import sim_config

HOST = HOST_GC_THRESHOLD


async def test_overlapping_library_runs_leave_gc_state_alone(tmp_path: Path, host_gc: int) -> None:
    cfg = parse_config(sim_config(repeats=3))
    results = await asyncio.gather(
        Experiment(cfg, tmp_path / "a").run(), Experiment(cfg, tmp_path / "b").run()
    )
    assert [r.status for r in results] == ["complete", "complete"]
    assert gc.get_threshold() == HOST
    # What the host froze stays frozen (objects freed since may have left).
    assert gc.get_freeze_count() > host_gc // 2


def test_overlapping_tuned_blocks_restore_the_thresholds_once() -> None:
    old = gc.get_threshold()
    gc.set_threshold(*HOST)
    try:
        a, b = gc_tuned(40_000), gc_tuned(40_000)
        a.__enter__()
        assert gc.get_threshold() == (40_000, 11, 12) and gc.get_freeze_count() > 0
        b.__enter__()
        a.__exit__(None, None, None)  # the first to start ends first: still tuned
        assert gc.get_threshold() == (40_000, 11, 12)
        b.__exit__(None, None, None)
        assert gc.get_threshold() == HOST and gc.get_freeze_count() == 0
    finally:
        gc.set_threshold(*old)
