"""``sociolab replay --step`` in a real terminal: tmux runs it, send-keys types, capture-pane reads.

The screen is what a person sees: keys go through the terminal to readchar,
and rich draws for the pane's real size. Without tmux the test skips, which
fails under ``CI=true`` (``scripts/test.sh`` installs tmux when it is missing).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from societies.transcript.synthetic import write_transcript
from tests.societies.cli.test_replay_story import _story_transcript

REPO = Path(__file__).resolve().parents[3]
WAIT_S = 60.0
"""How long to wait for a screen to show what a key should bring (a bound, not a measure)."""


class Pane:
    """One tmux pane on a private server, running one command."""

    def __init__(self, socket: Path, command: str) -> None:
        self.base = ["tmux", "-S", str(socket)]
        env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "TERM": "xterm"}
        subprocess.run(
            [*self.base, "new-session", "-d", "-x", "110", "-y", "70", "sh", "-c", command],
            check=True,
            env=env,
        )

    def keys(self, *keys: str, literal: bool = False) -> None:
        """Type keys (tmux key names, or text with ``literal``)."""
        subprocess.run([*self.base, "send-keys", *(["-l"] if literal else []), *keys], check=True)

    def screen(self) -> str:
        """The visible screen as text."""
        res = subprocess.run(
            [*self.base, "capture-pane", "-p"], check=True, capture_output=True, text=True
        )
        return res.stdout

    def wait(self, ok: Callable[[str], bool], what: str) -> str:
        """The screen once ``ok`` holds for it; fails with the last screen after :data:`WAIT_S`."""
        deadline = time.monotonic() + WAIT_S
        while True:
            shown = self.screen()
            if ok(shown):
                return shown
            if time.monotonic() > deadline:
                pytest.fail(f"the screen never showed {what}; it shows:\n{shown}")
            time.sleep(0.1)

    def close(self) -> None:
        """Stop this pane's tmux server."""
        subprocess.run([*self.base, "kill-server"], check=False, capture_output=True)


@pytest.fixture
def pane(tmp_path: Path) -> Iterator[Pane]:
    """``sociolab replay --step`` on the story transcript, in a 110x70 tmux pane."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (apt-get install tmux; scripts/test.sh does it)")
    path = write_transcript(_story_transcript(), tmp_path / "run" / "transcript.jsonl")
    cmd = (
        f"{sys.executable} -m societies.cli replay {path} --step; echo replay exited $?; sleep 600"
    )
    p = Pane(tmp_path / "tmux.sock", cmd)
    try:
        yield p
    finally:
        p.close()


def _status(prefix: str) -> Callable[[str], bool]:
    return lambda screen: any(line.startswith(prefix) for line in screen.splitlines())


def test_keys_in_a_real_terminal(pane: Pane) -> None:
    first = pane.wait(_status("[1/9] episode 0 · round 0"), "the first page")
    assert "question q1?" in first and "(B) Lyon" in first and "gold: B (Lyon)" in first
    assert "n/→ next" in first and "m messages · p peers" in first

    pane.keys("Right")
    page = pane.wait(_status("[2/9] episode 0 · round 1"), "page 2 after →")
    assert "saw: ada, cy" in page and "▸ sent" not in page

    pane.keys("m")
    page = pane.wait(lambda s: "▸ sent: 1 message" in s, "the messages after m")
    assert "[user]" in page and "▸ peers'" not in page

    pane.keys("p")
    page = pane.wait(lambda s: "▸ peers' replies it saw (round 0)" in s, "the peers after p")
    assert "Lyon is a city in France. Answer: C" in page
    assert "showing messages, peers" in page

    pane.keys("m", "p", "]")
    page = pane.wait(_status("[4/9] episode 1 · round 0"), "the next question after ]")
    assert "question q2?" in page and "▸" not in page

    pane.keys("w")
    page = pane.wait(_status("[2/4] episode 2 · round 0 · filters: wrong"), "the wrong filter")
    assert "decision A ✗" in page

    pane.keys("/")
    pane.wait(lambda s: "\nsearch:" in s, "the search prompt")
    pane.keys("city", literal=True)
    pane.keys("Enter")
    page = pane.wait(
        _status("[1/1] episode 0 · round 0 · filters: wrong · search 'city'"), "search"
    )
    assert "Lyon is a city in France." in page

    pane.keys("x", "j")
    pane.wait(lambda s: "jump to (question id or episode number):" in s, "the jump prompt")
    pane.keys("2", "Enter")
    page = pane.wait(_status("[7/9] episode 2 · round 0"), "episode 2 after j 2")
    assert "question q1 · repeat 1 · episode 2" in page

    pane.keys("c")
    page = pane.wait(_status("[3/3] episode 2 · round 1 · filters: changed"), "the changed filter")
    assert "answer B -> A ✗" in page and "conforms to the majority (T->F)" in page

    pane.keys("q")
    pane.wait(lambda s: "replay exited 0" in s, "a clean exit after q")
