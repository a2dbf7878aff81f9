"""Finding and reading transcripts for reports and replays.

:func:`find_transcripts` resolves files, run folders and sweep folders;
:class:`TranscriptTail` reads a transcript that is still being written.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from societies.errors import TranscriptError
from societies.transcript.io import header_version, parse_lines, read_transcript
from societies.transcript.schema import (
    SCHEMA_VERSION,
    TRANSCRIPT,
    EndEvent,
    HeaderEvent,
    Transcript,
    TurnEvent,
)

AnyEvent = HeaderEvent | TurnEvent | EndEvent


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


def load_transcript(path: Path) -> Transcript:
    """Read a whole transcript (bytes that are not UTF-8 read as U+FFFD).

    Raises:
        TranscriptError: the file cannot be read or is not a transcript.
    """
    return read_transcript(path)


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


__all__ = ["TranscriptTail", "find_transcripts", "load_transcript"]
