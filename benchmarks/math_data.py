"""Reading MATH problems: JSONL files or the original release's folder of JSON files.

Fields: ``problem`` (required), ``answer`` (else the last ``\\boxed{}`` of ``solution``),
``solution``, ``level`` (``Level 3`` or 3), ``type`` (the subject, e.g. ``Number Theory``)
and optionally ``id``/``index``. The MachineSoM sample (``index``, ``problem``,
``answer``) is such a file. The original release has one JSON object per file under
``<split>/<subject>/<n>.json``; a problem's id is then that relative path.
"""

from __future__ import annotations

import re
from pathlib import Path

from benchmarks.base import Question
from benchmarks.boxed import last_boxed
from benchmarks.errors import TaskDataError
from benchmarks.math_normalize import normalize_answer
from benchmarks.records import Record, read_json, read_records, require_exists


def subject_key(name: str) -> str:
    """A subject's key: ``Counting & Probability`` and ``counting_and_probability`` give the same."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower().replace("&", "and")).strip("_")


def _level(rec: Record) -> int | None:
    value = rec.get("level")
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(?:level\s*)?(\d+|\?)\s*", value, re.I)
        if m is not None:
            return int(m.group(1)) if m.group(1).isdigit() else None
    raise rec.error(f"field 'level' must look like 'Level 3' or 3, got {value!r}")


def record_problem(rec: Record, ident: str) -> Question:
    """One problem from a row (see the module docstring for the fields)."""
    problem = rec.text("problem")
    solution = rec.get("solution")
    if solution is not None and not isinstance(solution, str):
        raise rec.error("field 'solution' must be a string")
    answer = rec.get("answer")
    if answer is None and solution is not None:
        answer = last_boxed(solution)
        if answer is None:
            raise rec.error("no field 'answer' and no \\boxed{} answer in 'solution'")
    if answer is None:
        raise rec.error("missing field 'answer' (or a 'solution' with a \\boxed{} answer)")
    if isinstance(answer, int | float) and not isinstance(answer, bool):
        answer = str(answer)
    if not isinstance(answer, str):
        raise rec.error(f"field 'answer' must be a string, got {type(answer).__name__}")
    gold = normalize_answer(answer)
    if not gold:
        raise rec.error(f"field 'answer' is empty after normalisation ({answer!r})")
    subject = rec.get("type")
    if subject is not None and not isinstance(subject, str):
        raise rec.error("field 'type' must be a string")
    metadata: dict[str, object] = {"answer": answer}
    level = _level(rec)
    if level is not None:
        metadata["level"] = level
    if subject:
        metadata["subject"] = subject
    return Question(id=ident, prompt=problem.strip(), gold=gold, metadata=metadata)


def _row_id(rec: Record, prefix: str) -> str:
    ident = rec.get("id")
    if ident is not None:
        return str(ident)
    return f"{prefix}/{rec.get('index', rec.position)}"


def load_math_path(path: Path, split: str) -> list[Question]:
    """All problems in a ``.jsonl``/``.json``/``.parquet`` file or an original-layout folder."""
    require_exists(path, "MATH data")
    if path.is_file():
        return [record_problem(r, _row_id(r, path.stem)) for r in read_records(path)]
    folder = path / split if (path / split).is_dir() else path
    files = sorted(folder.rglob("*.json"))
    if not files:
        raise TaskDataError(
            f"{path}: no MATH problems (expected {split}/<subject>/<n>.json files or a .jsonl file)"
        )
    out: list[Question] = []
    for file in files:
        data = read_json(file)
        if not isinstance(data, dict):
            raise TaskDataError(f"{file}: expected a JSON object with 'problem' and 'solution'")
        ident = file.relative_to(folder).as_posix()
        out.append(record_problem(Record(str(file), len(out), data), ident))
    return out
