"""A server's hostile error text, shown in a real terminal (tmux), changes nothing there.

The error body carries OSC 52 (write the clipboard), a screen clear and a terminal
reset. A control run first prints the same bytes raw, to show that this tmux obeys
them; then ``sociolab run`` meets them in a 400 body and must leave the clipboard
empty and the screen as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.helpers.configs import sim_config
from tests.helpers.fake_openai import FakeServer, running_server

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux"),
]

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "\x1b]52;c;cHduZWQ=\x07\x1b[2J\x1b[3J\x1bc"
MARKER = "MARKER-BEFORE-THE-RUN"


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[list[str]]:
    base = ["tmux", "-L", f"sociolab-{os.getpid()}", "-f", "/dev/null"]
    yield base
    subprocess.run([*base, "kill-server"], capture_output=True, check=False)


def _session(tmux: list[str], command: str) -> str:
    """Run ``command`` in a fresh tmux session (clipboard writes allowed); the screen at its end."""
    subprocess.run([*tmux, "kill-server"], capture_output=True, check=False)
    subprocess.run(
        [
            *tmux,
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "200",
            "-y",
            "50",
            "sleep 0.5; " + command + "; echo DONE-DONE; sleep 60",
        ],
        check=True,
    )
    subprocess.run([*tmux, "set-option", "-s", "set-clipboard", "on"], check=True)
    deadline = time.monotonic() + 120
    screen = ""
    while time.monotonic() < deadline:
        screen = subprocess.run(
            [*tmux, "capture-pane", "-p", "-t", "t"], capture_output=True, text=True, check=True
        ).stdout
        if "DONE-DONE" in screen:
            break
        time.sleep(0.2)
    return screen


def _buffers(tmux: list[str]) -> str:
    return subprocess.run([*tmux, "list-buffers"], capture_output=True, text=True).stdout


def test_hostile_error_text_neither_writes_the_clipboard_nor_clears_the_screen(
    tmux: list[str], tmp_path: Path
) -> None:
    raw = tmp_path / "raw.txt"
    raw.write_text(HOSTILE)
    screen = _session(tmux, f"echo {MARKER}; cat {raw}")
    assert "pwned" in subprocess.run([*tmux, "show-buffer"], capture_output=True, text=True).stdout
    assert MARKER not in screen  # the control: this terminal obeys the sequences

    with running_server(FakeServer(faults=lambda index, body: 400)) as server:
        server.body = json.dumps({"error": {"message": "bad request " + HOSTILE}}).encode()
        data = sim_config(task={"name": "arithmetic", "limit": 3}, repeats=1)
        data["backends"] = {
            "sim": {
                "kind": "openai",
                "model": "fake",
                "base_url": f"http://127.0.0.1:{server.port}/v1",
                "max_concurrency": 1,
                "retry": {"attempts": 1},
            }
        }
        config = tmp_path / "c.yaml"
        config.write_text(yaml.safe_dump(data))
        run = (
            f"cd {ROOT} && PYTHONPATH={ROOT} {sys.executable} -m societies.cli run {config} "
            f"--out {tmp_path / 'run'} --no-cache"
        )
        screen = _session(tmux, f"echo {MARKER}; {run}")
        assert server.requests >= 1
    assert MARKER in screen, screen
    assert "error:" in screen and "bad request" in screen, screen
    assert _buffers(tmux) == "", "the clipboard was written"
