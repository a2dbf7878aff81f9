"""Resume after a real SIGKILL, and exact reruns."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from societies.config import parse_config
from societies.engine.experiment import run_experiment
from societies.transcript import read_transcript, strip_volatile
from tests.helpers.configs import sim_config

pytestmark = pytest.mark.integration


def canonical(path: Path) -> list[object]:
    return [strip_volatile(json.loads(x)) for x in path.read_text().splitlines()]


def slow_config(tmp_path: Path) -> Path:
    data = sim_config(
        task={"name": "arithmetic", "limit": 30},
        repeats=1,
        concurrency=2,
        backends={"sim": {"kind": "scripted", "latency_ms": 40}},
    )
    path = tmp_path / "slow.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_resume_after_sigkill_matches_an_uninterrupted_run(tmp_path: Path) -> None:
    config = slow_config(tmp_path)
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "societies.cli", "run", str(config), "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    transcript = out / "transcript.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if transcript.exists() and transcript.read_bytes().count(b"\n") > 60:
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # Power loss mid-write: a torn last line.
    with transcript.open("ab") as fh:
        fh.write(b'{"type":"turn","episode":3,"question_id":"ari')
    before = read_transcript(transcript)
    assert before.end is None and before.dropped_partial_line
    done = len(before.turns)
    assert 0 < done < 270

    resumed = subprocess.run(
        [sys.executable, "-m", "societies.cli", "run", str(config), "--out", str(out), "--resume"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr
    after = read_transcript(transcript)
    keys = [(t.episode, t.agent, t.round) for t in after.turns]
    assert len(keys) == len(set(keys)) == 270
    assert after.end is not None and after.end.session["sim"]["calls"] == 270 - done

    run_experiment(parse_config(yaml.safe_load(config.read_text())), tmp_path / "whole")
    assert canonical(transcript) == canonical(tmp_path / "whole" / "transcript.jsonl")


def test_without_resume_an_existing_run_is_not_overwritten(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump(sim_config(task={"name": "arithmetic", "limit": 1})))
    args = [sys.executable, "-m", "societies.cli", "run", str(config), "--out", str(tmp_path / "o")]
    assert subprocess.run(args, capture_output=True, check=False).returncode == 0
    again = subprocess.run(args, capture_output=True, text=True, check=False)
    assert again.returncode == 1
    assert "already exists: pass --resume" in again.stderr and "Traceback" not in again.stderr


def test_resume_refuses_a_different_config(tmp_path: Path) -> None:
    first = sim_config(task={"name": "arithmetic", "limit": 2})
    run_experiment(parse_config(first), tmp_path)
    other = sim_config(task={"name": "arithmetic", "limit": 2}, seed=99)
    from societies.errors import RunError

    with pytest.raises(RunError, match=r"seed: 3 -> 99 \(changes results\)"):
        run_experiment(parse_config(other), tmp_path, resume=True)
    # execution settings may change on resume
    run_experiment(parse_config({**first, "concurrency": 1}), tmp_path, resume=True)


def test_scripted_reruns_are_byte_identical_apart_from_timing(tmp_path: Path) -> None:
    data = sim_config(graph={"kind": "ring"}, agents=[{"name": "n", "backend": "sim", "count": 6}])
    run_experiment(parse_config(data), tmp_path / "a")
    run_experiment(parse_config(data), tmp_path / "b")
    assert canonical(tmp_path / "a" / "transcript.jsonl") == canonical(
        tmp_path / "b" / "transcript.jsonl"
    )
    changed = sim_config(
        graph={"kind": "ring"}, agents=[{"name": "n", "backend": "sim", "count": 6}], seed=4
    )
    run_experiment(parse_config(changed), tmp_path / "c")
    a = [t.reply for t in read_transcript(tmp_path / "a" / "transcript.jsonl").turns]
    c = [t.reply for t in read_transcript(tmp_path / "c" / "transcript.jsonl").turns]
    assert a != c  # the seed matters
