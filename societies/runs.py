"""Finding and reading transcripts for reports and replays, tolerantly.

:func:`load_transcript` reads with :func:`societies.transcript.read_transcript`
and, when that fails on bytes that are not UTF-8 (transcripts imported from
other tools), reads again with such bytes replaced by U+FFFD.
:class:`TranscriptTail` reads a transcript that is still being written.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from societies.errors import TranscriptError
from societies.experiment import TRANSCRIPT
from societies.transcript import (
    MIGRATIONS,
    SCHEMA_VERSION,
    EndEvent,
    Event,
    HeaderEvent,
    Transcript,
    TurnEvent,
    read_transcript,
)

AnyEvent = HeaderEvent | TurnEvent | EndEvent
_EVENT: TypeAdapter[AnyEvent] = TypeAdapter(Event)


def find_transcripts(paths: Sequence[Path]) -> list[Path]:
    """The transcripts named by ``paths``, in order, without duplicates.

    Each path is a transcript file, a run folder holding ``transcript.jsonl``,
    or a folder (a sweep) searched recursively for run folders.

    Raises:
        TranscriptError: a path that does not exist or holds no transcript.
    """
    found: list[Path] = []
    for p in paths:
        if p.is_file():
            hits = [p]
        elif (p / TRANSCRIPT).is_file():
            hits = [p / TRANSCRIPT]
        elif p.is_dir():
            hits = sorted(p.rglob(TRANSCRIPT))
            if not hits:
                raise TranscriptError(f"{p}: no {TRANSCRIPT} in this folder or below it")
        else:
            raise TranscriptError(f"{p}: no such file or folder")
        found += [h for h in hits if h not in found]
    return found


def _decode(raw: bytes, where: str, version: int) -> dict[str, Any]:
    try:
        obj: Any = json.loads(raw.decode("utf-8", errors="replace"))
    except json.JSONDecodeError as exc:
        raise TranscriptError(f"{where}: not valid JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise TranscriptError(f"{where}: expected a JSON object")
    if version > SCHEMA_VERSION:
        raise TranscriptError(
            f"{where}: written with transcript schema {version}, this sociolab reads up to "
            f"{SCHEMA_VERSION}: upgrade sociolab"
        )
    while version < SCHEMA_VERSION:
        if version not in MIGRATIONS:
            raise TranscriptError(f"{where}: no migration from transcript schema {version}")
        obj = MIGRATIONS[version](obj)
        version += 1
    out: dict[str, Any] = obj
    return out


def header_version(raw: bytes, where: str) -> int:
    """The schema version written in a header line.

    Raises:
        TranscriptError: the line is not a header.
    """
    try:
        head = json.loads(raw.decode("utf-8", errors="replace"))
        if head.get("type") != "header":
            raise ValueError
        return int(head.get("schema_version", 0))
    except (json.JSONDecodeError, AttributeError, TypeError, ValueError):
        raise TranscriptError(f"{where}: the first line must be the header") from None


def parse_lines(
    lines: Iterable[bytes], where: str, start: int = 1, version: int = SCHEMA_VERSION
) -> Iterator[AnyEvent]:
    """Parse complete JSON lines into events; bytes that are not UTF-8 become U+FFFD.

    Args:
        lines: the lines, without their newlines.
        where: the file name used in errors.
        start: the number of the first line (line 1 must be the header).
        version: the schema version of the file, when ``start`` is past its header.

    Raises:
        TranscriptError: naming the line of the first bad event.
    """
    for lineno, raw in enumerate(lines, start=start):
        loc = f"{where}:{lineno}"
        if lineno == 1:
            version = header_version(raw, loc)
        obj = _decode(raw, loc, version)
        try:
            yield _EVENT.validate_python(obj)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            path = ".".join(str(p) for p in first["loc"])
            raise TranscriptError(f"{loc}: {path}: {first['msg']}") from None


def _assemble(events: Iterable[AnyEvent], where: str) -> Transcript:
    it = iter(events)
    first = next(it, None)
    if not isinstance(first, HeaderEvent):
        raise TranscriptError(f"{where}: the first line must be the header")
    t = Transcript(header=first)
    for ev in it:
        if isinstance(ev, TurnEvent):
            t.turns.append(ev)
        elif isinstance(ev, EndEvent):
            t.end = ev
        else:
            raise TranscriptError(f"{where}: a second header")
    return t


def load_transcript(path: Path) -> Transcript:
    """Read a whole transcript; bytes that are not UTF-8 are read as U+FFFD.

    Raises:
        TranscriptError: the file cannot be read or is not a transcript.
    """
    try:
        return read_transcript(path)
    except TranscriptError as first_error:
        try:
            data = path.read_bytes()
        except OSError:
            raise first_error from None
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            lines = data.split(b"\n")
            partial = lines.pop()  # b"" when the file ends with a newline
            t = _assemble(parse_lines(lines, str(path)), str(path))
            t.dropped_partial_line = partial != b""
            return t
        raise


class TranscriptTail:
    """Reads the events appended to a transcript since the last :meth:`poll`.

    A last line without its newline is kept until it is complete. When the file
    is replaced (a finished run rewrites it in canonical order) or shrinks, it is
    read again from the start and turns already returned are skipped.
    """

    def __init__(self, path: Path) -> None:
        """Follow ``path`` (which need not exist yet)."""
        self.path = path
        self._offset = 0
        self._lineno = 0
        self._buffer = b""
        self._inode: int | None = None
        self._seen: set[tuple[int, str, int]] = set()
        self._version = SCHEMA_VERSION
        self.header: HeaderEvent | None = None
        self.end: EndEvent | None = None

    def poll(self) -> list[AnyEvent]:
        """New events (header, turns, end) since the last call; [] when none."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise TranscriptError(f"{self.path}: cannot read: {exc.strerror or exc}") from None
        if self._inode is not None and (st.st_ino != self._inode or st.st_size < self._offset):
            self._offset, self._lineno, self._buffer = 0, 0, b""
        self._inode = st.st_ino
        if st.st_size == self._offset:
            return []
        try:
            with self.path.open("rb") as fh:
                fh.seek(self._offset)
                chunk = fh.read()
        except OSError as exc:
            raise TranscriptError(f"{self.path}: cannot read: {exc.strerror or exc}") from None
        self._offset += len(chunk)
        data = self._buffer + chunk
        lines = data.split(b"\n")
        self._buffer = lines.pop()
        start = self._lineno + 1
        self._lineno += len(lines)
        if start == 1 and lines:
            self._version = header_version(lines[0], f"{self.path}:1")
        fresh: list[AnyEvent] = []
        for ev in parse_lines(lines, str(self.path), start=start, version=self._version):
            if isinstance(ev, HeaderEvent):
                if self.header is None:
                    self.header = ev
                    fresh.append(ev)
            elif isinstance(ev, TurnEvent):
                key = (ev.episode, ev.agent, ev.round)
                if key not in self._seen:
                    self._seen.add(key)
                    fresh.append(ev)
            elif self.end is None:
                self.end = ev
                fresh.append(ev)
        return fresh


__all__ = ["TranscriptTail", "find_transcripts", "load_transcript", "parse_lines"]
