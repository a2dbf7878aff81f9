"""The client pool shared by sweep cells and calibration runs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from agents.backends.cache import ResponseCache
from agents.backends.scripted import ScriptedSpec
from societies.engine.clients import ClientPool


async def test_run_stops_providers_and_closes_the_cache_however_the_work_ends(
    tmp_path: Path,
) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite")
    pool = ClientPool(cache)
    shared = pool.provider("sim", ScriptedSpec())
    finished: list[str] = []

    async def starts() -> None:
        await shared.start()
        finished.append("starts")

    async def fails() -> None:
        raise ValueError("boom")

    with pytest.raises(ExceptionGroup) as caught:
        await pool.run([starts(), fails()])
    assert caught.group_contains(ValueError, match="boom")
    assert finished == ["starts"]
    assert not shared._started  # the provider was shut down
    with pytest.raises(sqlite3.ProgrammingError):  # and the cache closed
        len(cache)
