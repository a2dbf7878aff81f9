"""What ``run`` would refuse, checked by ``validate`` without calling a model.

The config models check values; this checks the world they point at: model
files and folders, the API key's variable, the response cache's location.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from societies.config.models import ExperimentConfig
from societies.errors import ConfigError

SQLITE_MAGIC = b"SQLite format 3\x00"
"""The first 16 bytes of every SQLite database file."""


def check_cache_path(path: Path) -> str | None:
    """Why ``path`` cannot hold the SQLite response cache, or None when it can."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        parent = path.parent
        if not parent.is_dir():
            return f"folder {str(parent)!r} does not exist"
        if not os.access(parent, os.W_OK | os.X_OK):
            return f"folder {str(parent)!r} is not writable"
        return None
    except OSError as exc:
        return f"cannot be used: {exc.strerror or exc}"
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file (a folder or a device)"
    if not os.access(path, os.R_OK | os.W_OK):
        return "is not readable and writable"
    if info.st_size:
        try:
            with open(path, "rb") as fh:
                head = fh.read(len(SQLITE_MAGIC))
        except OSError as exc:
            return f"cannot be read: {exc.strerror or exc}"
        if head != SQLITE_MAGIC:
            return "exists but is not an SQLite database"
    return None


def preflight(cfg: ExperimentConfig, source: str, *, cache: bool = True) -> list[str]:
    """``source: field: message`` per problem ``run`` would meet before its first call.

    Args:
        cfg: the config.
        source: its file, for the messages.
        cache: whether the run uses the response cache (``--no-cache`` does not).
    """
    problems = [line for name, spec in cfg.backends.items() for line in spec.preflight(name)]
    if cache and cfg.cache.enabled and cfg.cache.path is not None:
        why = check_cache_path(cfg.cache.path)
        if why is not None:
            problems.append(f"cache.path: {str(cfg.cache.path)!r}: {why}")
    return [f"{source}: {p}" for p in problems]


def require_ready(configs: list[tuple[str, ExperimentConfig]], *, cache: bool = True) -> None:
    """Raise every :func:`preflight` problem of these (source, config) pairs, each once.

    Raises:
        ConfigError: one line per problem.
    """
    problems: list[str] = []
    for source, cfg in configs:
        problems += [p for p in preflight(cfg, source, cache=cache) if p not in problems]
    if problems:
        raise ConfigError(problems)


__all__ = ["SQLITE_MAGIC", "check_cache_path", "preflight", "require_ready"]
