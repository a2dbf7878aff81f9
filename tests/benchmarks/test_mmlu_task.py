"""MMLU: every source layout, subject filter, sampling, roles, extraction modes, errors."""

from __future__ import annotations

import csv
import json
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from benchmarks.base import Question
from benchmarks.errors import TaskDataError, TaskError
from benchmarks.mmlu import MMLUSpec, MMLUTask
from benchmarks.mmlu_data import read_mmlu_csv

DATA = Path(__file__).resolve().parents[2] / "../shared/data"
MMLU = DATA / "mmlu"
SAMPLE = DATA / "machinesom/mmlu.jsonl"
needs_data = pytest.mark.skipif(
    not MMLU.is_dir(), reason=f"shared benchmark data not found at {DATA.resolve()}"
)
SUBJECTS = [
    "high_school_biology",
    "high_school_chemistry",
    "high_school_computer_science",
    "high_school_mathematics",
    "high_school_physics",
    "high_school_statistics",
]


def _task(**kw: object) -> MMLUTask:
    return MMLUSpec.model_validate({"name": "mmlu", **kw}).build()


def _csv_rows(subject: str) -> list[list[str]]:
    path = MMLU / "test" / f"{subject}_test.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _hub_rows() -> list[dict[str, Any]]:
    """Rows in the hub layout (answer as an index), made from the real CSV files."""
    return [
        {"question": r[0], "subject": s, "choices": r[1:5], "answer": "ABCD".index(r[5])}
        for s in SUBJECTS[:2]
        for r in _csv_rows(s)
    ]


@needs_data
def test_csv_folder_loads_every_question() -> None:
    questions = _task(path=MMLU).questions()
    assert len(questions) == 1250
    assert {q.metadata["subject"] for q in questions} == set(SUBJECTS)
    first = _csv_rows("high_school_biology")[0]
    q = questions[0]
    assert (q.prompt, list(q.choices or ()), q.gold) == (first[0], first[1:5], first[5])
    assert q.role == "an expert in biology"
    # the split folder itself, and a single CSV, work too
    assert len(_task(path=MMLU / "test").questions()) == 1250
    one = _task(path=MMLU / "test/high_school_physics_test.csv").questions()
    assert len(one) == len(_csv_rows("high_school_physics"))


@needs_data
def test_subject_filter_and_seeded_sampling() -> None:
    picked = _task(path=MMLU, subjects=["high_school_physics"], limit=10, seed=5).questions()
    assert len(picked) == 10 and {q.metadata["subject"] for q in picked} == {"high_school_physics"}
    again = _task(path=MMLU, subjects=["high_school_physics"], limit=10, seed=5).questions()
    other = _task(path=MMLU, subjects=["high_school_physics"], limit=10, seed=6).questions()
    assert [q.id for q in picked] == [q.id for q in again] != [q.id for q in other]


@needs_data
def test_machinesom_sample_loads_with_its_roles() -> None:
    questions = _task(path=SAMPLE).questions()
    rows = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
    assert len(questions) == 50
    assert [q.role for q in questions] == [r["role"] for r in rows]
    assert [q.gold for q in questions] == [r["answer"] for r in rows]
    assert [list(q.choices or ()) for q in questions] == [r["choices"] for r in rows]
    assert questions[3].id == "mmlu/3"
    assert all(q.role is None for q in _task(path=SAMPLE, use_roles=False).questions())
    assert all(q.role == "a tutor" for q in _task(path=SAMPLE, role="a tutor").questions())
    with pytest.raises(TaskError, match="has no subject field"):
        _task(path=SAMPLE, subjects=["biology"]).questions()


@needs_data
def test_hub_layout_jsonl_and_parquet(tmp_path: Path) -> None:
    rows = _hub_rows()
    jsonl = tmp_path / "test.jsonl"
    jsonl.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    from_jsonl = _task(path=jsonl).questions()
    from_csv = _task(path=MMLU, subjects=SUBJECTS[:2]).questions()
    assert [(q.prompt, q.choices, q.gold) for q in from_jsonl] == [
        (q.prompt, q.choices, q.gold) for q in from_csv
    ]
    letters = [dict(r, answer="ABCD"[r["answer"]]) for r in rows]
    jsonl.write_text("\n".join(json.dumps(r) for r in letters), encoding="utf-8")
    assert [q.gold for q in _task(path=jsonl).questions()] == [q.gold for q in from_csv]

    pq = pytest.importorskip("pyarrow.parquet", reason="pyarrow is needed to write Parquet")
    pa = pytest.importorskip("pyarrow")
    folder = tmp_path / "hub/all"
    folder.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows), folder / "test-00000-of-00001.parquet")
    pq.write_table(pa.Table.from_pylist(rows[:3]), folder / "dev-00000-of-00001.parquet")
    from_parquet = _task(path=tmp_path / "hub", subjects=[SUBJECTS[1]]).questions()
    assert [q.prompt for q in from_parquet] == [q.prompt for q in from_csv if "chem" in q.id]
    assert len(_task(path=tmp_path / "hub", split="dev").questions()) == 3


def test_hub_id_through_datasets(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str | None, str]] = []
    rows = [
        {"question": "2+2?", "subject": "math", "choices": ["3", "4", "5", "6"], "answer": 1},
        {"question": "Cell?", "subject": "bio", "choices": ["a", "b", "c", "d"], "answer": 2},
    ]

    def load_dataset(name: str, config: str | None, split: str) -> list[dict[str, Any]]:
        calls.append((name, config, split))
        return rows

    fake = types.ModuleType("datasets")
    fake.load_dataset = load_dataset  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "datasets", fake)
    questions = _task(subjects=["bio"]).questions()
    assert calls == [("cais/mmlu", "all", "test")]
    assert [(q.id, q.gold, q.role) for q in questions] == [("bio/1", "C", "an expert in bio")]
    _task(hub="someone/mmlu-pro", hub_config="x", split="validation").questions()
    assert calls[-1] == ("someone/mmlu-pro", "x", "validation")


def test_missing_datasets_package_names_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "datasets", None)
    with pytest.raises(TaskError, match="pip install datasets"):
        _task().questions()


def test_missing_pyarrow_names_the_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "test.parquet"
    path.write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(TaskError, match="pip install pyarrow"):
        _task(path=path).questions()


def test_hub_failure_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def load_dataset(name: str, config: str | None, split: str) -> list[dict[str, Any]]:
        raise ConnectionError("no network\nlong details")

    fake = types.ModuleType("datasets")
    fake.load_dataset = load_dataset  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "datasets", fake)
    with pytest.raises(TaskError) as info:
        _task().questions()
    assert str(info.value) == (
        "hub cais/mmlu (all) [test]: could not load: no network (give task.path to a local copy)"
    )


def test_path_and_hub_are_exclusive() -> None:
    with pytest.raises(ValueError, match="either path"):
        MMLUSpec(name="mmlu", path=Path("x"), hub="cais/mmlu")


@needs_data
def test_errors(tmp_path: Path) -> None:
    with pytest.raises(TaskError, match=r"unknown subject 'high_school_bio' .*high_school_biology"):
        _task(path=MMLU, subjects=["high_school_bio"]).questions()
    with pytest.raises(TaskDataError, match="no such file"):
        _task(path=tmp_path / "absent").questions()
    bad = tmp_path / "test" / "x_test.csv"
    bad.parent.mkdir()
    bad.write_text('"Q1",a,b,c,d,A\n"Q2",a,b,c,E\n', encoding="utf-8")
    with pytest.raises(TaskDataError, match=r"x_test\.csv:2: expected 6 columns"):
        _task(path=tmp_path).questions()
    rows = tmp_path / "rows.jsonl"
    rows.write_text(
        '{"question": "q", "choices": ["a", "b"], "answer": 1}\n'
        '{"question": "q", "choices": ["a", "b"], "answer": 7}\n',
        encoding="utf-8",
    )
    with pytest.raises(TaskDataError, match=r"rows\.jsonl:2: field 'answer' must be"):
        _task(path=rows).questions()
    with pytest.raises(TaskDataError, match="no MMLU data for split 'dev'"):
        _task(path=tmp_path / "test", split="dev").questions()
    assert read_mmlu_csv(MMLU / "test/high_school_physics_test.csv", "p")[0].id == "p/0"


@needs_data
def test_extraction_modes_on_real_questions() -> None:
    q = _task(path=SAMPLE).questions()[1]  # options include "Turner syndrome" (C)
    reply = f"The answer is (B), although {q.choices[2] if q.choices else ''} fits too."
    assert _task(path=SAMPLE).extract(reply, q).answer == "B"
    machinesom = _task(path=SAMPLE, extraction="machinesom")
    assert machinesom.extract(reply, q).answer == "C"
    assert machinesom.extract(machinesom.render_answer("D"), q).answer == "D"


def test_machinesom_scoring_is_the_studys_case_insensitive_equality() -> None:
    q = Question(id="q", prompt="?", gold="B", choices=("w", "x", "y", "z"))
    study, ours = _task(extraction="machinesom"), _task()
    assert [study.is_correct(a, q) for a in ["B", "b", "A", "BECAUSE", None]] == [
        True,
        True,
        False,
        False,
        False,
    ]
    assert ours.is_correct("B", q) and not ours.is_correct("b", q)
