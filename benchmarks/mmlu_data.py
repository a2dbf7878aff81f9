"""Reading MMLU questions: the original CSV layout, HF-hub style JSONL/Parquet, or the hub itself.

Supported sources:

- the original release: a folder with ``<split>/<subject>_<split>.csv`` (or the
  ``<split>`` folder itself, or one such CSV file); no header, columns question,
  A, B, C, D, answer letter;
- rows as published on the Hugging Face hub, in ``.jsonl``, ``.json`` or ``.parquet``
  files (one file, or a folder searched for files of the split): ``question``,
  ``choices`` (2 to 10 texts), ``answer`` (index or letter), optional ``subject``,
  ``role``, ``id``/``index``. The MachineSoM sample (``index``, ``question``,
  ``choices``, ``answer`` letter, ``role``) is such a file;
- a hub dataset id (e.g. ``cais/mmlu``) through the optional ``datasets`` package.
"""

from __future__ import annotations

import csv
from pathlib import Path

from benchmarks.base import Question
from benchmarks.choice import LETTERS
from benchmarks.errors import TaskDataError
from benchmarks.records import DATA_SUFFIXES, Record, read_records, require_exists


def subject_role(subject: str) -> str:
    """The persona for a subject: ``high_school_biology`` -> ``an expert in biology``."""
    words = subject.replace("_", " ").strip()
    return f"an expert in {words.removeprefix('high school ')}"


def read_mmlu_csv(path: Path, subject: str) -> list[Question]:
    """Read one subject file of the original release (no header; question, A, B, C, D, letter)."""
    require_exists(path, "MMLU CSV file")
    out: list[Question] = []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        try:
            for row in reader:
                line = reader.line_num
                if len(row) != 6 or row[5].strip().upper() not in LETTERS[:4]:
                    raise TaskDataError(
                        f"{path}:{line}: expected 6 columns (question, A, B, C, D, answer "
                        f"letter A-D), got {len(row)} column(s)"
                        + (f" ending in {row[-1][:20]!r}" if row else "")
                    )
                out.append(
                    Question(
                        id=f"{subject}/{len(out)}",
                        prompt=row[0].strip(),
                        choices=tuple(c.strip() for c in row[1:5]),
                        gold=row[5].strip().upper(),
                        role=subject_role(subject),
                        metadata={"subject": subject},
                    )
                )
        except csv.Error as exc:
            raise TaskDataError(f"{path}:{reader.line_num}: malformed CSV: {exc}") from None
    return out


def _gold(rec: Record, n: int) -> str:
    value = rec.get("answer")
    if isinstance(value, bool):
        value = None
    if isinstance(value, int) and 0 <= value < n:
        return LETTERS[value]
    if isinstance(value, str):
        text = value.strip().strip("()").upper()
        if text in LETTERS[:n]:
            return text
        if text.isdigit() and int(text) < n:
            return LETTERS[int(text)]
    raise rec.error(
        f"field 'answer' must be an option index 0-{n - 1} or a letter A-{LETTERS[n - 1]}, "
        f"got {value!r}"
    )


def record_question(rec: Record, prefix: str) -> Question:
    """One question from a hub-style row (see the module docstring for the fields)."""
    question = rec.text("question")
    choices = rec.strings("choices")
    if not 2 <= len(choices) <= len(LETTERS):
        raise rec.error(
            f"field 'choices' must hold 2 to {len(LETTERS)} options, got {len(choices)}"
        )
    subject = rec.get("subject")
    if subject is not None and not isinstance(subject, str):
        raise rec.error("field 'subject' must be a string")
    subject = subject or None
    role = rec.get("role")
    if role is not None and not isinstance(role, str):
        raise rec.error("field 'role' must be a string")
    ident = rec.get("id")
    if ident is None:
        index = rec.get("index", rec.position)
        ident = f"{subject or prefix}/{index}"
    metadata: dict[str, object] = {"subject": subject} if subject else {}
    if rec.get("index") is not None:
        metadata["index"] = rec.get("index")
    return Question(
        id=str(ident),
        prompt=question.strip(),
        choices=tuple(c.strip() for c in choices),
        gold=_gold(rec, len(choices)),
        role=role or (subject_role(subject) if subject else None),
        metadata=metadata,
    )


def _csv_files(folder: Path, split: str) -> dict[str, Path]:
    for where in (folder / split, folder):
        files = sorted(where.glob(f"*_{split}.csv")) if where.is_dir() else []
        if files:
            return {p.stem.removesuffix(f"_{split}"): p for p in files}
    return {}


def _data_files(folder: Path, split: str) -> list[Path]:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in DATA_SUFFIXES)
    return [
        p
        for p in files
        if p.stem.startswith(split)
        or p.stem.endswith(f"_{split}")
        or split in p.relative_to(folder).parent.parts
    ]


def load_mmlu_path(path: Path, split: str) -> list[Question]:
    """All questions under ``path`` (a CSV, a data file, or a folder of either)."""
    require_exists(path, "MMLU data")
    if path.is_file():
        if path.suffix.lower() == ".csv":
            return read_mmlu_csv(path, path.stem.removesuffix(f"_{split}"))
        return [record_question(r, path.stem) for r in read_records(path)]
    csvs = _csv_files(path, split)
    if csvs:
        return [q for subject, p in csvs.items() for q in read_mmlu_csv(p, subject)]
    files = _data_files(path, split)
    if not files:
        raise TaskDataError(
            f"{path}: no MMLU data for split {split!r} (expected {split}/<subject>_{split}.csv, "
            f"or .jsonl/.json/.parquet files named {split}*)"
        )
    out: list[Question] = []
    for p in files:
        prefix = p.parent.name if p.parent != path else p.stem
        out += [record_question(r, prefix) for r in read_records(p)]
    return out
