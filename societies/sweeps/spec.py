"""Sweep files: a base config and a grid over its fields; each grid point is a cell (one run).

A sweep file::

    # One line that `sociolab presets` shows.
    name: strategies-x-societies
    base: demo.yaml                  # a config file (relative to this file), or the config inline
    set: {generation.max_tokens: 64} # optional changes to the base (dotted keys)
    grid:                            # dotted key -> values (a list) or label -> value (a mapping)
      protocol.strategy: ["000", "001", "010", "011"]
      agents:
        all-easy-going: [{name: a, trait: easy-going, backend: local, count: 3}]
        all-overconfident: [{name: a, trait: overconfident, backend: local, count: 3}]
    seeds: [0, 1]                    # optional: one more axis over the config seed
    extra:                           # optional: labelled cells outside the grid (a baseline)
      self-consistency: {protocol.strategy: [], agents: [{name: a, trait: neutral, backend: local, count: 3}]}
    max_parallel_cells: null         # local executor: cells in flight at once (default: all)
    retries: 2                       # Ray: attempts after the first for a failing cell

Every combination of the axes (in the order written, seeds last) is a cell,
named ``strategy=001__agents=all-easy-going`` (each axis by the last part of
its key) and run into ``DIR/cells/<name>/``. Lists of plain values label
themselves; other values are labelled by their index unless given as a
mapping of labels. Each ``extra`` cell is the base with its own changes (dotted
keys, like ``set``), not crossed with the grid but with the seeds, and named
``extra=<label>`` (``extra=<label>__seed=0``): a baseline runs next to the grid,
shares its response cache and shows up in the same report. A sweep with ``extra``
cells and no ``grid`` runs only its extra cells (the base holds what they share):
labelled ways of answering the same questions, which the report puts in one
table (:mod:`societies.analysis.ways`).
"""

from __future__ import annotations

import copy
import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from societies.config import ExperimentConfig, parse_config, read_yaml
from societies.config.bounds import MAX_CELLS
from societies.config.errors import format_validation_error
from societies.config.overrides import apply_overrides, set_path
from societies.errors import ConfigError

CELLS = "cells"
"""The sweep folder's subfolder holding one run folder per cell."""


class SweepSpec(BaseModel):
    """A sweep file, validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    base: Path | dict[str, Any] = Field(
        description="a config file (relative to the sweep file) or the config itself"
    )
    set: dict[str, Any] = Field(
        default_factory=dict, description="dotted key -> value, applied to the base"
    )
    grid: dict[str, list[Any] | dict[str, Any]] = Field(
        default_factory=dict, description="dotted key -> values, or -> {label: value}"
    )
    seeds: list[int] | None = Field(None, min_length=1, description="one more axis: the seed")
    extra: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="label -> {dotted key: value}: cells outside the grid (e.g. a baseline), "
        "each the base with these changes, crossed with the seeds",
    )
    max_parallel_cells: int | None = Field(
        None, ge=1, description="local executor: cells in flight at once (default: all)"
    )
    retries: int = Field(2, ge=0, le=20, description="Ray: attempts after the first")


@dataclass(frozen=True)
class Cell:
    """One point of the grid: its name, its axis labels, and its validated config."""

    name: str
    labels: dict[str, str]
    config: ExperimentConfig


@dataclass(frozen=True)
class SweepPlan:
    """A loaded sweep: the spec, where it came from, and every cell."""

    spec: SweepSpec
    source: Path
    cells: list[Cell]

    @property
    def name(self) -> str:
        """The sweep's name."""
        return self.spec.name


def is_sweep(data: Any) -> bool:
    """Whether parsed YAML is a sweep file (it has a ``grid`` or a ``base``)."""
    return isinstance(data, dict) and ("grid" in data or "base" in data)


def _label(value: Any, index: int) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return "-".join(str(v) for v in value) or str(index)
    return str(index)


def _safe(label: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_.+\-]+", "-", label).strip("-.")
    return cleaned[:60] or "x"


def axes(spec: SweepSpec) -> list[tuple[str, list[tuple[str, Any]]]]:
    """Each axis as (dotted key, [(label, value), ...]); the seeds axis last.

    Raises:
        ConfigError: an axis without values, or two values with the same label.
    """
    out: list[tuple[str, list[tuple[str, Any]]]] = []
    for key, values in spec.grid.items():
        if isinstance(values, dict):
            pairs = [(_safe(str(k)), v) for k, v in values.items()]
        else:
            pairs = [(_safe(_label(v, i)), v) for i, v in enumerate(values)]
        out.append((key, pairs))
    if spec.seeds is not None:
        out.append(("seed", [(str(s), s) for s in spec.seeds]))
    for key, pairs in out:
        if not pairs:
            raise ConfigError([f"grid.{key}: no values"])
        counts = Counter(label for label, _ in pairs)
        dupes = sorted(x for x, n in counts.items() if n > 1)
        if dupes:
            raise ConfigError(
                [
                    f"grid.{key}: two values are labelled {dupes[0]!r}: give them labels "
                    "(a mapping of label: value)"
                ]
            )
    return out


def _short_names(keys: Sequence[str]) -> list[str]:
    last = [k.split(".")[-1] for k in keys]
    return [s if last.count(s) == 1 else k for s, k in zip(last, keys, strict=True)]


def _base_data(spec: SweepSpec, source: Path) -> tuple[dict[str, Any], Path, str]:
    """(the base config's data, the folder its paths are relative to, its name for errors)."""
    if isinstance(spec.base, dict):
        return dict(spec.base), source.resolve().parent, f"{source}: base"
    path = spec.base if spec.base.is_absolute() else source.resolve().parent / spec.base
    data = read_yaml(path)
    if is_sweep(data):
        raise ConfigError([f"{source}: base: {path} is itself a sweep; name a config"])
    return data, path.resolve().parent, str(path)


def expand(spec: SweepSpec, source: Path, overrides: Sequence[str] = ()) -> list[Cell]:
    """Every cell of the sweep, each config validated.

    Args:
        spec: the sweep.
        source: the sweep file (relative paths resolve against it).
        overrides: ``key=value`` changes to the base (from ``--set``), before the grid.

    Raises:
        ConfigError: every problem of every cell, one line each (repeated ones once).
    """
    base, base_dir, base_name = _base_data(spec, source)
    base = copy.deepcopy(base)
    for key, value in spec.set.items():
        set_path(base, key.split("."), value, label=f"{source}: set.{key}")
    base = apply_overrides(base, overrides)
    all_axes = axes(spec)
    total = math.prod(len(pairs) for _, pairs in all_axes)
    if total > MAX_CELLS:
        sizes = " x ".join(str(len(pairs)) for _, pairs in all_axes)
        raise ConfigError([f"{source}: grid: {sizes} = {total:,} cells; at most {MAX_CELLS:,}"])
    shorts = _short_names([k for k, _ in all_axes])
    points: list[tuple[dict[str, str], list[tuple[str, Any, str]]]] = []
    # Without a grid, extra cells are the whole sweep (labelled ways, side by side).
    combos = itertools.product(*(pairs for _, pairs in all_axes))
    for combo in combos if spec.grid or not spec.extra else ():
        labels = {short: label for short, (label, _) in zip(shorts, combo, strict=True)}
        changes = [
            (key, value, f"grid.{key}")
            for (key, _), (_, value) in zip(all_axes, combo, strict=True)
        ]
        points.append((labels, changes))
    points += _extra_points(spec, source)
    total = len(points)
    cells: list[Cell] = []
    failed: dict[str, list[str]] = {}  # problem -> the cells it occurs in
    for labels, changes in points:
        name = "__".join(f"{s}={lab}" for s, lab in labels.items()) or "all"
        data = copy.deepcopy(base)
        for key, value, where in changes:
            set_path(data, key.split("."), copy.deepcopy(value), label=f"{source}: {where}")
        data["name"] = f"{data.get('name', spec.name)}[{name}]"
        try:
            cfg = parse_config(data, source=base_name, base_dir=base_dir)
        except ConfigError as exc:
            for p in exc.problems:
                failed.setdefault(p, []).append(name)
            continue
        cells.append(Cell(name, labels, cfg))
    if failed:
        raise ConfigError([_where(p, names, base_name, total) for p, names in failed.items()])
    return cells


def _extra_points(
    spec: SweepSpec, source: Path
) -> list[tuple[dict[str, str], list[tuple[str, Any, str]]]]:
    """Each extra cell (crossed with the seeds) as (labels, [(dotted key, value, where)]).

    Raises:
        ConfigError: two extras with the same label once cleaned for a folder name.
    """
    labels = [_safe(str(label)) for label in spec.extra]
    dupes = sorted({x for x in labels if labels.count(x) > 1})
    if dupes:
        raise ConfigError(
            [f"{source}: extra: two cells are labelled {dupes[0]!r}: give distinct labels"]
        )
    seeds: list[int | None] = list(spec.seeds) if spec.seeds is not None else [None]
    points: list[tuple[dict[str, str], list[tuple[str, Any, str]]]] = []
    for label, (raw, changes) in zip(labels, spec.extra.items(), strict=True):
        for seed in seeds:
            where = [(key, value, f"extra.{raw}.{key}") for key, value in changes.items()]
            if seed is None:
                points.append(({"extra": label}, where))
            else:
                points.append(
                    ({"extra": label, "seed": str(seed)}, [*where, ("seed", seed, "seeds")])
                )
    return points


def _where(problem: str, cells: list[str], source: str, total: int) -> str:
    """A cell's problem, saying which cells have it (once for all of them)."""
    which = (
        "every cell"
        if len(cells) == total and total > 1
        else f"cell {cells[0]}" + (f" and {len(cells) - 1} more" if len(cells) > 1 else "")
    )
    rest = problem.removeprefix(f"{source}: ")
    return f"{source} ({which}): {rest}"


def load_sweep(path: Path | str, overrides: Sequence[str] = ()) -> SweepPlan:
    """Read a sweep file and expand its cells.

    Raises:
        ConfigError: the file or any cell is invalid (one line per problem).
    """
    path = Path(path)
    data = read_yaml(path)
    if not is_sweep(data):
        raise ConfigError(
            [f"{path}: not a sweep file (no grid or base): run a config with `sociolab run`"]
        )
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, data, SweepSpec, str(path))) from None
    return SweepPlan(spec, path, expand(spec, path, overrides))


__all__ = ["CELLS", "Cell", "SweepPlan", "SweepSpec", "axes", "expand", "is_sweep", "load_sweep"]
