"""``sociolab validate`` on a sweep reads the data every cell would read and warns per cell."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from societies.cli.app import app


def _sweep(tmp_path: Path, paths: list[str], graphs: dict[str, Any]) -> Path:
    (tmp_path / "x_test.csv").write_text("What is 1+1?,1,2,3,4,B\nWhat is 2+1?,1,2,3,4,C\n")
    doc = {
        "name": "v",
        "base": {
            "name": "v",
            "task": {"name": "mmlu", "path": "x_test.csv"},
            "backends": {"sim": {"kind": "scripted"}},
            "agents": [{"name": "a", "backend": "sim", "count": 3}],
        },
        "grid": {"task.path": paths, "graph": graphs},
    }
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


COMPLETE = {"whole": {"kind": "complete"}}


def test_a_missing_data_file_is_one_line_naming_the_cells_and_exits_2(tmp_path: Path) -> None:
    path = _sweep(tmp_path, ["x_test.csv", "gone.csv"], COMPLETE)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    [line] = [x for x in result.output.splitlines() if x.startswith("error:")]
    assert "(cell path=gone.csv__graph=whole)" in line and "gone.csv" in line
    assert "Traceback" not in result.output


def test_a_valid_sweep_warns_once_per_cell_with_a_disconnected_graph(tmp_path: Path) -> None:
    graphs = {**COMPLETE, "split": {"kind": "edges", "edges": [["a1", "a2"]]}}
    path = _sweep(tmp_path, ["x_test.csv"], graphs)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    warnings = [x for x in result.output.splitlines() if x.startswith("warning:")]
    assert len(warnings) == 1
    assert warnings[0].startswith("warning: cell path=x_test.csv__graph=split: graph:")
    assert "ok: a sweep of 2 cells" in result.output
