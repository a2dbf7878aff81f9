"""The sweep on a real local Ray instance: every cell a Ray task, failing cells retried and reported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from societies.engine.experiment import run_experiment
from societies.sweeps.ray_executor import ATTEMPTS, run_on_ray
from societies.sweeps.spec import CELLS, load_sweep
from societies.transcript import read_transcript, strip_volatile
from tests.helpers.configs import sim_config

pytestmark = pytest.mark.integration

ray = pytest.importorskip("ray", reason="ray is not installed: pip install 'sociolab[ray]'")


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[None]:
    """A real local Ray instance for this module (2 CPUs, no dashboard)."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def write_sweep(tmp_path: Path, sweep: dict[str, Any]) -> Path:
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(sim_config(repeats=1)))
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump({"name": "s", "base": "base.yaml", **sweep}, sort_keys=False))
    return path


TWO_BY_TWO = {
    "grid": {"protocol.strategy": ["01", "10"], "agents.0.trait": ["overconfident", "easy-going"]}
}


def turns_of(path: Path) -> list[Any]:
    return [strip_volatile(t.model_dump(mode="json")) for t in read_transcript(path).turns]


def test_a_sweep_on_ray_runs_every_cell_once_like_a_local_run(
    ray_cluster: None, tmp_path: Path
) -> None:
    plan = load_sweep(write_sweep(tmp_path, TWO_BY_TWO))
    out = tmp_path / "out"
    result = run_on_ray(plan, out, address="auto")
    assert [c.status for c in result.cells] == ["complete"] * 4
    assert all(c.attempts == 1 for c in result.cells)
    for cell in plan.cells:
        folder = out / CELLS / cell.name
        attempts = [json.loads(x) for x in (folder / ATTEMPTS).read_text().splitlines()]
        assert [a["status"] for a in attempts] == ["complete"]
        assert attempts[0]["pid"] != os.getpid()  # it ran in a Ray worker
        run_experiment(cell.config, tmp_path / "alone" / cell.name)
        assert turns_of(folder / "transcript.jsonl") == turns_of(
            tmp_path / "alone" / cell.name / "transcript.jsonl"
        )
    assert (out / "cache.sqlite").exists()  # one response cache, shared by the workers
    again = run_on_ray(plan, out, address="auto")
    assert [c.status for c in again.cells] == ["skipped"] * 4


def test_a_failing_cell_is_retried_then_reported_and_the_others_finish(
    ray_cluster: None, tmp_path: Path
) -> None:
    broken = {"kind": "openai", "model": "m", "base_url": "http://127.0.0.1:9/v1",
              "retry": {"attempts": 1}, "timeout_s": 2}  # fmt: skip
    sweep = {"grid": {"backends.sim": {"ok": {"kind": "scripted"}, "down": broken}}, "retries": 1}
    plan = load_sweep(write_sweep(tmp_path, sweep))
    result = run_on_ray(plan, tmp_path / "out", address="auto")
    by_name = {c.name: c for c in result.cells}
    assert by_name["sim=ok"].status == "complete" and by_name["sim=ok"].attempts == 1
    down = by_name["sim=down"]
    assert down.status == "failed" and down.attempts == 2  # the first try and one retry
    # The endpoint is down: refused at the check before its first call, naming the URL.
    assert "cannot reach http://127.0.0.1:9/v1/models" in down.errors[0]
    assert not result.ok


def test_the_cli_connects_to_the_running_cluster(ray_cluster: None, tmp_path: Path) -> None:
    path = write_sweep(tmp_path, TWO_BY_TWO)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "societies.cli", "sweep", str(path), "--out", str(out),
           "--ray", "auto", "--no-report"]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "4/4 cells complete" in done.stdout
    assert len(list((out / CELLS).glob("*/transcript.jsonl"))) == 4


class _Recorder:
    """A sweep monitor that keeps what the executor told it."""

    def __init__(self) -> None:
        self.total = 0
        self.done = 0
        self.cells = 0

    def started(self, cells: int) -> None:
        self.cells = cells

    def cell_started(self, turns: int, already_done: int) -> None:
        self.total += turns
        self.done += already_done

    def turn(self, event: Any) -> None:
        self.done += 1

    def set_turns(self, done: int) -> None:
        assert done >= self.done  # never goes back
        self.done = done

    def cell_done(self, outcome: Any) -> None:
        return None


def test_ray_progress_counts_against_real_totals_and_a_sweep_extends_on_ray(
    ray_cluster: None, tmp_path: Path
) -> None:
    sweep = {"grid": {"protocol.strategy": ["01", "10"]}, "set": {"task.limit": 2}}
    out = tmp_path / "out"
    first = _Recorder()
    run_on_ray(load_sweep(write_sweep(tmp_path, sweep)), out, address="auto", progress=first)
    per_cell = 2 * 3 * 3  # 2 questions, 1 repeat, 3 agents, 3 rounds
    assert first.total == 2 * per_cell  # was 0: "46/0"
    grown = _Recorder()
    more = {**sweep, "set": {"task.limit": 2, "repeats": 2}}
    result = run_on_ray(
        load_sweep(write_sweep(tmp_path, more)), out, address="auto", progress=grown
    )
    assert grown.total == 2 * 2 * per_cell and grown.done >= 2 * per_cell
    assert [c.status for c in result.cells] == ["complete", "complete"]
    assert [c.calls - c.cache_hits for c in result.cells] == [
        per_cell,
        per_cell,
    ]  # only the new repeat
    for cell in result.cells:
        assert len(read_transcript(cell.folder / "transcript.jsonl").turns) == 2 * per_cell
