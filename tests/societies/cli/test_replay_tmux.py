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

from societies.transcript import dump_event
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


def _replay_in_tmux(tmp_path: Path, path: Path, *flags: str) -> Iterator[Pane]:
    """``sociolab replay PATH FLAGS`` in a 110x70 tmux pane; says ``replay exited N`` at the end."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (apt-get install tmux; scripts/test.sh does it)")
    args = " ".join([str(path), *flags])
    cmd = f"{sys.executable} -m societies.cli replay {args}; echo replay exited $?; sleep 600"
    p = Pane(tmp_path / "tmux.sock", cmd)
    try:
        yield p
    finally:
        p.close()


@pytest.fixture
def pane(tmp_path: Path) -> Iterator[Pane]:
    """``sociolab replay --step`` on the story transcript."""
    path = write_transcript(_story_transcript(), tmp_path / "run" / "transcript.jsonl")
    yield from _replay_in_tmux(tmp_path, path, "--step")


FOOTER_END = "· ? keys"
"""The end of the keys reminder: the last thing drawn on a screen of the interactive view."""


def _status(prefix: str) -> Callable[[str], bool]:
    """A whole screen (drawn to its end) whose status line starts with ``prefix``."""
    return lambda screen: (
        FOOTER_END in screen and any(line.startswith(prefix) for line in screen.splitlines())
    )


def _drawn(text: str) -> Callable[[str], bool]:
    """A whole screen (drawn to its end) that shows ``text``."""
    return lambda screen: FOOTER_END in screen and text in screen


def test_keys_in_a_real_terminal(pane: Pane) -> None:
    first = pane.wait(_status("[1/9] episode 0 · round 0"), "the first page")
    assert "question q1?" in first and "(B) Lyon" in first and "gold: B (Lyon)" in first
    assert "n/→ next" in first and "m messages · p peers" in first

    pane.keys("Right")
    page = pane.wait(_status("[2/9] episode 0 · round 1"), "page 2 after →")
    assert "saw: ada, cy" in page and "▸ sent" not in page

    pane.keys("m")
    page = pane.wait(_drawn("▸ sent: 1 message"), "the messages after m")
    assert "[user]" in page and "▸ peers'" not in page

    pane.keys("p")
    page = pane.wait(_drawn("▸ peers' replies it saw (round 0)"), "the peers after p")
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


def test_follow_shows_a_live_waiting_line_in_a_real_terminal(tmp_path: Path) -> None:
    t = _story_transcript()
    lines = [dump_event(e) + "\n" for e in (t.header, *t.turns, t.end) if e is not None]
    path = tmp_path / "run" / "transcript.jsonl"
    path.parent.mkdir()
    path.write_text("".join(lines[:4]), encoding="utf-8")  # the header and 3 turns
    for pane in _replay_in_tmux(tmp_path, path, "--follow", "--agent", "cy"):
        pane.wait(lambda s: "waiting for turns (3/36)" in s, "the waiting line")
        with path.open("a", encoding="utf-8") as fh:
            fh.write("".join(lines[4:]))
        shown = pane.wait(lambda s: "replay exited 0" in s, "the end of the run")
        assert "run complete: 3 episodes, 27 turns" in shown
        assert "waiting for turns" not in shown  # the live line goes when the run ends
        assert "q1 · rep 1 · round 1 · cy · easy-going · debate" in shown
