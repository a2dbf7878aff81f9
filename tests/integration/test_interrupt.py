"""Ctrl-C on ``sociolab run`` says how to continue (exit 130), and --resume then finishes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from societies.transcript import read_transcript
from tests.helpers.configs import sim_config

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def test_sigint_on_run_prints_the_resume_line_and_resume_completes(tmp_path: Path) -> None:
    data = sim_config(concurrency=1)
    data["backends"]["sim"]["latency_ms"] = 100
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump(data))
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "societies.cli", "run", str(config), "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    transcript = out / "transcript.jsonl"
    while proc.poll() is None and (
        not transcript.exists() or transcript.read_bytes().count(b"\n") < 4
    ):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted: the transcript so far is kept; continue with --resume" in err
    done = subprocess.run([*cmd, "--resume"], cwd=ROOT, env=env, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert len(read_transcript(transcript).turns) == 108
