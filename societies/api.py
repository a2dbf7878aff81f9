"""The Python API: run, sweep and estimate experiments, and load their results.

Every function takes what the CLI takes (a YAML file, a preset's name) and also
a config built in Python (an :class:`~societies.config.ExperimentConfig` or a
dict), with overrides as ``--set``-style strings or a mapping of dotted keys.
Configs from Python go through the same checks as YAML and fail with the same
one-line :class:`~societies.errors.ConfigError` before anything runs.

The synchronous functions also work inside a running event loop (a Jupyter
notebook): there they run on a fresh loop in a worker thread. Unlike the CLI,
they leave the process's garbage-collector settings alone.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import copy
import json
import os
import warnings
from collections.abc import Coroutine, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from societies.analysis.results import Results
from societies.config import ExperimentConfig, apply_overrides, load_config, parse_config
from societies.config.errors import format_validation_error
from societies.config.presets import locate
from societies.config.yamlio import read_yaml
from societies.engine.dry_run import DryRun, estimate_runs
from societies.engine.experiment import CacheMode, Experiment, RunMonitor
from societies.engine.graph import graph_warnings
from societies.errors import ConfigError, SociolabWarning
from societies.sweeps.local import run_local
from societies.sweeps.outcomes import SweepResult, report_paths
from societies.sweeps.run import run_sweep
from societies.sweeps.spec import SweepPlan, SweepSpec, expand, is_sweep, load_sweep

ConfigLike = ExperimentConfig | Mapping[str, Any] | str | os.PathLike[str]
"""A config: a model, a dict of config fields, a YAML file or a preset's name."""
SweepLike = SweepPlan | Mapping[str, Any] | str | os.PathLike[str]
"""A sweep: a loaded plan, a dict of sweep fields, a YAML file or a preset's name."""
Overrides = Sequence[str] | Mapping[str, Any] | None
"""``["generation.max_tokens=64"]`` (values read as YAML) or ``{"generation.max_tokens": 64}``."""

T = TypeVar("T")


class SweepResults(Results):
    """The cells of a sweep that have a transcript, plus what this session did.

    Attributes:
        outcome: per cell, how it ended in this session (``complete``, ``skipped``,
            ``failed``, ...), and the calls made.
    """

    def __init__(self, results: Results, outcome: SweepResult) -> None:
        super().__init__(results.runs)
        self.outcome = outcome


def _set_strings(overrides: Overrides) -> list[str]:
    """Overrides as ``key=value`` strings (a mapping's values written as JSON, which is YAML)."""
    if overrides is None:
        return []
    if isinstance(overrides, str):
        return [overrides]
    if isinstance(overrides, Mapping):
        return [f"{k}={json.dumps(v, default=str)}" for k, v in overrides.items()]
    return list(overrides)


_TAGS = ("kind", "name")
"""Fields that say which model a mapping is (union discriminators): always written."""


def _explicit(full: Any, given: Any) -> Any:
    if isinstance(given, dict) and isinstance(full, dict):
        out = {k: _explicit(full.get(k), v) for k, v in given.items()}
        return {**{t: full[t] for t in _TAGS if t in full and t not in out}, **out}
    if isinstance(given, list) and isinstance(full, list) and len(given) == len(full):
        return [_explicit(f, g) for f, g in zip(full, given, strict=True)]
    return given


def _as_written(config: ExperimentConfig) -> dict[str, Any]:
    """The fields the config's author set (as YAML would hold them), plus the union tags.

    Defaults are left to validation, as for YAML: a filled-in default can break a
    cross-field check (a coalition with the society default ``decision: majority``).
    """
    full = config.model_dump(mode="json")
    result: dict[str, Any] = _explicit(full, config.model_dump(mode="json", exclude_unset=True))
    return result


def _yaml_path(target: str | os.PathLike[str]) -> Path:
    path = locate(os.fspath(target))
    if not path.exists():
        raise ConfigError([f"{path}: no such file, and no preset of that name"])
    return path


def load(config: ConfigLike, overrides: Overrides = None) -> ExperimentConfig:
    """A validated config from any :data:`ConfigLike`, with ``overrides`` applied.

    What the CLI prints as a warning (a disconnected graph) is issued as a
    :class:`~societies.errors.SociolabWarning` (see :mod:`warnings`).

    Raises:
        ConfigError: one line per problem, the same checks and messages as for YAML.
    """
    cfg = _load(config, overrides)
    for line in graph_warnings(cfg):
        warnings.warn(line, SociolabWarning, stacklevel=2)
    return cfg


def _load(config: ConfigLike, overrides: Overrides = None) -> ExperimentConfig:
    sets = _set_strings(overrides)
    if isinstance(config, str | os.PathLike):
        path = _yaml_path(config)
        if is_sweep(read_yaml(path)):
            raise ConfigError([f"{path}: this is a sweep (it has a grid): use societies.sweep"])
        return load_config(path, sets)
    if isinstance(config, ExperimentConfig):
        data, source = _as_written(config), f"<ExperimentConfig {config.name!r}>"
    elif isinstance(config, Mapping):
        data, source = copy.deepcopy(dict(config)), "<dict>"
    else:
        raise ConfigError(
            [
                f"config: {type(config).__name__} value: expected an ExperimentConfig, a dict, "
                "a YAML path or a preset name"
            ]
        )
    if is_sweep(data):
        raise ConfigError([f"{source}: this is a sweep (it has a grid): use societies.sweep"])
    return parse_config(apply_overrides(data, sets), source=source, base_dir=Path.cwd())


def load_plan(sweep: SweepLike, overrides: Overrides = None) -> SweepPlan:
    """A sweep's validated cells from any :data:`SweepLike`, with ``overrides`` on its base.

    Raises:
        ConfigError: the sweep or any cell is invalid (one line per problem).
    """
    sets = _set_strings(overrides)
    if isinstance(sweep, SweepPlan):
        if not sets:
            return sweep
        return SweepPlan(sweep.spec, sweep.source, expand(sweep.spec, sweep.source, sets))
    if isinstance(sweep, str | os.PathLike):
        return load_sweep(_yaml_path(sweep), sets)
    data = dict(sweep)
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, data, SweepSpec, "<sweep>")) from None
    source = Path.cwd() / "<sweep>"  # relative paths in it are relative to the current folder
    return SweepPlan(spec, source, expand(spec, source, sets))


def _blocking(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` to completion; on a fresh loop in a worker thread if a loop is running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="sociolab") as pool:
        return pool.submit(asyncio.run, work).result()


async def run_async(
    config: ConfigLike,
    out: str | os.PathLike[str] | None = None,
    *,
    overrides: Overrides = None,
    resume: bool = False,
    cache: CacheMode = "on",
    monitor: RunMonitor | None = None,
) -> Results:
    """Run an experiment and return its results (awaitable form of :func:`run`).

    Args:
        config: an ExperimentConfig, a dict, a YAML file or a preset's name.
        out: the run folder (default ``runs/<config name>``).
        overrides: changes to the config, as for ``--set``.
        resume: continue the run already in ``out``.
        cache: ``on``, ``off``, or ``refresh`` (ignore stored replies, store new ones).
        monitor: an optional progress receiver.

    Returns:
        The run's results; ``results.status`` says whether it is complete.

    Raises:
        ConfigError: the config is invalid (before anything runs).
        RunError: ``out`` holds another run (pass ``resume=True`` to continue it).
    """
    cfg = load(config, overrides)
    folder = Path(out) if out is not None else Path("runs") / cfg.name
    exp = Experiment(cfg, folder, resume=resume, cache=cache, monitor=monitor)
    result = await exp.run()
    return Results.load(result.transcript)


def run(
    config: ConfigLike,
    out: str | os.PathLike[str] | None = None,
    *,
    overrides: Overrides = None,
    resume: bool = False,
    cache: CacheMode = "on",
    monitor: RunMonitor | None = None,
) -> Results:
    """Run an experiment and return its results; see :func:`run_async` for the arguments.

    Works inside a running event loop too (a notebook).
    """
    return _blocking(
        run_async(config, out, overrides=overrides, resume=resume, cache=cache, monitor=monitor)
    )


async def sweep_async(
    sweep: SweepLike,
    out: str | os.PathLike[str] | None = None,
    *,
    overrides: Overrides = None,
    cache: CacheMode = "on",
    ray: str | None = None,
    max_cells: int | None = None,
) -> SweepResults:
    """Run every unfinished cell of a sweep (awaitable form of :func:`sweep`).

    Args:
        sweep: a SweepPlan, a dict of sweep fields, a YAML file or a preset's name.
        out: the sweep folder (default ``runs/<sweep name>``); finished cells are skipped.
        overrides: changes to the sweep's base config, as for ``--set``.
        cache: the shared response cache: ``on``, ``off`` or ``refresh``.
        ray: run the cells on Ray: ``auto``, ``local`` or a cluster address.
        max_cells: start at most this many unfinished cells (local executor only).

    Raises:
        ConfigError: the sweep or a cell is invalid (before anything runs).
    """
    plan = load_plan(sweep, overrides)
    folder = Path(out) if out is not None else Path("runs") / plan.name
    if ray is not None:
        if max_cells is not None:
            raise ConfigError(["max_cells: only for the local executor (not with ray)"])
        outcome = await asyncio.to_thread(run_sweep, plan, folder, ray=ray, cache=cache)
    else:
        outcome = await run_local(plan, folder, cache=cache, stop_after=max_cells)
    return SweepResults(Results.load(*report_paths(folder, outcome.cells)), outcome)


def sweep(
    sweep: SweepLike,
    out: str | os.PathLike[str] | None = None,
    *,
    overrides: Overrides = None,
    cache: CacheMode = "on",
    ray: str | None = None,
    max_cells: int | None = None,
) -> SweepResults:
    """Run a sweep and return its cells' results; see :func:`sweep_async` for the arguments.

    Works inside a running event loop too (a notebook).
    """
    return _blocking(
        sweep_async(sweep, out, overrides=overrides, cache=cache, ray=ray, max_cells=max_cells)
    )


def estimate(
    target: ConfigLike | SweepLike,
    *,
    overrides: Overrides = None,
    reply_tokens: int | None = None,
) -> DryRun:
    """The dry run: calls, tokens and cost a run or a sweep would make, calling no model.

    Args:
        target: a config or a sweep, in any form :func:`run` or :func:`sweep` takes.
        overrides: changes, as for ``--set``.
        reply_tokens: the assumed reply length (default: each config's ``max_tokens``).

    Raises:
        ConfigError, TaskError: the config is invalid or its task cannot be loaded.
    """
    if _is_sweep(target):
        plan = load_plan(target, overrides)  # type: ignore[arg-type]
        runs = [(c.name, c.config) for c in plan.cells]
    else:
        cfg = load(target, overrides)  # type: ignore[arg-type]
        runs = [(cfg.name, cfg)]
    return _blocking(estimate_runs(runs, reply_tokens=reply_tokens))


def _is_sweep(target: object) -> bool:
    if isinstance(target, SweepPlan):
        return True
    if isinstance(target, str | os.PathLike):
        return is_sweep(read_yaml(_yaml_path(target)))
    return isinstance(target, Mapping) and is_sweep(dict(target))


def load_run(*paths: str | os.PathLike[str]) -> Results:
    """Read runs back: transcript files, run folders or sweep folders (all their cells).

    Raises:
        TranscriptError: a path holds no readable transcript.
    """
    return Results.load(*(Path(p) for p in paths))


__all__ = [
    "ConfigLike",
    "Overrides",
    "SweepLike",
    "SweepResults",
    "estimate",
    "load",
    "load_plan",
    "load_run",
    "run",
    "run_async",
    "sweep",
    "sweep_async",
]
