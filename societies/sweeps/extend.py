"""A sweep file run again on its folder: what it may continue, and what it must refuse.

More grid values or seeds are new cells; more repeats extend each cell's
episodes (its run resumes under the amended config, see
:mod:`societies.engine.resume`). Before any cell starts, every cell already
recorded is compared with its config as the sweep file now writes it: a change
that would alter its results stops the sweep with the field diff. A new axis (or
``seeds:`` where there were none) renames every cell: a recorded folder that no
cell names any more and matches exactly one new cell, with no change to its
results, is taken over by that cell rather than run again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from societies.config.diff import ConfigDiff, FieldChange, diff_configs, merge
from societies.engine.resume import ConfigChangedError
from societies.sweeps.spec import CELLS, Cell, SweepPlan
from societies.transcript import TRANSCRIPT

MAX_CELLS_NAMED = 3
"""Cells named in one line of a refusal before "and N more"."""


def recorded_header(folder: Path) -> dict[str, Any] | None:
    """The raw header of the run in ``folder`` (its first line), or None when there is none."""
    try:
        with (folder / TRANSCRIPT).open("rb") as fh:
            first = fh.readline()
    except OSError:
        return None
    try:
        head = json.loads(first)
    except json.JSONDecodeError:
        return None  # cut or unreadable: the cell's own resume reports it
    return head if isinstance(head, dict) and head.get("type") == "header" else None


def cell_diff(head: dict[str, Any], cell: Cell) -> ConfigDiff:
    """What changed between a recorded header and the cell's current config (and prompt text)."""
    config = diff_configs(head.get("config") or {}, cell.config.resolved())
    recorded = ((head.get("components") or {}).get("prompts") or {}).get("digest")
    now = cell.config.texts.digest()
    prompts = (
        ConfigDiff((FieldChange("prompts (the templates' text)", recorded, now, "results"),))
        if recorded != now
        else ConfigDiff()
    )
    return merge([config, prompts])


def _named(cells: list[str]) -> str:
    shown = ", ".join(cells[:MAX_CELLS_NAMED])
    more = len(cells) - MAX_CELLS_NAMED
    return f"{shown} and {more} more" if more > 0 else shown


def check_recorded(plan: SweepPlan, out_dir: Path) -> None:
    """Refuse when the sweep file, as now written, would change a recorded cell's results.

    Raises:
        ConfigChangedError: one line per changed field, naming the cells it touches.
    """
    by_line: dict[str, list[str]] = {}
    refused: list[str] = []
    for cell in plan.cells:
        head = recorded_header(out_dir / CELLS / cell.name)
        if head is None or head.get("config_digest") == cell.config.digest():
            continue
        diff = cell_diff(head, cell)
        if diff.changes_results:
            refused.append(cell.name)
            for line in diff.lines():
                by_line.setdefault(line, []).append(cell.name)
    if refused:
        head_line = (
            f"{out_dir}: the sweep file changed in a way that would change the results of "
            f"{len(refused)} cell(s) already run ({_named(refused)}): continuing would mix two "
            "experiments; undo the change or choose another --out"
        )
        lines = [f"{line} in {_named(cells)}" for line, cells in by_line.items()]
        raise ConfigChangedError([head_line, *lines])


def adopt_renamed(plan: SweepPlan, out_dir: Path) -> list[tuple[str, str]]:
    """Give recorded folders no cell names any more to the one new cell each matches.

    A folder is taken over (renamed) when its run's config differs from exactly one
    cell without a run of its own in nothing that changes results, and no other such
    folder matches that cell. Returns the (old, new) folder names.
    """
    cells_dir = out_dir / CELLS
    if not cells_dir.is_dir():
        return []
    names = {c.name for c in plan.cells}
    orphans: dict[str, dict[str, Any]] = {}
    for folder in sorted(cells_dir.iterdir()):
        head = folder.name not in names and folder.is_dir() and recorded_header(folder)
        if head:
            orphans[folder.name] = head
    waiting = [c for c in plan.cells if not (cells_dir / c.name).exists()]
    matches = {
        (old, c.name)
        for old, head in orphans.items()
        for c in waiting
        if not cell_diff(head, c).changes_results
    }
    adopted: list[tuple[str, str]] = []
    for old, new in sorted(matches):
        if sum(o == old for o, _ in matches) == 1 and sum(n == new for _, n in matches) == 1:
            (cells_dir / old).rename(cells_dir / new)
            adopted.append((old, new))
    return adopted


def reconcile(plan: SweepPlan, out_dir: Path) -> tuple[list[tuple[str, str]], list[str]]:
    """Before a sweep session: take over renamed cells' folders, then check every recorded cell.

    Returns the folders taken over (old, new) and the folders no cell names.

    Raises:
        ConfigChangedError: a recorded cell's results would change (see :func:`check_recorded`).
    """
    adopted = adopt_renamed(plan, out_dir)
    check_recorded(plan, out_dir)
    return adopted, orphans(plan, out_dir)


def orphans(plan: SweepPlan, out_dir: Path) -> list[str]:
    """Folders under ``DIR/cells`` that no cell of the sweep names (left out of its report)."""
    cells_dir = out_dir / CELLS
    names = {c.name for c in plan.cells}
    if not cells_dir.is_dir():
        return []
    return sorted(p.name for p in cells_dir.iterdir() if p.is_dir() and p.name not in names)


__all__ = [
    "adopt_renamed",
    "cell_diff",
    "check_recorded",
    "orphans",
    "reconcile",
    "recorded_header",
]
