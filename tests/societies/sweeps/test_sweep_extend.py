"""Extending a sweep folder: more seeds, repeats or grid values run only the new work; the
report covers every cell; a change to recorded results is refused with the field diff."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from societies.cli.app import app
from societies.engine.resume import ConfigChangedError
from societies.sweeps.local import run_local
from societies.sweeps.outcomes import SweepResult
from societies.sweeps.spec import CELLS, load_sweep
from societies.transcript import read_transcript
from tests.helpers.configs import sim_config

BASE = sim_config(task={"name": "arithmetic", "limit": 2}, repeats=1)
TURNS = 2 * 3 * 3  # per cell and repeat: 2 questions, 3 agents, 3 rounds


def _sweep(tmp_path: Path, **fields: Any) -> Path:
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(BASE))
    path = tmp_path / "sweep.yaml"
    doc = {"name": "s", "base": "base.yaml", "grid": {"protocol.strategy": ["01", "10"]}, **fields}
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def _run(path: Path, out: Path) -> SweepResult:
    return asyncio.run(run_local(load_sweep(path), out))


def _calls(result: SweepResult) -> dict[str, int]:
    return {c.name: c.calls for c in result.cells if c.status != "skipped"}


def _header(out: Path, cell: str) -> Any:
    return read_transcript(out / CELLS / cell / "transcript.jsonl").header


def test_more_grid_values_run_only_the_new_cells(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _calls(_run(_sweep(tmp_path), out)) == {"strategy=01": TURNS, "strategy=10": TURNS}
    grown = _run(_sweep(tmp_path, grid={"protocol.strategy": ["01", "10", "11"]}), out)
    assert _calls(grown) == {"strategy=11": TURNS}
    assert [c.status for c in grown.cells] == ["skipped", "skipped", "complete"]


def test_more_repeats_extend_every_cell_with_only_the_new_episodes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _run(_sweep(tmp_path), out)
    grown = _run(_sweep(tmp_path, set={"repeats": 3}), out)
    assert _calls(grown) == {"strategy=01": 2 * TURNS, "strategy=10": 2 * TURNS}
    assert all(c.status == "complete" and c.turns == 3 * TURNS for c in grown.cells)
    header = _header(out, "strategy=01")
    assert header.repeats == 3
    assert [(c.path, c.effect) for c in header.amendments[0].changes] == [("repeats", "extends")]


def test_adding_seeds_takes_over_the_recorded_cells_and_runs_the_new_seed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _run(_sweep(tmp_path), out)
    seeded = _run(_sweep(tmp_path, seeds=[BASE["seed"], 8]), out)  # the base's seed, then a new one
    assert seeded.adopted == [
        ("strategy=01", f"strategy=01__seed={BASE['seed']}"),
        ("strategy=10", f"strategy=10__seed={BASE['seed']}"),
    ]
    assert _calls(seeded) == {
        f"strategy=01__seed={BASE['seed']}": 0,  # taken over: its name amended, nothing re-run
        "strategy=01__seed=8": TURNS,
        f"strategy=10__seed={BASE['seed']}": 0,
        "strategy=10__seed=8": TURNS,
    }
    assert sorted(p.name for p in (out / CELLS).iterdir()) == sorted(c.name for c in seeded.cells)
    header = _header(out, f"strategy=01__seed={BASE['seed']}")
    assert header.name == f"sim[strategy=01__seed={BASE['seed']}]"
    assert [c.path for c in header.amendments[0].changes] == ["name"]


def test_a_change_to_recorded_results_is_refused_with_the_diff_and_runs_nothing(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    _run(_sweep(tmp_path), out)
    before = {p: p.read_bytes() for p in (out / CELLS).rglob("transcript.jsonl")}
    changed = _sweep(tmp_path, set={"generation.temperature": 0.7})
    with pytest.raises(ConfigChangedError) as caught:
        _run(changed, out)
    problems = caught.value.problems
    assert "results of 2 cell(s) already run (strategy=01, strategy=10)" in problems[0]
    assert problems[1:] == [
        "generation.temperature: 0.0 -> 0.7 (changes results) in strategy=01, strategy=10"
    ]
    assert {p: p.read_bytes() for p in (out / CELLS).rglob("transcript.jsonl")} == before


def test_a_scoring_change_is_applied_to_finished_cells_and_recorded(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _run(_sweep(tmp_path), out)
    rescored = _run(_sweep(tmp_path, set={"scoring.truncated": "no-answer"}), out)
    assert _calls(rescored) == {"strategy=01": 0, "strategy=10": 0}
    header = _header(out, "strategy=10")
    assert header.config["scoring"] == {"truncated": "no-answer"}
    assert header.amendments[0].changes[0].path == "scoring.truncated"
    again = _run(_sweep(tmp_path, set={"scoring.truncated": "no-answer"}), out)
    assert [c.status for c in again.cells] == ["skipped", "skipped"]


def test_the_cli_reports_every_cell_of_the_extended_sweep_and_refuses_in_one_line_each(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    first = CliRunner().invoke(app, ["sweep", str(_sweep(tmp_path)), "--out", str(out)])
    assert first.exit_code == 0, first.output
    grown = _sweep(tmp_path, grid={"protocol.strategy": ["01", "11"]}, set={"repeats": 2})
    second = CliRunner().invoke(app, ["sweep", str(grown), "--out", str(out)])
    assert second.exit_code == 0, second.output
    assert "1 folder(s) in cells/ are not cells of this sweep file" in second.output
    md = (out / "report.md").read_text()
    assert "cells/strategy=01" in md and "cells/strategy=11" in md
    assert "cells/strategy=10" not in md  # no longer a cell of the sweep
    refused = CliRunner().invoke(app, ["sweep", str(grown), "--out", str(out), "--set", "seed=11"])
    assert refused.exit_code == 1
    assert "error: seed: 3 -> 11 (changes results) in strategy=01, strategy=11" in refused.output
