"""Run corpus cases through the real CLI, in this process, under a memory limit and a timeout.

``python -m tests.reliability.runner OUT.jsonl [CASE_ID ...]`` writes one JSON line per
case: ``{"id", "started": true}`` before it, then ``{"id", "exit", "output", "exception"}``.
The address space is limited (:data:`MEMORY_LIMIT`), so a case that reads without bound
fails with ``MemoryError`` here instead of exhausting the machine, and each case gets
:data:`CASE_TIMEOUT_S` seconds (SIGALRM), so a hang is reported as ``CaseTimeout``.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

MEMORY_LIMIT = 3 << 30
"""Bytes of address space the whole runner may use."""

CASE_TIMEOUT_S = int(os.environ.get("CORPUS_CASE_TIMEOUT_S", "60"))
"""Seconds one case may take (generous: the machine may be loaded; a hang is unbounded)."""


class CaseTimeout(BaseException):
    """Raised by SIGALRM inside a case (a BaseException, so no ``except Exception`` eats it)."""


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise CaseTimeout(f"no answer within {CASE_TIMEOUT_S} s")


@contextlib.contextmanager
def _environment(changes: dict[str, str | None]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in changes}
    for key, value in changes.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _unlock(folder: Path) -> None:
    """Give back permissions a case took away, so the folder can be removed."""
    for path in [folder, *folder.rglob("*")]:
        with contextlib.suppress(OSError):
            if not path.is_symlink() and not stat.S_ISFIFO(path.lstat().st_mode):
                path.chmod(0o700)


def run_case(case: Any) -> dict[str, Any]:
    """Run one :class:`~tests.reliability.corpus.Case`; its exit status, output and exception."""
    from typer.testing import CliRunner

    from societies.cli.app import app

    home = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="corpus-") as tmp:
        folder = Path(tmp)
        for name, content in case.files.items():
            data = content.encode() if isinstance(content, str) else content
            (folder / name).write_bytes(data)
        if case.setup is not None:
            case.setup(folder)
        os.chdir(folder)
        signal.alarm(CASE_TIMEOUT_S)
        cpu = time.process_time()
        try:
            with _environment(case.env):
                result = CliRunner().invoke(app, case.argv, catch_exceptions=True)
            exit_code, output = result.exit_code, result.output
            exc = result.exception
            exception = (
                None
                if exc is None or isinstance(exc, SystemExit)
                else f"{type(exc).__name__}: {str(exc)[:300]}"
            )
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            exit_code, output, exception = -1, "", f"{type(exc).__name__}: {str(exc)[:300]}"
        finally:
            signal.alarm(0)
            os.chdir(home)
            _unlock(folder)
    cpu_s = round(time.process_time() - cpu, 3)
    return {
        "id": case.id,
        "exit": exit_code,
        "output": output,
        "exception": exception,
        "cpu_s": cpu_s,
    }


def main(argv: list[str]) -> None:
    """Run the cases named (all when none) and write their results to ``argv[0]``."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    signal.signal(signal.SIGALRM, _alarm)
    from tests.reliability.corpus import corpus

    wanted = set(argv[1:])
    with open(argv[0], "w", encoding="utf-8") as out:
        for case in corpus():
            if wanted and case.id not in wanted:
                continue
            if case.root_skips and os.geteuid() == 0:
                continue
            out.write(json.dumps({"id": case.id, "started": True}) + "\n")
            out.flush()
            out.write(json.dumps(run_case(case)) + "\n")
            out.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
