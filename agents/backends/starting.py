"""Who is told when a backend starts (a model loads, a server starts, an endpoint is checked).

Starting can take from a second to minutes, before any turn exists to show progress
for. The shared wrapper announces each start here; whoever runs the experiment
(the CLI's progress display) listens for the duration of a run, so loading shows in
sociolab's own display instead of third-party progress bars.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar

StartHook = Callable[[str, str, bool], None]
"""Called as ``hook(backend name, what it does, done)``: once before a start, once after."""

_hook: ContextVar[StartHook | None] = ContextVar("sociolab_start_hook", default=None)


@contextlib.contextmanager
def on_backend_start(hook: StartHook) -> Iterator[None]:
    """Send the starts announced in this context (and the tasks it creates) to ``hook``."""
    token = _hook.set(hook)
    try:
        yield
    finally:
        _hook.reset(token)


def announce(name: str, what: str, *, done: bool) -> None:
    """Tell the current listener, if any, that backend ``name`` starts (or has started)."""
    hook = _hook.get()
    if hook is not None:
        hook(name, what, done)


__all__ = ["StartHook", "announce", "on_backend_start"]
