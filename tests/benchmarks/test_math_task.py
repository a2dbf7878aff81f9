"""MATH: boxed extraction on every reference solution, loaders, filters, errors."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks.base import Question
from benchmarks.boxed import boxed_all, last_boxed
from benchmarks.errors import TaskDataError, TaskError
from benchmarks.math import MathSpec, MathTask
from benchmarks.math_equiv import is_equiv
from benchmarks.math_normalize import normalize_answer

DATA = Path(__file__).resolve().parents[2] / "../shared/data"
MATH_FILE = DATA / "math/test_levels3-5.jsonl"
needs_data = pytest.mark.skipif(
    not MATH_FILE.is_file(), reason=f"shared benchmark data not found at {DATA.resolve()}"
)


def _rows() -> list[dict[str, str]]:
    return [json.loads(line) for line in MATH_FILE.read_text(encoding="utf-8").splitlines()]


def _task(path: Path, **kw: object) -> MathTask:
    return MathSpec.model_validate({"name": "math", "path": path, **kw}).build()


@needs_data
def test_last_boxed_of_every_solution_is_its_answer() -> None:
    rows = _rows()
    assert len(rows) == 2242
    wrong = [r["id"] for r in rows if last_boxed(r["solution"]) != r["answer"]]
    assert wrong == []
    assert sum(len(boxed_all(r["solution"])) > 1 for r in rows) > 0  # the last one is chosen


@needs_data
def test_task_extracts_and_scores_every_solution() -> None:
    task = _task(MATH_FILE)
    questions = task.questions()
    by_id = {r["id"]: r for r in _rows()}
    for q in questions:
        got = task.extract(by_id[q.id]["solution"], q)
        assert got.method == "boxed"
        assert got.answer == q.gold == normalize_answer(by_id[q.id]["answer"])
        assert task.is_correct(got.answer, q)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (r"so \boxed{\frac{a}{\sqrt{b}}} and", [r"\frac{a}{\sqrt{b}}"]),
        (r"\boxed{1} then \fbox{2}", ["1", "2"]),
        (r"\boxed{\{1, 2\}}", [r"\{1, 2\}"]),
        (r"\boxed 5$", ["5"]),
        (r"\boxed{unclosed", []),
        (r"\boxedx{3}", []),
    ],
)
def test_boxed_forms(text: str, found: list[str]) -> None:
    assert boxed_all(text) == found
    assert last_boxed(text) == (found[-1] if found else None)


REWRITES: list[Callable[[str], str]] = [
    lambda a: f"  {a.replace('+', ' + ').replace(',', ', ')}  ",
    lambda a: a.replace("\\frac", "\\dfrac"),
    lambda a: f"x = {a}",
    lambda a: f"${a}$",
    lambda a: f"{a}.",
    lambda a: a.replace("(", "\\left(").replace(")", "\\right)"),
    lambda a: f"\\boxed{{{a}}}",
    lambda a: re.sub(r"\\frac\{(\d)\}\{(\d)\}", r"\\frac\1\2", a),
]


@needs_data
def test_every_answer_survives_rewriting() -> None:
    for row in _rows():
        answer = row["answer"]
        canonical = normalize_answer(answer)
        assert normalize_answer(canonical) == canonical
        for rewrite in REWRITES:
            assert normalize_answer(rewrite(answer)) == canonical, (answer, rewrite(answer))
        assert is_equiv(answer, f"y = {answer} \\text{{ units}}", timeout=0)


@needs_data
def test_level_and_subject_filters() -> None:
    task = _task(MATH_FILE, levels=[5], subjects=["Number Theory", "counting_and_probability"])
    questions = task.questions()
    assert questions
    assert {q.metadata["level"] for q in questions} == {5}
    assert {q.metadata["subject"] for q in questions} == {"Number Theory", "Counting & Probability"}
    expected = sum(
        1
        for r in _rows()
        if r["level"] == "Level 5" and r["type"] in ("Number Theory", "Counting & Probability")
    )
    assert len(questions) == expected


@needs_data
def test_sampling_is_seeded() -> None:
    first = [q.id for q in _task(MATH_FILE, limit=20, seed=3).questions()]
    again = [q.id for q in _task(MATH_FILE, limit=20, seed=3).questions()]
    other = [q.id for q in _task(MATH_FILE, limit=20, seed=4).questions()]
    assert first == again and len(first) == 20 and first != other


@needs_data
def test_machinesom_sample_loads() -> None:
    path = DATA / "machinesom/math.jsonl"
    questions = _task(path).questions()
    assert len(questions) == 50
    assert questions[0].id == "math/0"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [q.gold for q in questions] == [normalize_answer(r["answer"]) for r in rows]
    full = {r["problem"] for r in _rows()}
    assert all(q.prompt in full for q in questions)


@needs_data
def test_original_folder_layout(tmp_path: Path) -> None:
    rows = _rows()[:40]
    for r in rows:
        subject, name = r["id"].split("/")
        folder = tmp_path / "MATH/test" / subject
        folder.mkdir(parents=True, exist_ok=True)
        keep = {k: r[k] for k in ("problem", "level", "type", "solution")}  # no answer field
        (folder / name).write_text(json.dumps(keep), encoding="utf-8")
    questions = _task(tmp_path / "MATH").questions()
    assert sorted(q.id for q in questions) == sorted(r["id"] for r in rows)
    gold = {r["id"]: normalize_answer(r["answer"]) for r in rows}
    assert all(q.gold == gold[q.id] for q in questions)


def test_extraction_methods() -> None:
    task = _task(Path("unused.jsonl"))  # extraction needs no data
    question = Question(id="q", prompt="?", gold="0.5")
    cases = [
        ("so $x = \\boxed{\\frac{1}{2}}$.", "0.5", "boxed"),
        ("\\fbox{3}", "3", "boxed"),
        ("\\boxed{1} no wait \\boxed{\\frac{\\sqrt{3}}{2}}", "\\frac{\\sqrt{3}}{2}", "boxed"),
        ("The final answer is $\\frac{1}{2}$.", "0.5", "answer-is"),
        ("Answer: 1,000", "1000", "answer-is"),
        ("So the answer is 12 apples.", "12", "answer-is"),
        ("The answer is 5 cm.", "5", "answer-is"),
        ("We get 3 and then 7", "7", "last-number"),
        ("no idea", None, "none"),
    ]
    for reply, answer, method in cases:
        got = task.extract(reply, question)
        assert (got.answer, got.method) == (answer, method), reply
    strict = _task(Path("unused.jsonl"), boxed_only=True)
    assert strict.extract("The final answer is 5.", question).answer is None


def test_errors(tmp_path: Path) -> None:
    with pytest.raises(TaskError, match=r"task\.path: math needs"):
        MathSpec(name="math").build()
    with pytest.raises(TaskDataError, match="no such file"):
        _task(tmp_path / "missing.jsonl").questions()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"problem": "1+1", "answer": "2"}\n{"problem": "2+2"}\n', encoding="utf-8")
    with pytest.raises(TaskDataError, match=r"bad\.jsonl:2: missing field 'answer'"):
        _task(bad).questions()
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"problem": "1+1", "answer": "2"}\n\n{"problem": \n', encoding="utf-8")
    with pytest.raises(TaskDataError, match=r"broken\.jsonl:3: invalid JSON"):
        _task(broken).questions()
    good = tmp_path / "good.jsonl"
    good.write_text(
        '{"problem": "1+1", "answer": "2", "level": "Level 3", "type": "Algebra"}\n',
        encoding="utf-8",
    )
    with pytest.raises(TaskError, match=r"unknown subject 'Geometry'.*known: Algebra"):
        _task(good, subjects=["Geometry"]).questions()
    with pytest.raises(TaskError, match="no level 4"):
        _task(good, levels=[4]).questions()
    with pytest.raises(TaskError) as info:
        _task(good, subjects=["Geometry"]).questions()
    assert "\n" not in str(info.value)
