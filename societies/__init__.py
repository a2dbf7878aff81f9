"""Where agents live and how a run unfolds: config, engine, transcript, analysis, sweeps, CLI.

The Python API (:mod:`societies.api`) is reached from here lazily, so that
``import societies.transcript`` or ``import societies.analysis`` does not load
the engine and its backends::

    import societies

    results = societies.run("demo", out="runs/demo")
    results.metrics, results.turns, results.to_pandas()
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from societies.errors import (
    ConfigError,
    RunError,
    SociolabError,
    SociolabWarning,
    TranscriptError,
)

if TYPE_CHECKING:
    from societies.analysis.results import Results
    from societies.api import (
        SweepResults,
        estimate,
        load_run,
        run,
        run_async,
        sweep,
        sweep_async,
    )

_LAZY = {
    "Results": "societies.analysis.results",
    "SweepResults": "societies.api",
    "estimate": "societies.api",
    "load_run": "societies.api",
    "run": "societies.api",
    "run_async": "societies.api",
    "sweep": "societies.api",
    "sweep_async": "societies.api",
}


def __getattr__(name: str) -> Any:
    """PEP 562: import the API on first use of one of its names."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'societies' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = [
    "ConfigError",
    "Results",
    "RunError",
    "SociolabError",
    "SociolabWarning",
    "SweepResults",
    "TranscriptError",
    "estimate",
    "load_run",
    "run",
    "run_async",
    "sweep",
    "sweep_async",
]
