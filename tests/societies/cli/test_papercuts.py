"""Small things of the command line: --version, preset names against folders, distinct demos."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from societies.cli.app import app
from societies.config.presets import PRESETS_DIR, locate


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"sociolab {version('sociolab')}"


def test_a_preset_name_wins_over_a_folder_unless_the_path_is_explicit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "demo").mkdir()  # e.g. the run folder of an earlier demo
    assert locate("demo") == PRESETS_DIR / "demo.yaml"
    assert locate("./demo") == Path("demo")
    assert locate("demo.yaml") == Path("demo.yaml")
    assert locate("runs/demo") == Path("runs/demo")
    assert locate("no-such-preset") == Path("no-such-preset")
    result = CliRunner().invoke(app, ["validate", "demo"])
    assert result.exit_code == 0, result.output
    assert "demo.yaml: ok" in result.output
    # an explicit path to a folder is read as that path, and fails as one
    assert CliRunner().invoke(app, ["validate", "./demo"]).exit_code == 2


def test_demo_presets_have_distinct_names() -> None:
    names = [
        yaml.safe_load((PRESETS_DIR / f"{p}.yaml").read_text())["name"]
        for p in ("demo", "demo-llamacpp")
    ]
    assert len(set(names)) == 2
