"""The transcript: the single source of truth of a run (JSON Lines, versioned).

Line 1 is a ``header`` event; then one ``turn`` event per completed turn,
appended and flushed as soon as the turn completes; the last line is an ``end``
event. When a run finishes, the file is rewritten (atomically) in canonical
order, so the same config and seed give the same bytes whatever the completion
order was, apart from the fields listed in ``VOLATILE_FIELDS``.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from agents.backends.types import Message, Usage
from societies.errors import TranscriptError

SCHEMA_VERSION = 1

VOLATILE_FIELDS = frozenset(
    {"latency_s", "cached", "created_at", "finished_at", "wall_s", "session"}
)
"""Fields that record timing or cache state, which may differ between identical runs."""


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuestionRecord(_Event):
    """A question as recorded in the header."""

    id: str
    prompt: str
    gold: str
    choices: list[str] | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class AgentRecord(_Event):
    """An agent as recorded in the header."""

    name: str
    trait: str
    backend: str


class HeaderEvent(_Event):
    """First line: everything needed to interpret (and reproduce) the run."""

    type: Literal["header"] = "header"
    schema_version: int = SCHEMA_VERSION
    name: str
    config: dict[str, Any]
    config_digest: str
    seed: int
    components: dict[str, Any]
    versions: dict[str, str]
    agents: list[AgentRecord]
    edges: list[tuple[str, str]]
    rounds: list[str] = Field(description="pattern of each round, round 0 ('initial') first")
    decision: str
    repeats: int
    questions: list[QuestionRecord]
    created_at: str


class TurnEvent(_Event):
    """One agent's turn in one round of one episode."""

    type: Literal["turn"] = "turn"
    episode: int
    question_id: str
    repeat: int
    agent: str
    trait: str
    round: int
    pattern: str
    peers: list[str] = Field(description="agents whose previous replies this turn was shown")
    messages: list[Message]
    reply: str
    answer: str | None
    extraction: str
    correct: bool
    usage: Usage
    finish_reason: str
    seed: int
    backend: str
    latency_s: float
    cached: bool = False


class EndEvent(_Event):
    """Last line: how the run ended."""

    type: Literal["end"] = "end"
    status: Literal["complete", "incomplete"]
    episodes: int
    turns: int
    errors: list[str] = Field(default_factory=list)
    session: dict[str, dict[str, int]] = Field(
        default_factory=dict,
        description="per backend: calls, cache hits, retries and tokens of this session only "
        "(a resumed run counts only what it did itself)",
    )
    finished_at: str
    wall_s: float


Event = Annotated[HeaderEvent | TurnEvent | EndEvent, Field(discriminator="type")]
_EVENT: TypeAdapter[HeaderEvent | TurnEvent | EndEvent] = TypeAdapter(Event)

# Migrations from older schema versions: version -> function upgrading one raw event.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


@dataclass
class Transcript:
    """A parsed transcript."""

    header: HeaderEvent
    turns: list[TurnEvent] = field(default_factory=list)
    end: EndEvent | None = None
    dropped_partial_line: bool = False


def turn_sort_key(header: HeaderEvent) -> Callable[[TurnEvent], tuple[int, int, int]]:
    """Canonical order of turns: episode, round, agent (in config order)."""
    order = {a.name: i for i, a in enumerate(header.agents)}
    return lambda t: (t.episode, t.round, order.get(t.agent, len(order)))


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


def iter_events(path: Path) -> Iterator[HeaderEvent | TurnEvent | EndEvent]:
    """Parse events one by one.

    A last line without its newline (a run killed while writing) is dropped with a
    warning; any other bad line raises :class:`TranscriptError` naming its number.
    """
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise TranscriptError(f"{path}: cannot read: {exc.strerror or exc}") from None
    version = SCHEMA_VERSION
    with fh:
        for lineno, raw_line in enumerate(fh, start=1):
            if not raw_line.endswith(b"\n"):
                warnings.warn(f"{path}:{lineno}: dropped an incomplete last line", stacklevel=2)
                return
            where = f"{path}:{lineno}"
            try:
                # Invalid UTF-8 from a model must not make the whole transcript unreadable.
                raw = json.loads(raw_line.decode("utf-8", errors="replace"))
            except json.JSONDecodeError as exc:
                raise TranscriptError(f"{where}: not valid JSON: {exc}") from None
            if not isinstance(raw, dict):
                raise TranscriptError(f"{where}: expected a JSON object")
            if lineno == 1:
                if raw.get("type") != "header":
                    raise TranscriptError(f"{where}: the first line must be the header")
                version = int(raw.get("schema_version", 0))
            raw = _migrate(raw, version, where)
            try:
                yield _EVENT.validate_python(raw)
            except ValidationError as exc:
                first = exc.errors(include_url=False)[0]
                loc = ".".join(str(p) for p in first["loc"])
                raise TranscriptError(f"{where}: {loc}: {first['msg']}") from None


def read_transcript(path: Path | str) -> Transcript:
    """Read a whole transcript (header, turns, optional end)."""
    path = Path(path)
    events = iter_events(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = next(events, None)
        if not isinstance(first, HeaderEvent):
            raise TranscriptError(f"{path}: empty transcript (no header)")
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


class TranscriptWriter:
    """Appends events, one flushed line each, so a killed run loses at most one line."""

    def __init__(self, path: Path) -> None:
        """Open ``path`` for appending, first cutting any incomplete last line."""
        self.path = path
        _truncate_partial_line(path)
        self._fh: IO[str] = path.open("a", encoding="utf-8")

    def write(self, event: _Event) -> None:
        """Append one event and flush it to the OS."""
        self._fh.write(dump_event(event) + "\n")
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
    """Rewrite a transcript in canonical order, atomically (temp file + rename)."""
    tmp = path.with_suffix(".jsonl.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(dump_event(t.header) + "\n")
        for turn in sorted(t.turns, key=turn_sort_key(t.header)):
            fh.write(dump_event(turn) + "\n")
        if t.end is not None:
            fh.write(dump_event(t.end) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
