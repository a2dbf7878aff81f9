"""The README's "From Python" example runs as written."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest
import yaml

from tests.helpers.configs import sim_config

README = Path(__file__).parents[2] / "README.md"


def example() -> str:
    """The first python block of the section "From Python"."""
    section = README.read_text(encoding="utf-8").split("## From Python", 1)[1]
    found = re.search(r"```python\n(.*?)```", section, re.S)
    assert found is not None, "README: From Python has no python example"
    return found.group(1)


def run_example(code: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(folder)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, str(README), "exec"), {"__name__": "readme"})
    return printed.getvalue()


def test_the_example_runs_on_a_simulated_society(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The example with the preset swapped for a scripted society (fast, no model)."""
    config = tmp_path / "sim.yaml"
    config.write_text(yaml.safe_dump(sim_config(repeats=1)), encoding="utf-8")
    code = example()
    assert code.count('"demo"') == 2
    printed = run_example(code.replace('"demo"', repr(str(config))), tmp_path, monkeypatch)
    assert printed.startswith("['complete']\n")
    assert (tmp_path / "runs" / "py-demo" / "transcript.jsonl").exists()


@pytest.mark.integration
def test_the_example_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On the demo preset: the embedded SmolLM2 model on the hf backend."""
    pytest.importorskip("pandas")
    printed = run_example(example(), tmp_path, monkeypatch)
    assert printed.startswith("['complete']\n")
