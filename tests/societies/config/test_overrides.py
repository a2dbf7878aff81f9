"""A whole new ``task`` keeps the old task's scoring rule (``--set``, a sweep's set and grid)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from societies.config import apply_overrides, parse_config
from societies.config.overrides import kept_task
from societies.sweeps.spec import load_sweep
from tests.helpers.configs import sim_config

STUDY_MMLU = {"name": "mmlu", "path": "old.jsonl", "extraction": "machinesom", "limit": 5}


def _task_after(*overrides: str, task: dict[str, Any] | None = None) -> Any:
    data = sim_config(task=dict(task or STUDY_MMLU))
    return apply_overrides(data, list(overrides))["task"]


def test_a_whole_task_keeps_the_extraction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    task = _task_after("task={name: mmlu, path: new.jsonl}")  # the path as typed: from here
    assert task == {"name": "mmlu", "path": str(tmp_path / "new.jsonl"), "extraction": "machinesom"}
    cfg = parse_config(sim_config(task=task))
    assert cfg.task.model_dump()["extraction"] == "machinesom"


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        ({"name": "mmlu", "extraction": "default"}, "default"),  # the new mapping decides
        ({"name": "chess"}, "machinesom"),  # another task with the field
        ({"name": "math", "path": "m.jsonl"}, "machinesom"),
        ({"name": "arithmetic"}, None),  # has the field, but no machinesom rule
        ({"name": "gsm8k"}, None),  # no such field: nothing carried
        ({"name": "nosuchtask"}, None),
    ],
)
def test_what_is_carried(new: dict[str, Any], expected: str | None) -> None:
    assert kept_task(STUDY_MMLU, new).get("extraction") == expected
    assert kept_task({"name": "mmlu"}, new) == new  # nothing to carry
    assert kept_task(STUDY_MMLU, "not a mapping") == "not a mapping"


def test_a_path_override_keeps_everything_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    task = _task_after("task.path=new.jsonl")
    assert task == {**STUDY_MMLU, "path": str(tmp_path / "new.jsonl")}
    cfg = parse_config(sim_config(task=task))
    assert cfg.task.model_dump()["extraction"] == "machinesom"


def test_a_value_the_new_task_accepts_is_carried() -> None:
    du = {"name": "arithmetic", "extraction": "du2023"}
    assert kept_task(du, {"name": "arithmetic", "limit": 3})["extraction"] == "du2023"
    assert "extraction" not in kept_task(du, {"name": "mmlu"})


def test_only_the_whole_task_is_special() -> None:
    data = sim_config(task=dict(STUDY_MMLU), other={"extraction": "machinesom"})
    out = apply_overrides(data, ["other={name: mmlu}", "task.name=chess"])
    assert out["other"] == {"name": "mmlu"}
    assert out["task"]["extraction"] == "machinesom" and out["task"]["name"] == "chess"


def test_a_sweeps_set_and_grid_keep_the_extraction(tmp_path: Path) -> None:
    base = sim_config(repeats=1, task={"name": "chess", "limit": 2, "extraction": "machinesom"})
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(base))
    sweep = {
        "name": "s",
        "base": "base.yaml",
        "set": {"task": {"name": "chess", "limit": 3}},
        "grid": {
            "task": [{"name": "chess", "limit": 1}, {"name": "chess", "extraction": "default"}]
        },
    }
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(sweep, sort_keys=False))
    cells = load_sweep(path).cells
    assert [c.config.task.model_dump()["extraction"] for c in cells] == ["machinesom", "default"]
    plan = load_sweep(path, ["task={name: chess, limit: 2}"])
    assert [c.config.task.model_dump()["extraction"] for c in plan.cells] == [
        "machinesom",
        "default",
    ]
    only_set = {**sweep, "grid": {"seed": [1]}}
    path.write_text(yaml.safe_dump(only_set, sort_keys=False))
    (cell,) = load_sweep(path).cells
    assert cell.config.task.model_dump()["extraction"] == "machinesom"
    assert cell.config.task.limit == 3
