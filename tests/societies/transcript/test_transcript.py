"""Transcript round trip, the schema version check, and torn last lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from societies.config import parse_config
from societies.engine.experiment import run_experiment
from societies.errors import TranscriptError
from societies.transcript import (
    SCHEMA_VERSION,
    TranscriptWriter,
    read_transcript,
    strip_volatile,
)
from tests.helpers.configs import sim_config


@pytest.fixture()
def run_dir(tmp_path: Path) -> Path:
    run_experiment(parse_config(sim_config()), tmp_path / "run")
    return tmp_path / "run"


def test_round_trip_is_lossless(run_dir: Path) -> None:
    path = run_dir / "transcript.jsonl"
    t = read_transcript(path)
    assert t.header.schema_version == SCHEMA_VERSION
    assert len(t.turns) == 6 * 2 * 3 * 3 and t.end is not None and t.end.status == "complete"
    copy = run_dir / "copy.jsonl"
    w = TranscriptWriter(copy)
    for ev in (t.header, *t.turns, t.end):
        w.write(ev)
    w.close()
    assert copy.read_bytes() == path.read_bytes()


def test_header_records_questions_gold_and_components(run_dir: Path) -> None:
    t = read_transcript(run_dir / "transcript.jsonl")
    h = t.header
    assert len(h.questions) == 6 and all(q.gold for q in h.questions)
    assert h.components["backends"]["sim"]["kind"] == "scripted"
    assert h.rounds == ["initial", "debate", "reflection"]
    assert {"python", "pydantic", "sociolab"} <= set(h.versions)
    assert h.config["seed"] == 3
    golds = {q.id: q.gold for q in h.questions}
    for turn in t.turns:
        assert turn.correct == (turn.answer == golds[turn.question_id])


def test_newer_schema_is_refused(run_dir: Path) -> None:
    path = run_dir / "transcript.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    head = json.loads(lines[0])
    head["schema_version"] = SCHEMA_VERSION + 1
    path.write_text(json.dumps(head) + "\n" + "".join(lines[1:]))
    with pytest.raises(TranscriptError, match="upgrade sociolab"):
        read_transcript(path)


def test_torn_last_line_is_dropped_and_truncated_on_append(run_dir: Path) -> None:
    path = run_dir / "transcript.jsonl"
    data = path.read_bytes()
    lines = data.splitlines(keepends=True)
    torn = b"".join(lines[:10]) + lines[10][:25]
    path.write_bytes(torn)
    t = read_transcript(path)
    assert t.dropped_partial_line and len(t.turns) == 9 and t.end is None
    TranscriptWriter(path).close()  # opening for append cuts the torn line
    assert path.read_bytes() == b"".join(lines[:10])


def test_bad_middle_line_names_its_number(run_dir: Path) -> None:
    path = run_dir / "transcript.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    lines[4] = "{not json\n"
    path.write_text("".join(lines))
    with pytest.raises(TranscriptError, match=r"transcript.jsonl:5: not valid JSON"):
        read_transcript(path)


def test_strip_volatile_removes_only_timing_fields() -> None:
    rec = {
        "latency_s": 1.0,
        "cached": True,
        "reply": "x",
        "nested": [{"wall_s": 3, "k": 1}],
        "session": {},
    }
    assert strip_volatile(rec) == {"reply": "x", "nested": [{"k": 1}]}


def test_backend_statistics_are_optional_on_turns(run_dir: Path) -> None:
    from agents.types import Completion
    from benchmarks import ArithmeticSpec
    from societies.engine.runner import reply_fields

    path = run_dir / "transcript.jsonl"
    first = path.read_text(encoding="utf-8").splitlines()[1]
    assert "backend_stats" not in first  # backends without statistics (and old runs) omit it
    turn = read_transcript(path).turns[0]
    assert turn.backend_stats is None
    stats = {"steps": 3, "fused": 2, "changed": 1, "distance": 0.25}
    with_stats = turn.model_copy(update={"backend_stats": stats})
    line = with_stats.model_dump_json()
    assert json.loads(line)["backend_stats"] == stats
    assert type(turn).model_validate_json(line) == with_stats
    # a reply's statistics reach its turn
    task = ArithmeticSpec(name="arithmetic", limit=1).build()
    question = task.questions()[0]
    fields = reply_fields(task, question, Completion(text="1", stats=stats), seed=0, backend="b")
    assert fields["backend_stats"] == stats
