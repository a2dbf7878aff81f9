"""Process-wide garbage-collector tuning, for processes that sociolab owns.

A large society keeps many container objects alive (agents' histories,
futures); with the default thresholds, repeated collections scanning them cost
about as much as the turns themselves. GC state belongs to the process, so only
the owner of the process may change it: the CLI around a run or a sweep, and a
Ray worker around its cell. Library calls (:class:`~societies.engine.experiment.Experiment`,
the :mod:`societies.api` functions) never touch it, and leave a host program's
thresholds and frozen objects as they were.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] | None = None


@contextlib.contextmanager
def gc_tuned(gen0_threshold: int = 50_000) -> Iterator[None]:
    """Make the garbage collector cheaper until the block ends.

    Objects created before the block are frozen (never scanned) and young
    collections are made rarer; both are undone when the block ends. Nested or
    overlapping blocks share one tuning: the outermost one applies it and the
    last one to end undoes it, so the thresholds end as they began.

    Only for the process's owner: :func:`gc.unfreeze` also unfreezes objects
    that someone else froze.
    """
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(gen0_threshold, _saved[1], _saved[2])
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                gc.unfreeze()
                _saved = None


__all__ = ["gc_tuned"]
