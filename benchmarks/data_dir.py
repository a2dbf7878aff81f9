"""The data folder: where ``task.path: data:<relative path>`` is read from.

The studies' item files (MachineSoM's samples, MMLU, MATH, BIG-bench chess) are not
shipped with sociolab; presets name them relative to a data folder, which is
``$SOCIOLAB_DATA`` when set, else the first of ``./data`` and ``../shared/data`` (from
the current folder, then from sociolab's source checkout) that exists.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "SOCIOLAB_DATA"
DATA_PREFIX = "data:"
_CHECKOUT = Path(__file__).resolve().parents[1]


def candidates() -> list[Path]:
    """The folders tried when ``$SOCIOLAB_DATA`` is not set, in order."""
    return [Path.cwd() / "data", Path.cwd().parent / "shared" / "data",
            _CHECKOUT.parent / "shared" / "data"]  # fmt: skip


def data_dir() -> Path:
    """The data folder.

    Raises:
        ValueError: ``$SOCIOLAB_DATA`` is not a folder, or it is unset and no default exists.
    """
    env = os.environ.get(DATA_ENV)
    if env:
        folder = Path(env).expanduser()
        if not folder.is_dir():
            raise ValueError(f"{DATA_ENV}={env} is not a folder")
        return folder.resolve()
    for folder in candidates():
        if folder.is_dir():
            return folder.resolve()
    raise ValueError(
        f"no data folder: set {DATA_ENV} to the folder holding the item files "
        "(machinesom/, mmlu/, ...), or give the file itself with --set task.path=FILE"
    )


def resolve_data_path(value: str) -> Path:
    """``data:machinesom/mmlu.jsonl`` -> that file in the data folder (else ``value`` as a path).

    Raises:
        ValueError: a ``data:`` path and no data folder.
    """
    if not value.startswith(DATA_PREFIX):
        return Path(value)
    return data_dir() / value.removeprefix(DATA_PREFIX).lstrip("/")


__all__ = ["DATA_ENV", "DATA_PREFIX", "candidates", "data_dir", "resolve_data_path"]
