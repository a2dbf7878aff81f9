"""GSM8K: the '#### answer' convention, extraction, errors (data written in the real format)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.base import Question
from benchmarks.errors import TaskDataError
from benchmarks.gsm8k import GSM8KSpec, GSM8KTask, canonical_number

ROWS = [
    {
        "question": "Natalia sold clips to 48 of her friends in April, and then she sold half as "
        "many clips in May. How many clips did Natalia sell altogether in April and May?",
        "answer": "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = "
        "<<48+24=72>>72 clips altogether in April and May.\n#### 72",
    },
    {
        "question": "A house costs $1,250 per month. What is the cost for a year?",
        "answer": "12 * 1250 = <<12*1250=15000>>15000\n#### 15,000",
    },
    {
        "question": "The temperature fell from 3 to -2 degrees. What is the new temperature?",
        "answer": "It is -2 degrees.\n#### -2",
    },
]


def _write(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    path = tmp_path / "test.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _task(path: Path, **kw: object) -> GSM8KTask:
    return GSM8KSpec.model_validate({"name": "gsm8k", "path": path, **kw}).build()


def test_loads_the_hash_answer(tmp_path: Path) -> None:
    questions = _task(_write(tmp_path, ROWS)).questions()
    assert [q.gold for q in questions] == ["72", "15000", "-2"]
    as_json = tmp_path / "test.json"
    as_json.write_text(json.dumps(ROWS), encoding="utf-8")
    assert _task(as_json).questions() == questions
    assert [q.id for q in questions] == ["test/0", "test/1", "test/2"]
    assert questions[0].prompt.startswith("Natalia sold clips")
    assert (
        _task(_write(tmp_path, ROWS), limit=2, seed=1).questions()
        == _task(_write(tmp_path, ROWS), limit=2, seed=1).questions()
    )


@pytest.mark.parametrize(
    ("reply", "answer", "method"),
    [
        ("48 + 24 = 72\n#### 72", "72", "hashes"),
        ("So she sold 72 clips.\nAnswer: 72", "72", "answer-is"),
        ("The answer is $15,000.", "15000", "answer-is"),
        ("The final answer is **-2**.", "-2", "answer-is"),
        ("Thus \\boxed{72}", "72", "boxed"),
        ("She sold 48, then 24, so 72 in total.", "72", "last-number"),
        ("Answer: 72.00", "72", "answer-is"),
        ("I don't know.", None, "none"),
    ],
)
def test_extraction(reply: str, answer: str | None, method: str, tmp_path: Path) -> None:
    task = _task(_write(tmp_path, ROWS))
    got = task.extract(reply, Question(id="q", prompt="?", gold="72"))
    assert (got.answer, got.method) == (answer, method)


def test_canonical_numbers() -> None:
    assert canonical_number("1,000.50") == "1000.5"
    assert canonical_number("$18") == "18"
    assert canonical_number("-0") == "0"
    assert canonical_number("7.") == "7"
    assert canonical_number("abc") is None


def test_errors(tmp_path: Path) -> None:
    rows = [*ROWS, {"question": "No final line", "answer": "it is 4"}]
    with pytest.raises(TaskDataError, match=r"test\.jsonl:4: field 'answer' has no final '####"):
        _task(_write(tmp_path, rows)).questions()
    rows = [ROWS[0], {"answer": "#### 3"}]
    with pytest.raises(TaskDataError, match=r"test\.jsonl:2: missing field 'question'"):
        _task(_write(tmp_path, rows)).questions()
    with pytest.raises(TaskDataError, match="no such file"):
        _task(tmp_path / "absent.jsonl").questions()
    twice = [dict(ROWS[0], id="q1"), dict(ROWS[1], id="q1")]
    with pytest.raises(TaskDataError, match="duplicate question id 'q1'"):
        _task(_write(tmp_path, twice)).questions()
    text = tmp_path / "x.txt"
    text.write_text("", encoding="utf-8")
    with pytest.raises(TaskDataError, match=r"unsupported file type '\.txt'"):
        _task(text).questions()
