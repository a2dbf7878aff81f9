"""Backends starting are shown by sociolab's own display; a busy machine is pointed at ``threads``."""

from __future__ import annotations

import asyncio
import io
import logging
import os
from pathlib import Path

import pytest
from rich.console import Console

from agents.backends.hf import loading
from agents.backends.starting import announce, on_backend_start
from societies.cli.progress import ProgressMonitor
from societies.config import parse_config
from societies.engine.experiment import Experiment, StartMonitor, run_experiment
from tests.helpers.configs import sim_config


class Recorder:
    """A run monitor that records backend starts (and ignores the rest)."""

    def __init__(self) -> None:
        self.starts: list[tuple[str, str, bool]] = []

    def started(self, episodes: int, turns: int, already_done: int) -> None:
        """Ignored."""

    def turn(self, event: object) -> None:
        """Ignored."""

    def episode(self, ok: bool) -> None:
        """Ignored."""

    def backend_start(self, name: str, what: str, done: bool) -> None:
        self.starts.append((name, what, done))


def test_a_run_announces_each_backend_start_once_to_its_monitor(tmp_path: Path) -> None:
    monitor = Recorder()
    assert isinstance(monitor, StartMonitor)
    cfg = parse_config(sim_config())
    asyncio.run(Experiment(cfg, tmp_path, monitor=monitor).run())
    assert monitor.starts == [
        ("sim", "starting scripted", False),
        ("sim", "starting scripted", True),
    ]
    # A monitor without backend_start is fine (the public API's RunMonitor needs only three methods).
    assert run_experiment(cfg, tmp_path / "again").status == "complete"


def test_the_progress_display_shows_a_row_while_a_backend_starts() -> None:
    console = Console(file=io.StringIO(), width=100, force_terminal=False)
    monitor = ProgressMonitor(console)
    monitor.started(1, 3, 0)
    with on_backend_start(monitor.backend_start):
        announce("local", "loading model smollm2-135m-instruct", done=False)
        rows = [t.description for t in monitor.progress.tasks]
        assert "local: loading model smollm2-135m-instruct" in rows
        announce("local", "loading model smollm2-135m-instruct", done=True)
    assert [t.description for t in monitor.progress.tasks] == ["episodes", "turns"]
    announce("local", "outside any run", done=False)  # nobody listens: nothing happens
    assert len(monitor.progress.tasks) == 2


@pytest.fixture
def fresh_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loading, "_warned_busy", type(loading._warned_busy)())
    monkeypatch.setattr(loading, "cores", lambda: 2)


@pytest.mark.usefixtures("fresh_warning")
def test_a_busy_machine_warns_once_and_says_what_threads_does(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(os, "getloadavg", lambda: (5.6, 3.0, 1.0))
    with caplog.at_level(logging.WARNING, logger="sociolab.backends"):
        loading.warn_if_busy("m", None)
        loading.warn_if_busy("m", None)
        loading.warn_if_busy("other", 4)
    assert len(caplog.records) == 1
    text = caplog.records[0].getMessage()
    assert "load 5.6 on 2 cores" in text and "set threads: 1" in text
    assert "threads unset" in text


@pytest.mark.usefixtures("fresh_warning")
def test_no_warning_when_idle_or_already_on_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "getloadavg", lambda: (1.9, 1.0, 1.0))
    assert loading.busy_note("m", None) is None
    monkeypatch.setattr(os, "getloadavg", lambda: (9.0, 1.0, 1.0))
    assert loading.busy_note("m", 1) is None
    assert loading.busy_note("m", 2) is not None
