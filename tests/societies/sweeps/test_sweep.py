"""Sweeps: grid expansion, the local executor (shared backends and cache), interrupt and resume."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from societies.cli.app import app
from societies.config import parse_config
from societies.engine.dry_run import dry_run
from societies.engine.experiment import run_experiment
from societies.errors import ConfigError, RunError
from societies.sweeps.local import run_local
from societies.sweeps.spec import CELLS, load_sweep
from societies.transcript import read_transcript, strip_volatile
from tests.helpers.configs import sim_config

STRATEGIES = ["000", "001", "010", "011", "100", "101", "110", "111"]


def write_sweep(tmp_path: Path, sweep: dict[str, Any], base: dict[str, Any] | None = None) -> Path:
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(base or sim_config(repeats=1)))
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump({"name": "s", "base": "base.yaml", **sweep}, sort_keys=False))
    return path


def two_by_two(**extra: Any) -> dict[str, Any]:
    return {
        "grid": {
            "protocol.strategy": ["01", "10"],
            "agents.0.trait": ["overconfident", "easy-going"],
        },
        **extra,
    }


def turns_of(path: Path) -> list[Any]:
    """A transcript's turns without timing or cache fields (for comparing runs)."""
    t = read_transcript(path)
    return [strip_volatile(x.model_dump(mode="json")) for x in t.turns]


# -- expansion --------------------------------------------------------------------------------


def test_the_grid_expands_to_named_cells_with_dotted_paths_and_seeds(tmp_path: Path) -> None:
    path = write_sweep(tmp_path, {**two_by_two(), "seeds": [1, 2], "set": {"repeats": 3}})
    plan = load_sweep(path)
    assert len(plan.cells) == 8
    first = plan.cells[0]
    assert first.name == "strategy=01__trait=overconfident__seed=1"
    assert first.labels == {"strategy": "01", "trait": "overconfident", "seed": "1"}
    assert first.config.protocol.rounds == ["debate", "reflection"]  # type: ignore[union-attr]
    assert first.config.agents[0].trait == "overconfident" and first.config.repeats == 3
    last = plan.cells[-1]
    assert last.config.seed == 2 and last.config.agents[0].trait == "easy-going"
    assert len({c.name for c in plan.cells}) == 8
    assert len({c.config.digest() for c in plan.cells}) == 8


def test_values_without_plain_labels_take_their_index_or_the_given_label(tmp_path: Path) -> None:
    societies = {"calm": [{"name": "a", "backend": "sim", "count": 3}]}
    lists = [[{"name": "a", "backend": "sim"}], [{"name": "b", "backend": "sim"}]]
    plan = load_sweep(write_sweep(tmp_path, {"grid": {"agents": societies}}))
    assert [c.name for c in plan.cells] == ["agents=calm"]
    assert [a[0] for a in plan.cells[0].config.agent_list()] == ["a1", "a2", "a3"]
    plan = load_sweep(write_sweep(tmp_path, {"grid": {"agents": lists}}))
    assert [c.name for c in plan.cells] == ["agents=0", "agents=1"]


def test_bad_cells_are_reported_one_line_each(tmp_path: Path) -> None:
    path = write_sweep(tmp_path, {"grid": {"agents.0.trait": ["easy-going", "calm", "shy"]}})
    with pytest.raises(ConfigError) as info:
        load_sweep(path)
    lines = info.value.problems
    assert len(lines) == 2
    assert all("(cell trait=" in ln and "agents[0].trait: unknown trait" in ln for ln in lines)
    with pytest.raises(ConfigError, match="not an index of a list of 3"):
        load_sweep(write_sweep(tmp_path, {"grid": {"agents.7.trait": ["easy-going"]}}))
    with pytest.raises(ConfigError, match=r"grid\.x: two values are labelled 'v'"):
        load_sweep(write_sweep(tmp_path, {"grid": {"x": ["v", "v"]}}))
    result = CliRunner().invoke(app, ["sweep", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "Traceback" not in result.output


# -- the local executor -----------------------------------------------------------------------


def test_a_local_sweep_runs_every_cell_like_a_run_of_its_own(tmp_path: Path) -> None:
    plan = load_sweep(write_sweep(tmp_path, two_by_two()))
    out = tmp_path / "out"
    result = asyncio.run(run_local(plan, out))
    assert result.ok and [c.status for c in result.cells] == ["complete"] * 4
    for cell in plan.cells:
        alone = tmp_path / "alone" / cell.name
        run_experiment(cell.config, alone)
        swept = out / CELLS / cell.name / "transcript.jsonl"
        assert turns_of(swept) == turns_of(alone / "transcript.jsonl")
    manifest = json.loads((out / "sweep.json").read_text())
    assert [c["name"] for c in manifest["cells"]] == [c.name for c in plan.cells]
    # A second session finds every cell finished and makes no call.
    again = asyncio.run(run_local(plan, out))
    assert [c.status for c in again.cells] == ["skipped"] * 4
    assert again.calls_made == 0


def test_cells_share_identical_calls_machinesom_first_rounds(tmp_path: Path) -> None:
    base = sim_config(task={"name": "arithmetic", "limit": 3}, repeats=2)
    plan = load_sweep(write_sweep(tmp_path, {"grid": {"protocol.strategy": STRATEGIES}}, base))
    result = asyncio.run(run_local(plan, tmp_path / "out"))
    episodes = 3 * 2
    assert result.requests == 8 * episodes * 3 * 4
    # Per episode: round 0 is the same in all 8 strategies, round 1 in 2 kinds, round 2
    # in 4, round 3 in 8: (1 + 2 + 4 + 8) x 3 agents = 45 calls instead of 96.
    assert result.calls_made == episodes * 45
    assert result.shared == result.requests - episodes * 45
    cached = sum(c.cache_hits for c in result.cells)
    assert cached == result.shared  # each cell counts what it got from the others
    estimate = dry_run([(c.name, c.config) for c in plan.cells])
    assert (estimate.requests, estimate.calls) == (result.requests, result.calls_made)


def test_a_cell_whose_backend_fails_is_reported_and_the_others_finish(tmp_path: Path) -> None:
    broken = {"kind": "openai", "model": "m", "base_url": "http://127.0.0.1:9/v1",
              "retry": {"attempts": 1}, "timeout_s": 2}  # fmt: skip
    sweep = {"grid": {"backends.sim": {"ok": {"kind": "scripted"}, "down": broken}}}
    plan = load_sweep(write_sweep(tmp_path, sweep))
    result = asyncio.run(run_local(plan, tmp_path / "out"))
    status = {c.name: c.status for c in result.cells}
    # The endpoint is down: the cell fails at the check before its first call, naming it.
    assert status == {"sim=ok": "complete", "sim=down": "failed"}
    down = next(c for c in result.cells if c.name == "sim=down")
    assert down.errors and "cannot reach http://127.0.0.1:9/v1/models" in down.errors[0]
    assert not result.ok


def test_max_cells_stops_early_and_the_next_session_does_the_rest(tmp_path: Path) -> None:
    path = write_sweep(tmp_path, two_by_two())
    out = tmp_path / "out"
    first = CliRunner().invoke(app, ["sweep", str(path), "--out", str(out), "--max-cells", "1"])
    assert first.exit_code == 0, first.output
    assert "1/4 cells complete" in first.output and "3 cells left" in first.output
    done = [p.parent.name for p in (out / CELLS).glob("*/transcript.jsonl")]
    assert len(done) == 1
    second = CliRunner().invoke(app, ["sweep", str(path), "--out", str(out), "--no-report"])
    assert second.exit_code == 0, second.output
    assert "4/4 cells complete (1 finished before)" in second.output


def test_the_sweep_command_ends_with_the_combined_report(tmp_path: Path) -> None:
    path = write_sweep(tmp_path, two_by_two())
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["sweep", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "society decision by round" in result.output
    assert (out / "report.md").exists() and (out / "metrics.csv").exists()
    md = (out / "report.md").read_text()
    assert md.count("cells/") >= 4  # every cell's run is listed


def test_a_changed_sweep_does_not_mix_with_finished_cells(tmp_path: Path) -> None:
    path = write_sweep(tmp_path, two_by_two())
    asyncio.run(run_local(load_sweep(path), tmp_path / "out"))
    changed = write_sweep(tmp_path, two_by_two(), sim_config(repeats=1, seed=99))
    with pytest.raises(RunError, match=r"seed: 3 -> 99 \(changes results\) in strategy=01"):
        asyncio.run(run_local(load_sweep(changed), tmp_path / "out"))


@pytest.mark.integration
def test_a_killed_sweep_resumes_and_finishes_every_cell_exactly_once(tmp_path: Path) -> None:
    base = sim_config(
        task={"name": "arithmetic", "limit": 6},
        repeats=1,
        concurrency=1,
        backends={"sim": {"kind": "scripted", "latency_ms": 15}},
    )
    path = write_sweep(tmp_path, two_by_two(max_parallel_cells=1), base)
    plan = load_sweep(path)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "societies.cli", "sweep", str(path), "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    first = out / CELLS / plan.cells[0].name / "transcript.jsonl"
    second = out / CELLS / plan.cells[1].name / "transcript.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ended = first.exists() and b'"type":"end"' in first.read_bytes()
        if ended and second.exists() and second.read_bytes().count(b"\n") > 5:
            break
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    finished_bytes = first.read_bytes()
    partial = read_transcript(second)
    assert partial.end is None and 0 < len(partial.turns) < 54

    resumed = subprocess.run([*cmd, "--no-report"], capture_output=True, text=True, check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert "4/4 cells complete (1 finished before)" in resumed.stdout
    assert first.read_bytes() == finished_bytes  # not run again
    for cell in plan.cells:
        t = read_transcript(out / CELLS / cell.name / "transcript.jsonl")
        keys = [(x.episode, x.agent, x.round) for x in t.turns]
        assert len(keys) == len(set(keys)) == 6 * 3 * 3
        assert t.end is not None and t.end.status == "complete"
        alone = tmp_path / "alone" / cell.name
        run_experiment(parse_config(cell.config.resolved()), alone)
        assert turns_of(out / CELLS / cell.name / "transcript.jsonl") == turns_of(
            alone / "transcript.jsonl"
        )
