"""Results: runs read from transcripts, their turns, measures and a DataFrame of turns."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from societies.analysis.results import TURN_COLUMNS, Results
from societies.errors import TranscriptError
from societies.transcript.synthetic import EpisodeAnswers, build_transcript, write_transcript
from sociolab.errors import MissingDependencyError

AGENTS = [("ada", "overconfident"), ("bo", "easy-going"), ("cy", "easy-going")]


def write_run(folder: Path, name: str, debate: list[str | None]) -> Path:
    t = build_transcript(
        AGENTS,
        ["initial", "debate"],
        [
            EpisodeAnswers("q1", "4", [["4", "5", None], debate]),
            EpisodeAnswers("q2", "B", [["B", "B", "C"], ["B", "B", "B"]]),
        ],
        name=name,
    )
    return write_transcript(t, folder / name / "transcript.jsonl")


def test_results_read_runs_and_measure_them(tmp_path: Path) -> None:
    write_run(tmp_path, "one", ["4", "4", "4"])
    write_run(tmp_path, "two", ["5", "5", "4"])
    both = Results.load(tmp_path)  # a folder of runs, like a sweep
    assert len(both) == 2 and both.status == ["complete", "complete"]
    assert len(both.turns) == 2 * 2 * 2 * 3
    assert len(both.metrics.overall.runs) == 2
    with pytest.raises(TranscriptError, match="2 runs, not one"):
        _ = both.transcript
    one = Results.load(tmp_path / "one" / "transcript.jsonl")
    assert one.header.name == "one" and one.paths == [tmp_path / "one" / "transcript.jsonl"]
    assert one.metrics.overall.measures.turns == 12


def test_to_pandas_has_a_row_per_turn(tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    write_run(tmp_path, "one", ["4", "4", "4"])
    write_run(tmp_path, "two", ["5", "5", "4"])
    df = Results.load(tmp_path / "one", tmp_path / "two").to_pandas()
    assert list(df.columns) == list(TURN_COLUMNS)
    assert len(df) == 24
    debate = df[(df["round"] == 1) & (df["question_id"] == "q1")]
    assert debate.groupby("name")["correct"].sum().to_dict() == {"one": 3, "two": 1}
    assert set(df["gold"]) == {"4", "B"}
    assert df["prompt_tokens"].sum() == sum(10 * (r + 1) for r in (0, 1)) * 3 * 2 * 2


def test_to_pandas_without_pandas_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_run(tmp_path, "one", ["4", "4", "4"])
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now fails
    with pytest.raises(MissingDependencyError, match=r"pip install 'sociolab\[parquet\]'"):
        Results.load(tmp_path / "one").to_pandas()
