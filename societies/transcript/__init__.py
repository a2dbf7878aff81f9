"""Transcripts, the single source of truth of a run: schema, reading and writing, finding runs.

Nothing here imports the engine, the sweeps or a backend: reports and replays
read old runs, runs of other machines and imported transcripts alike.
"""

from societies.transcript.io import (
    LineRef,
    TranscriptWriter,
    dump_event,
    header_version,
    index_turns,
    iter_events,
    parse_lines,
    read_transcript,
    rewrite_canonical,
    strip_volatile,
    write_canonical,
)
from societies.transcript.runs import TranscriptTail, find_transcripts, load_transcript
from societies.transcript.schema import (
    COALITION,
    MIGRATIONS,
    SCHEMA_VERSION,
    TRANSCRIPT,
    VOLATILE_FIELDS,
    AgentRecord,
    EndEvent,
    Event,
    HeaderEvent,
    OpeningRecord,
    QuestionRecord,
    RouteRecord,
    Transcript,
    TurnEvent,
    turn_sort_key,
)

__all__ = [
    "COALITION",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "TRANSCRIPT",
    "VOLATILE_FIELDS",
    "AgentRecord",
    "EndEvent",
    "Event",
    "HeaderEvent",
    "LineRef",
    "OpeningRecord",
    "QuestionRecord",
    "RouteRecord",
    "Transcript",
    "TranscriptTail",
    "TranscriptWriter",
    "TurnEvent",
    "dump_event",
    "find_transcripts",
    "header_version",
    "index_turns",
    "iter_events",
    "load_transcript",
    "parse_lines",
    "read_transcript",
    "rewrite_canonical",
    "strip_volatile",
    "turn_sort_key",
    "write_canonical",
]
