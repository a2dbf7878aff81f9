"""Twenty SIGKILLs at random moments, each followed by --resume, end in the uninterrupted transcript.

The kills land anywhere: while Python starts, while the header is written (a cut
header is started over), between turns and inside a turn's line.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from societies.config import parse_config
from societies.engine.experiment import run_experiment
from societies.transcript import read_transcript, strip_volatile
from tests.helpers.configs import sim_config

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
KILLS = 20


def canonical(path: Path) -> list[object]:
    """The transcript's lines without their timing fields."""
    return [strip_volatile(json.loads(x)) for x in path.read_text().splitlines()]


def test_twenty_random_sigkills_resume_to_the_uninterrupted_transcript(tmp_path: Path) -> None:
    data = sim_config(
        task={"name": "arithmetic", "limit": 100},
        repeats=1,
        concurrency=2,
        backends={"sim": {"kind": "scripted", "latency_ms": 60}},
    )
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump(data))
    whole = tmp_path / "whole"
    run_experiment(parse_config(data), whole)
    expected = canonical(whole / "transcript.jsonl")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    rng = random.Random(14)
    killed, folders = 0, 0

    def run(out: Path, timeout: float | None) -> bool:
        """Run (resuming when there is a transcript); False when killed after ``timeout`` s."""
        args = [sys.executable, "-m", "societies.cli", "run", str(config), "--out", str(out)]
        if (out / "transcript.jsonl").exists():
            args.append("--resume")
        proc = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.communicate()
            return False
        assert proc.returncode == 0, err
        return True

    while killed < KILLS:
        folders += 1
        out = tmp_path / f"killed{folders}"
        while killed < KILLS and not run(out, rng.uniform(0.2, 3.0)):
            killed += 1
        if killed == KILLS:
            run(out, None)  # the last resume, to the end
        assert canonical(out / "transcript.jsonl") == expected, f"after {killed} kills"
        turns = read_transcript(out / "transcript.jsonl").turns
        assert len({(t.episode, t.agent, t.round) for t in turns}) == len(turns) == 900
