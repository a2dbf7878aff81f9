"""Reading the rows of a data file (JSONL, JSON, Parquet) or of a hub dataset, with locations.

Every row keeps where it came from (``file:line`` for JSONL, ``file: row N``
otherwise) so a task can report a malformed row in one line that names it.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.errors import TaskDataError, TaskError

DATA_SUFFIXES = (".jsonl", ".json", ".parquet")


@dataclass(frozen=True)
class Record:
    """One row of a data source and where it came from.

    Attributes:
        where: ``file:line`` (JSONL) or ``file: row N`` (JSON, Parquet, hub), for messages.
        position: 0-based position of the row in its source.
        data: the row's fields.
    """

    where: str
    position: int
    data: Mapping[str, Any]

    def error(self, message: str) -> TaskDataError:
        """A one-line error about this row."""
        return TaskDataError(f"{self.where}: {message}")

    def get(self, key: str, default: Any = None) -> Any:
        """A field, or ``default`` when absent."""
        return self.data.get(key, default)

    def text(self, key: str) -> str:
        """A required string field."""
        value = self.data.get(key)
        if value is None:
            raise self.error(f"missing field {key!r}")
        if not isinstance(value, str):
            raise self.error(f"field {key!r} must be a string, not {type(value).__name__}")
        return value

    def strings(self, key: str) -> list[str]:
        """A required list-of-strings field."""
        value = self.data.get(key)
        if value is None:
            raise self.error(f"missing field {key!r}")
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise self.error(f"field {key!r} must be a list of strings")
        return list(value)


def require_exists(path: Path, what: str) -> None:
    """Raise a one-line :class:`TaskDataError` when ``path`` does not exist."""
    if not path.exists():
        raise TaskDataError(f"{path}: no such file or folder ({what})")
    if not (path.is_file() or path.is_dir()):  # a device or a FIFO would read forever
        raise TaskDataError(f"{path}: not a regular file ({what})")


def read_jsonl(path: Path) -> list[Record]:
    """Rows of a JSON Lines file (blank lines are skipped); each row must be an object."""
    require_exists(path, "JSON Lines file")
    out: list[Record] = []
    try:
        with path.open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise TaskDataError(f"{path}:{lineno}: invalid JSON: {exc.msg}") from None
                if not isinstance(row, dict):
                    raise TaskDataError(f"{path}:{lineno}: expected a JSON object")
                out.append(Record(f"{path}:{lineno}", len(out), row))
    except UnicodeDecodeError as exc:
        raise TaskDataError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise TaskDataError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return out


def read_json(path: Path) -> Any:
    """The parsed content of a JSON file."""
    require_exists(path, "JSON file")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise TaskDataError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    except UnicodeDecodeError as exc:
        raise TaskDataError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise TaskDataError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _rows(where: str, rows: list[Any]) -> list[Record]:
    out = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise TaskDataError(f"{where}: row {i}: expected an object")
        out.append(Record(f"{where}: row {i}", i, row))
    return out


def read_json_rows(path: Path, key: str | None = None) -> list[Record]:
    """Rows of a JSON file holding a list of objects (or a list under ``key``)."""
    data = read_json(path)
    if key is not None and isinstance(data, dict):
        if key not in data:
            raise TaskDataError(f"{path}: missing top-level field {key!r}")
        data = data[key]
    if not isinstance(data, list):
        raise TaskDataError(f"{path}: expected a list of objects")
    return _rows(str(path), data)


def read_parquet(path: Path) -> list[Record]:
    """Rows of a Parquet file (needs ``pyarrow``)."""
    require_exists(path, "Parquet file")
    try:
        parquet = importlib.import_module("pyarrow.parquet")
    except ImportError:
        raise TaskError(f"{path}: reading Parquet needs pyarrow: pip install pyarrow") from None
    try:
        rows = parquet.read_table(path).to_pylist()
    except Exception as exc:  # pyarrow raises its own error types for corrupt files
        raise TaskDataError(f"{path}: not a readable Parquet file ({exc})") from None
    return _rows(str(path), rows)


def read_records(path: Path) -> list[Record]:
    """Rows of a ``.jsonl``, ``.json`` (a list of objects) or ``.parquet`` file."""
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return read_jsonl(path)
    if suffix == ".json":
        return read_json_rows(path)
    if suffix == ".parquet":
        return read_parquet(path)
    raise TaskDataError(
        f"{path}: unsupported file type {suffix or '(none)'!r} (use .jsonl, .json or .parquet)"
    )
