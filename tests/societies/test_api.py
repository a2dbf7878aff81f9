"""The Python API: run, sweep, estimate and load_run, from scripts and from notebooks."""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import societies
from societies.analysis.results import Results
from societies.config import load_config, parse_config
from societies.errors import ConfigError
from tests.conftest import HOST_GC_THRESHOLD
from tests.helpers.configs import sim_config

TURNS = 6 * 2 * 3 * 3  # questions x repeats x agents x rounds of sim_config


def test_run_accepts_a_dict_and_returns_its_results(tmp_path: Path) -> None:
    results = societies.run(sim_config(), out=tmp_path / "run")
    assert isinstance(results, Results) and results.status == ["complete"]
    assert len(results.turns) == TURNS
    assert results.header.name == "sim"
    overall = results.metrics.overall
    assert len(overall.runs) == 1 and overall.measures.episodes == 12
    assert overall.measures.turns == TURNS
    again = societies.load_run(tmp_path / "run")
    assert [t.reply for t in again.turns] == [t.reply for t in results.turns]


def test_run_accepts_a_yaml_file_and_both_kinds_of_overrides(tmp_path: Path) -> None:
    path = tmp_path / "sim.yaml"
    path.write_text(yaml.safe_dump(sim_config()), encoding="utf-8")
    by_strings = societies.run(path, tmp_path / "a", overrides=["repeats=1", "seed=9"])
    by_mapping = societies.run(str(path), tmp_path / "b", overrides={"repeats": 1, "seed": 9})
    assert by_strings.header.repeats == by_mapping.header.repeats == 1
    assert by_strings.header.seed == 9
    assert [t.reply for t in by_strings.turns] == [t.reply for t in by_mapping.turns]
    assert len(by_mapping.turns) == TURNS // 2


def test_run_accepts_a_config_object_and_reruns_are_identical(tmp_path: Path) -> None:
    cfg = parse_config(sim_config())
    a = societies.run(cfg, tmp_path / "a")
    b = societies.run(cfg, tmp_path / "b")
    assert [(t.agent, t.answer) for t in a.turns] == [(t.agent, t.answer) for t in b.turns]


def test_sync_run_works_inside_a_running_event_loop(tmp_path: Path) -> None:
    async def notebook_cell() -> Results:
        asyncio.get_running_loop()  # as in Jupyter: a loop is running
        return societies.run(sim_config(), out=tmp_path / "nb")

    results = asyncio.run(notebook_cell())
    assert results.status == ["complete"] and len(results.turns) == TURNS


def _tail(line: str) -> str:
    """A problem line without its source (the file, or ``<ExperimentConfig 'sim'>``)."""
    return line.split(": ", 1)[1]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"trait": "nope"}, "agents[0].trait: unknown trait 'nope'"),
        ({"backend": "elsewhere"}, "agents[0].backend: unknown backend 'elsewhere'"),
    ],
)
def test_a_config_built_in_python_is_checked_like_yaml(
    tmp_path: Path, change: dict[str, str], field: str
) -> None:
    good = parse_config(sim_config())
    agents = [good.agents[0].model_copy(update=change), *good.agents[1:]]
    bad = good.model_copy(update={"agents": agents})  # model_copy skips validation
    with pytest.raises(ConfigError) as from_python:
        societies.run(bad, out=tmp_path / "never")
    assert not (tmp_path / "never").exists()  # raised before anything ran

    data = sim_config()
    data["agents"][0].update(change)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ConfigError) as from_yaml:
        load_config(path)
    assert [_tail(p) for p in from_python.value.problems] == [
        _tail(p) for p in from_yaml.value.problems
    ]
    assert len(from_python.value.problems) == 1
    assert from_python.value.problems[0].startswith("<ExperimentConfig 'sim'>: " + field)
    with pytest.raises(ConfigError) as from_dict:
        societies.run(data, out=tmp_path / "never")
    assert [_tail(p) for p in from_dict.value.problems] == [
        _tail(p) for p in from_yaml.value.problems
    ]


def test_a_sweep_file_given_to_run_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="this is a sweep"):
        societies.run({"name": "s", "base": sim_config(), "grid": {"seed": [1, 2]}})


def test_estimate_counts_calls_without_running(tmp_path: Path) -> None:
    d = societies.estimate(sim_config(), overrides={"repeats": 1})
    assert d.requests == TURNS // 2
    assert not list(tmp_path.iterdir())
    sweep = {"name": "s", "base": sim_config(repeats=1), "grid": {"seed": [1, 2]}}
    assert len(societies.estimate(sweep).runs) == 2


def test_sweep_runs_every_cell_and_load_run_reads_them_back(tmp_path: Path) -> None:
    spec = {"name": "s", "base": sim_config(repeats=1), "grid": {"seed": [1, 2]}}
    results = societies.sweep(spec, out=tmp_path / "s")
    assert [c.status for c in results.outcome.cells] == ["complete", "complete"]
    assert len(results) == 2 and len(results.turns) == TURNS
    assert len(results.metrics.overall.runs) == 2
    again = societies.sweep(spec, out=tmp_path / "s")  # finished cells are skipped
    assert [c.status for c in again.outcome.cells] == ["skipped", "skipped"]
    assert len(societies.load_run(tmp_path / "s")) == 2


async def test_overlapping_api_runs_leave_gc_state_as_found(tmp_path: Path, host_gc: int) -> None:
    a, b = await asyncio.gather(
        societies.run_async(sim_config(), tmp_path / "a"),
        societies.run_async(sim_config(seed=4), tmp_path / "b"),
    )
    assert a.status == b.status == ["complete"]
    assert gc.get_threshold() == HOST_GC_THRESHOLD
    assert gc.get_freeze_count() > host_gc // 2  # the host's frozen objects stay frozen


def test_importing_societies_does_not_load_the_engine() -> None:
    code = (
        "import sys, societies, societies.transcript, societies.analysis.results\n"
        "loaded = [m for m in ('societies.api', 'societies.engine', 'societies.sweeps')"
        " if m in sys.modules]\n"
        "assert not loaded, loaded\n"
        "societies.run\n"
        "assert 'societies.api' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])


def test_every_config_preset_survives_the_python_round_trip() -> None:
    """A config object is re-validated from its dump: nothing may change on the way."""
    from societies.api import load
    from societies.config.presets import list_presets

    configs = [p for p in list_presets() if p.kind == "config"]
    assert configs
    for preset in configs:
        cfg = load_config(preset.path)
        assert load(cfg) == cfg, preset.name
        assert load(preset.name) == cfg, preset.name


def test_a_config_built_from_models_runs(tmp_path: Path) -> None:
    from agents.backends import ScriptedSpec
    from benchmarks import ArithmeticSpec
    from societies.config import AgentSpec, ExperimentConfig

    cfg = ExperimentConfig(
        name="built",
        task=ArithmeticSpec(limit=2),
        backends={"sim": ScriptedSpec()},  # its kind is a default, not set: still written
        agents=[AgentSpec(name="a", trait="easy-going", backend="sim", count=3)],
    )
    results = societies.run(cfg, tmp_path / "built")
    assert results.status == ["complete"]
    assert {t.agent for t in results.turns} == {"a1", "a2", "a3"}
