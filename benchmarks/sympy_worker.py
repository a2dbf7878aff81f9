"""The sympy fallback of MATH answer equivalence, run in a worker process under a time limit.

sympy can take unbounded time or memory on hostile input (``9^{9^{9^9}}``), so the
comparison runs in one long-lived child process (``python -m benchmarks.sympy_worker``,
started on first use, limited to 2 GiB of address space where the OS allows it) that
reads ``[a, b]`` JSON lines and answers ``true``/``false``/``null``. A comparison that
does not finish within its time limit kills the worker and counts as "cannot tell";
the next comparison starts a fresh worker. A separate interpreter (rather than
``multiprocessing``) never re-imports the caller's main module and never forks a
process that has threads.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

_MEMORY_LIMIT = 2 * 1024**3
_STARTUP_TIMEOUT = 60.0
_ROOT = str(Path(__file__).resolve().parents[1])  # the folder holding the benchmarks package


def serve(inp: IO[str], out: IO[str]) -> None:
    """Worker loop: one ``[a, b]`` JSON line in, one ``true``/``false``/``null`` line out."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (_MEMORY_LIMIT, _MEMORY_LIMIT))
    except (ImportError, ValueError, OSError):
        pass
    from benchmarks.latex_sympy import sympy_equal

    out.write('"ready"\n')
    out.flush()
    for line in inp:
        result: bool | None
        try:
            a, b = json.loads(line)
            result = sympy_equal(str(a), str(b))
        except (Exception, MemoryError, RecursionError):
            result = None
        out.write(json.dumps(result) + "\n")
        out.flush()


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


class SympyChecker:
    """A worker process that compares answers with sympy, one comparison at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.starts = 0  # how many workers were started (a timeout costs one more)

    def _read(self, timeout: float) -> Any:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError from None
        if line is None:
            raise EOFError
        return json.loads(line)

    def _start(self) -> bool:
        self.starts += 1
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_ROOT, env.get("PYTHONPATH")) if p)
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "benchmarks.sympy_worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                encoding="utf-8",
                env=env,
            )
        except OSError:
            return False
        assert proc.stdout is not None
        self._proc, self._lines = proc, queue.Queue()
        threading.Thread(target=_pump, args=(proc.stdout, self._lines), daemon=True).start()
        try:
            if self._read(_STARTUP_TIMEOUT) == "ready":
                return True
        except (TimeoutError, EOFError, ValueError):
            pass
        self.stop()
        return False

    def stop(self) -> None:
        """End the worker (it is started again on the next comparison)."""
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.kill()
            proc.wait(5)
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    stream.close()

    def equal(self, a: str, b: str, timeout: float) -> bool | None:
        """Whether ``a`` and ``b`` have the same value; None when unknown or out of time."""
        with self._lock:
            if (self._proc is None or self._proc.poll() is not None) and not self._start():
                return None
            assert self._proc is not None and self._proc.stdin is not None
            try:
                self._proc.stdin.write(json.dumps([a, b]) + "\n")
                self._proc.stdin.flush()
                result = self._read(timeout)
                return result if isinstance(result, bool) else None
            except (TimeoutError, EOFError, OSError, ValueError):
                self.stop()
                return None


CHECKER = SympyChecker()
atexit.register(CHECKER.stop)

if __name__ == "__main__":
    serve(sys.stdin, sys.stdout)
