"""Task configs: chosen by name, strict fields, paths relative to the config file, one-line errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from benchmarks import ArithmeticSpec, ChessSpec, GSM8KSpec, MathSpec, MMLUSpec
from benchmarks.errors import TaskError
from societies.config import parse_config
from societies.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "../shared/data"


def _config(task: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "t",
        "task": task,
        "backends": {"sim": {"kind": "scripted"}},
        "agents": [{"name": "a", "backend": "sim", "count": 3}],
    }


def _errors(task: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(_config(task), source="c.yaml", base_dir=REPO)
    return [line for line in str(info.value).splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("name", "spec_type"),
    [
        ("arithmetic", ArithmeticSpec),
        ("mmlu", MMLUSpec),
        ("math", MathSpec),
        ("chess", ChessSpec),
        ("gsm8k", GSM8KSpec),
    ],
)
def test_every_task_is_chosen_by_name(name: str, spec_type: type) -> None:
    cfg = parse_config(_config({"name": name, "limit": 3, "seed": 9}), base_dir=REPO)
    assert isinstance(cfg.task, spec_type)
    assert (cfg.task.limit, cfg.task.seed) == (3, 9)


def test_relative_path_resolves_against_the_config_folder() -> None:
    task = {"name": "chess", "path": "../shared/data/chess/synthetic_short.json", "limit": 3}
    cfg = parse_config(_config(task), base_dir=REPO)
    assert cfg.task.path == (DATA / "chess/synthetic_short.json").resolve()
    if not cfg.task.path.is_file():
        pytest.skip(f"shared benchmark data not found at {DATA.resolve()}")
    assert len(cfg.task.build().questions()) == 3


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ({"name": "chess", "limit": 3, "colour": "white"}, "c.yaml: task.colour: unknown field"),
        ({"name": "mmlu", "levels": [3]}, "c.yaml: task.levels: unknown field"),
        ({"name": "gsm8k", "subjects": ["x"]}, "c.yaml: task.subjects: unknown field"),
        (
            {"name": "math", "levels": [7]},
            "c.yaml: task.levels[0]: Input should be less than or equal to 5",
        ),
        ({"name": "chess", "min_plies": 9, "max_plies": 2}, "min_plies (9) exceeds max_plies (2)"),
        (
            {"name": "chess", "limit": 0},
            "c.yaml: task.limit: Input should be greater than or equal to 1",
        ),
        ({"name": "mmlu", "extraction": "lenient"}, "c.yaml: task.extraction:"),
        ({"name": "mmlu", "path": "x", "hub": "cais/mmlu"}, "either path"),
        ({"name": "poker"}, "task.name: unknown task 'poker' (known: arithmetic, chess"),
    ],
)
def test_config_errors_are_one_line_each(task: dict[str, Any], expected: str) -> None:
    lines = _errors(task)
    assert len(lines) == 1
    assert expected in lines[0]


def test_generated_tasks_reject_a_path_and_file_tasks_require_one() -> None:
    with pytest.raises(TaskError, match="arithmetic generates its questions"):
        ArithmeticSpec(name="arithmetic", path=Path("x.jsonl")).build()
    with pytest.raises(TaskError, match="math needs"):
        MathSpec(name="math").build()


def test_a_registered_extractor_is_accepted_and_used() -> None:
    from benchmarks import CHOICE_EXTRACTORS, Extraction, MMLUSpec, Question

    def first_letter(reply: str, question: Question) -> Extraction:
        return Extraction(answer=reply.strip()[:1] or None, method="first-letter")

    with pytest.raises(ValidationError, match="unknown choice extractor 'first'"):
        MMLUSpec(extraction="first")
    CHOICE_EXTRACTORS.register("first", first_letter)
    try:
        task = MMLUSpec(extraction="first", path=Path("unused")).build()
        q = Question(id="q", prompt="?", gold="B", choices=("x", "y"))
        assert task.extract("B, because (A) is wrong", q).method == "first-letter"
    finally:
        del CHOICE_EXTRACTORS._items["first"]
