"""The study presets: the studies' items, prompts, scoring and shape, and the data folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.data_dir import DATA_ENV, resolve_data_path
from societies.config import load_config
from societies.config.presets import locate
from societies.errors import ConfigError
from societies.sweeps.spec import load_sweep

STUDY_TASKS = {"mmlu": 50, "math": 50, "chess": 50}


@pytest.fixture
def data_env(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(DATA_ENV, str(shared_data))
    return shared_data


@pytest.mark.parametrize("task", sorted(STUDY_TASKS))
def test_machinesom_presets_run_the_study_grid_on_its_items(task: str, data_env: Path) -> None:
    plan = load_sweep(locate(Path(f"machinesom-{task}")))
    grid = [c for c in plan.cells if "extra" not in c.labels]
    extra = [c for c in plan.cells if "extra" in c.labels]
    assert (len(grid), len(extra)) == (32, 4)
    # The study's self-consistency baseline: each society's round 0 alone, same agents.
    assert all(c.config.protocol.rounds == [] for c in extra)  # type: ignore[union-attr]
    assert {tuple(a.trait for a in c.config.agents) for c in extra} == {
        tuple(a.trait for a in c.config.agents) for c in grid
    }
    cfgs = [c.config for c in plan.cells]
    assert {c.task.path for c in cfgs} == {data_env / "machinesom" / f"{task}.jsonl"}
    assert {c.prompts for c in cfgs} == {"machinesom"} and {c.decision for c in cfgs} == {
        "machinesom"
    }
    assert {getattr(c.task, "extraction", None) for c in cfgs} == {"machinesom"}
    assert {(c.generation.temperature, c.generation.top_p, c.repeats) for c in cfgs} == {
        (0.75, 0.95, 5)
    }
    # The study's societies: --role = number of easy-going agents, overconfident agents first.
    for cell in plan.cells:
        traits = [a.trait for a in cell.config.agents]
        easy = traits.count("easy-going")
        assert traits == ["overconfident"] * (3 - easy) + ["easy-going"] * easy
    assert {c.labels["strategy"] for c in grid} == {f"{i:03b}" for i in range(8)}
    assert len(cfgs[0].task.build().questions()) == STUDY_TASKS[task]


def test_pointing_a_study_preset_at_other_data_keeps_its_scoring(
    data_env: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other.jsonl"
    other.write_text((data_env / "machinesom" / "mmlu.jsonl").read_text().splitlines()[0] + "\n")
    plan = load_sweep(locate(Path("machinesom-mmlu")), [f"task.path={other}"])
    assert {
        (c.config.task.path, getattr(c.config.task, "extraction", None)) for c in plan.cells
    } == {(other, "machinesom")}


def test_du_arithmetic_runs_du_items_prompts_parser_and_rule() -> None:
    cfg = load_config(locate(Path("du-arithmetic")))
    assert (cfg.prompts, cfg.decision) == ("du2023", "du2023")
    assert getattr(cfg.task, "extraction", None) == "du2023"
    questions = cfg.task.build().questions()
    assert len(questions) == 100
    rng = np.random.RandomState(0)  # Du's np.random.seed(0), then one randint per item
    a, b, c, d, e, f = rng.randint(0, 30, size=6)
    assert questions[0].prompt == f"What is the result of {a}+{b}*{c}+{d}-{e}*{f}?"
    assert cfg.protocol.rounds == ["debate", "debate"]  # type: ignore[union-attr]
    assert len(cfg.agent_list()) == 3


def test_data_paths_resolve_in_the_data_folder_or_say_how_to_set_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    assert resolve_data_path("data:machinesom/x.jsonl") == tmp_path.resolve() / "machinesom/x.jsonl"
    assert resolve_data_path("plain/x.jsonl") == Path("plain/x.jsonl")
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match=f"{DATA_ENV}=.*missing is not a folder"):
        load_sweep(locate(Path("machinesom-mmlu")))
