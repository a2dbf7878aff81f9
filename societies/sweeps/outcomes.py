"""What both sweep executors share: cell outcomes, the sweep folder's files, the progress interface."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from societies.config import ExperimentConfig
from societies.sweeps.spec import CELLS, Cell, SweepPlan
from societies.transcript import TRANSCRIPT, TurnEvent

CellStatus = Literal["complete", "skipped", "incomplete", "budget", "failed"]
MANIFEST = "sweep.json"
CACHE = "cache.sqlite"


@dataclass
class CellOutcome:
    """How one cell ended in this session."""

    name: str
    folder: Path
    status: CellStatus
    turns: int = 0
    calls: int = 0
    cache_hits: int = 0
    errors: list[str] = field(default_factory=list)
    attempts: int = 1


@dataclass
class SweepResult:
    """What a sweep session did.

    Attributes:
        out_dir: the sweep folder.
        cells: per cell, its outcome.
        calls_made: calls that reached a model (local executor: counted by the shared
            backends; Ray: requests minus cache hits).
        remaining: unfinished cells left for a later session (``--max-cells``).
        folders: every cell's run folder, in the sweep's order (the report reads them).
        adopted: (old, new) names of recorded folders taken over by renamed cells.
        orphans: folders under ``DIR/cells`` that no cell of the sweep names.
    """

    out_dir: Path
    cells: list[CellOutcome]
    calls_made: int = 0
    remaining: int = 0
    folders: list[Path] = field(default_factory=list)
    adopted: list[tuple[str, str]] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        """Calls the cells asked for in this session."""
        return sum(c.calls for c in self.cells)

    @property
    def shared(self) -> int:
        """Calls answered without a model call: cache hits and calls shared between cells."""
        return self.requests - self.calls_made

    @property
    def ok(self) -> bool:
        """Whether every cell is complete."""
        return all(c.status in ("complete", "skipped") for c in self.cells)


def cell_folder(out_dir: Path, cell: Cell) -> Path:
    """Where a cell's run folder is."""
    return out_dir / CELLS / cell.name


def finished(folder: Path, config: ExperimentConfig) -> bool:
    """Whether the cell's transcript is complete under this very config (reads only its first
    and last lines). A run recorded under another config is not: the cell resumes, and its
    run amends the header or refuses (see :mod:`societies.sweeps.extend`); only ``cache``
    (where an executor keeps the shared cache) may differ."""
    path = folder / TRANSCRIPT
    if not path.exists() or path.stat().st_size == 0:
        return False
    with path.open("rb") as fh:
        first = fh.readline()
        fh.seek(max(0, path.stat().st_size - (1 << 16)))  # the end line is the last one
        tail = fh.read().rstrip(b"\n").rsplit(b"\n", 1)[-1]
    try:
        head = json.loads(first)
        recorded = head.get("config_digest"), _but_cache(head.get("config"))
    except (json.JSONDecodeError, AttributeError):
        return False  # unreadable: let the run's resume report it
    if recorded != (config.digest(), _but_cache(config.resolved())):
        return False
    try:
        end = json.loads(tail)
    except json.JSONDecodeError:
        return False
    return isinstance(end, dict) and end.get("type") == "end" and end.get("status") == "complete"


def _but_cache(config: Any) -> Any:
    return {k: v for k, v in config.items() if k != "cache"} if isinstance(config, dict) else None


def write_manifest(plan: SweepPlan, out_dir: Path) -> None:
    """``DIR/sweep.json``: the sweep's name, file and cells (name, labels, config digest)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    doc = {
        "name": plan.name,
        "sweep_file": str(plan.source.resolve()),
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cells": [
            {
                "name": c.name,
                "labels": c.labels,
                "folder": str(Path(CELLS) / c.name),
                "config_digest": c.config.digest(),
            }
            for c in plan.cells
        ],
    }
    (out_dir / MANIFEST).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


class SweepMonitor(Protocol):
    """Receives a sweep's progress (the CLI draws it)."""

    def started(self, cells: int) -> None:
        """The sweep starts with ``cells`` cells."""

    def cell_started(self, turns: int, already_done: int) -> None:
        """A cell starts: its turns join the total."""

    def turn(self, event: TurnEvent) -> None:
        """A turn of some cell completed."""

    def set_turns(self, done: int) -> None:
        """Set the turns done directly (the Ray executor polls the cells' transcripts)."""

    def cell_done(self, outcome: CellOutcome) -> None:
        """A cell finished (or was skipped, or failed)."""


def split_finished(
    plan: SweepPlan, out_dir: Path, progress: SweepMonitor | None
) -> tuple[dict[str, CellOutcome], list[Cell]]:
    """The cells already complete (as ``skipped`` outcomes, shown as done) and the cells to run."""
    outcomes: dict[str, CellOutcome] = {}
    todo: list[Cell] = []
    for cell in plan.cells:
        folder = cell_folder(out_dir, cell)
        if finished(folder, cell.config):
            outcomes[cell.name] = CellOutcome(cell.name, folder, "skipped")
            if progress:
                progress.cell_done(outcomes[cell.name])
        else:
            todo.append(cell)
    return outcomes, todo


def report_paths(out_dir: Path, outcomes: Sequence[CellOutcome]) -> list[Path]:
    """The run folders of the cells that have a transcript."""
    return [o.folder for o in outcomes if (o.folder / TRANSCRIPT).exists()]


__all__ = [
    "CACHE",
    "MANIFEST",
    "CellOutcome",
    "CellStatus",
    "SweepMonitor",
    "SweepResult",
    "cell_folder",
    "finished",
    "report_paths",
    "split_finished",
    "write_manifest",
]
