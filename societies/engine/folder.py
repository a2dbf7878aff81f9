"""Run folders: created safely and written by one process at a time.

Two writers on one transcript interleave their lines and corrupt it (as two
git processes would a repository without ``index.lock``). A run therefore holds
an exclusive ``flock`` on ``FOLDER/.lock`` while it writes; the lock file holds
the writer's PID, for the message a second writer gets. The kernel releases a
``flock`` when its process dies, however it dies, so a lock left by a killed run
is never stale: the next run simply takes it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
from collections.abc import Iterator
from pathlib import Path

from societies.errors import RunError

LOCK = ".lock"
"""The lock file inside a run (or sweep) folder."""


def prepare_folder(folder: Path) -> None:
    """Create ``folder`` (and its parents) and check that a run can write there.

    Raises:
        RunError: one line: it is a file or a device, cannot be created, or is not writable.
    """
    if folder.exists() and not folder.is_dir():
        raise RunError(f"{folder}: the output folder is a file or a device; name a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunError(
            f"{folder}: cannot create the output folder: {exc.strerror or exc}"
        ) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise RunError(f"{folder}: the output folder is not writable")


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold the exclusive lock of ``folder`` (created first) while the block runs.

    Raises:
        RunError: another process holds it (the message names its PID), or the
            folder cannot be used (see :func:`prepare_folder`).
    """
    prepare_folder(folder)
    path = folder / LOCK
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise RunError(f"{path}: cannot create the lock file: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            raise RunError(
                f"{folder}: in use by another sociolab process (pid {holder}); wait for it to "
                "end or stop it, then run again"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def safe_name(name: str) -> str:
    """``name`` as one folder name: no separators, no ``..``, nothing hidden."""
    cleaned = re.sub(r"[^A-Za-z0-9_.+\-\[\]=]+", "-", name).strip(".-")
    return cleaned[:120] or "run"


__all__ = ["LOCK", "folder_lock", "prepare_folder", "safe_name"]
