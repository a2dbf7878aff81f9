"""Reading and writing transcripts (JSON Lines), and their canonical rewrite.

Turn events are appended and flushed as soon as each turn completes. When a run
finishes, the file is rewritten (atomically) in canonical order, so the same
config and seed give the same bytes whatever the completion order was, apart
from the fields listed in ``VOLATILE_FIELDS``.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from societies.errors import TranscriptError
from societies.transcript.schema import (
    _EVENT,
    MIGRATIONS,
    SCHEMA_VERSION,
    VOLATILE_FIELDS,
    EndEvent,
    HeaderEvent,
    Transcript,
    TurnEvent,
    _Event,
    turn_sort_key,
)


def _migrate(raw: dict[str, Any], version: int, where: str) -> dict[str, Any]:
    if version > SCHEMA_VERSION:
        raise TranscriptError(
            f"{where}: written with transcript schema {version}, this sociolab reads up to "
            f"{SCHEMA_VERSION}: upgrade sociolab"
        )
    while version < SCHEMA_VERSION:
        if version not in MIGRATIONS:
            raise TranscriptError(f"{where}: no migration from transcript schema {version}")
        raw = MIGRATIONS[version](raw)
        version += 1
    return raw


def _decode(raw: bytes, where: str) -> dict[str, Any]:
    try:
        # Invalid UTF-8 from a model must not make the whole transcript unreadable.
        obj = json.loads(raw.decode("utf-8", errors="replace"))
    except json.JSONDecodeError as exc:
        raise TranscriptError(f"{where}: not valid JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise TranscriptError(f"{where}: expected a JSON object")
    return obj


def header_version(raw: bytes, where: str) -> int:
    """The schema version of a header line.

    Raises:
        TranscriptError: the line is not a header.
    """
    obj = _decode(raw, where)
    if obj.get("type") != "header":
        raise TranscriptError(f"{where}: the first line must be the header")
    try:
        return int(obj.get("schema_version", 0))
    except (TypeError, ValueError):
        raise TranscriptError(f"{where}: schema_version is not a number") from None


def parse_lines(
    lines: Iterable[bytes], where: str, start: int = 1, version: int = SCHEMA_VERSION
) -> Iterator[HeaderEvent | TurnEvent | EndEvent]:
    """Parse complete lines (without newlines) into events, migrating old schemas.

    Args:
        lines: the lines.
        where: the file name used in errors.
        start: the number of the first line (line 1 must be the header).
        version: the file's schema version, when ``start`` is past its header.

    Raises:
        TranscriptError: naming the line of the first bad line.
    """
    for lineno, raw in enumerate(lines, start=start):
        loc = f"{where}:{lineno}"
        if lineno == 1:
            version = header_version(raw, loc)
        obj = _migrate(_decode(raw, loc), version, loc)
        try:
            yield _EVENT.validate_python(obj)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            path = ".".join(str(p) for p in first["loc"])
            raise TranscriptError(f"{loc}: {path}: {first['msg']}") from None


def iter_events(path: Path) -> Iterator[HeaderEvent | TurnEvent | EndEvent]:
    """Parse a transcript file's events one by one.

    A last line without its newline (a run killed while writing) is dropped with a
    warning; any other bad line raises :class:`TranscriptError` naming its number.
    """
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise TranscriptError(f"{path}: cannot read: {exc.strerror or exc}") from None

    def complete_lines() -> Iterator[bytes]:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.endswith(b"\n"):
                warnings.warn(f"{path}:{lineno}: dropped an incomplete last line", stacklevel=4)
                return
            yield raw[:-1]

    with fh:
        yield from parse_lines(complete_lines(), str(path))


def read_transcript(path: Path | str) -> Transcript:
    """Read a whole transcript (header, turns, optional end)."""
    path = Path(path)
    events = iter_events(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = next(events, None)
        if not isinstance(first, HeaderEvent):
            cut = any("incomplete last line" in str(w.message) for w in caught)
            raise TranscriptError(
                f"{path}: the header is cut (the run stopped while starting): no turn was "
                "recorded; run it again with --resume to start over"
                if cut
                else f"{path}: empty transcript (no header)"
            )
        t = Transcript(header=first)
        for ev in events:
            if isinstance(ev, TurnEvent):
                t.turns.append(ev)
            elif isinstance(ev, EndEvent):
                t.end = ev
            else:
                raise TranscriptError(f"{path}: a second header")
    t.dropped_partial_line = any("incomplete last line" in str(w.message) for w in caught)
    return t


def strip_volatile(obj: Any) -> Any:
    """A copy of a JSON value without the :data:`VOLATILE_FIELDS` (for comparisons)."""
    if isinstance(obj, dict):
        return {k: strip_volatile(v) for k, v in obj.items() if k not in VOLATILE_FIELDS}
    if isinstance(obj, list):
        return [strip_volatile(v) for v in obj]
    return obj


def dump_event(event: _Event) -> str:
    """One JSON line (no newline)."""
    return event.model_dump_json()


LineRef = tuple[tuple[int, int, int], int, int]
"""Where a turn's line lies in a transcript file: (sort key, byte offset, length without newline)."""


class TranscriptWriter:
    """Appends events as lines and hands them to the OS as soon as they are written.

    Inside an event loop, the lines written during one loop iteration are
    flushed together at the end of that iteration (one system call instead of
    one per turn); outside a loop every line is flushed at once. A killed run
    loses at most the lines of the iteration it was killed in.
    """

    def __init__(self, path: Path) -> None:
        """Open ``path`` for appending, first cutting any incomplete last line."""
        self.path = path
        _truncate_partial_line(path)
        self._fh: IO[bytes] = path.open("ab")
        self.offset = self._fh.tell()
        self._flush_pending = False

    def write(self, event: _Event) -> tuple[int, int]:
        """Append one event; return the (byte offset, length) of its line."""
        data = event.__pydantic_serializer__.to_json(event)
        at = self.offset
        self._fh.write(data + b"\n")
        self.offset += len(data) + 1
        if not self._flush_pending:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                self._fh.flush()
            else:
                self._flush_pending = True
                loop.call_soon(self.flush)
        return at, len(data)

    def flush(self) -> None:
        """Hand buffered lines to the OS."""
        self._flush_pending = False
        if not self._fh.closed:
            self._fh.flush()

    def close(self) -> None:
        """Flush to disk and close."""
        if not self._fh.closed:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()


def _truncate_partial_line(path: Path) -> None:
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb+") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - 1))
        if fh.read(1) == b"\n":
            return
        fh.seek(0)
        cut = fh.read().rfind(b"\n") + 1
        fh.truncate(cut)


def write_canonical(path: Path, t: Transcript) -> None:
    """Write a transcript in canonical order, atomically (temp file + rename)."""
    key = turn_sort_key(t.header)
    tmp = path.with_suffix(".jsonl.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(dump_event(t.header) + "\n")
        fh.writelines(dump_event(x) + "\n" for x in sorted(t.turns, key=key))
        if t.end is not None:
            fh.write(dump_event(t.end) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


def rewrite_canonical(path: Path, turns: list[LineRef], end: _Event) -> None:
    """Rewrite ``path`` in canonical order from the positions of its turn lines.

    The header stays the file's first line; the turns are copied byte for byte
    in sort-key order (``turns`` is sorted in place); ``end`` goes last. No
    line is parsed or serialised again, and memory stays flat.
    """
    tmp = path.with_suffix(".jsonl.tmp")
    with path.open("rb") as src, tmp.open("wb") as out:
        out.write(src.readline())
        turns.sort()
        for _, offset, length in turns:
            src.seek(offset)
            out.write(src.read(length + 1))
        out.write(end.__pydantic_serializer__.to_json(end) + b"\n")
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path)


def replace_header(path: Path, header: _Event) -> None:
    """Rewrite ``path`` with ``header`` as its first line, every later line kept byte for byte.

    Atomic (temp file + rename): a run killed meanwhile leaves the old file whole.
    """
    tmp = path.with_suffix(".jsonl.tmp")
    with path.open("rb") as src, tmp.open("wb") as out:
        src.readline()
        out.write(header.__pydantic_serializer__.to_json(header) + b"\n")
        shutil.copyfileobj(src, out)
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path)


def index_turns(path: Path, header: HeaderEvent) -> list[LineRef]:
    """The :data:`LineRef` of every complete turn line in ``path`` (for resuming)."""
    key = turn_sort_key(header)
    refs: list[LineRef] = []
    offset = 0
    with path.open("rb") as fh:
        for raw in fh:
            if raw.endswith(b"\n") and raw.startswith(b'{"type":"turn"'):
                turn = TurnEvent.model_validate_json(raw)
                refs.append((key(turn), offset, len(raw) - 1))
            offset += len(raw)
    return refs
