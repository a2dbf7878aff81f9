"""Coalition calibration never tunes on the evaluated questions (the default split, the checks)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from benchmarks.base import Question
from societies.cli.app import app
from societies.config import ExperimentConfig, parse_config
from societies.config.coalition import CoalitionSpec
from societies.engine.calibrate import calibrate
from societies.engine.calibration_split import CalibrationSplit, calibration_split, text_key
from societies.errors import ConfigError
from tests.societies.engine.test_coalition import coalition_config


def mmlu_file(path: Path, texts: list[str], prefix: str = "q") -> Path:
    """An MMLU JSONL file: one row per text, ids ``{prefix}{i}``."""
    rows = [
        {"id": f"{prefix}{i}", "question": t, "choices": ["w", "x", "y", "z"], "answer": 0}
        for i, t in enumerate(texts)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def config(run_task: dict[str, Any], **calibration: Any) -> ExperimentConfig:
    """The coalition of the coalition tests on ``run_task``, with ``protocol.calibration``."""
    data = coalition_config(task=run_task)
    data["protocol"]["calibration"] = calibration
    return parse_config(data)


def split_of(cfg: ExperimentConfig) -> tuple[list[Question], CalibrationSplit]:
    assert isinstance(cfg.protocol, CoalitionSpec)
    spec = cfg.protocol.calibration
    return cfg.task.build().questions(), calibration_split(cfg, spec, "c.yaml")


def one_line_error(cfg: ExperimentConfig) -> str:
    with pytest.raises(ConfigError) as info:
        split_of(cfg)
    assert len(info.value.problems) == 1 and "\n" not in info.value.problems[0]
    return info.value.problems[0]


def test_the_default_split_leaves_out_evaluated_ids_and_texts(tmp_path: Path) -> None:
    # Every text twice, under two ids: an evaluated text must not come back under its twin's id.
    texts = [f"What is item {i}?" for i in range(8)]
    data = mmlu_file(tmp_path / "d.jsonl", texts + [f"  what is  ITEM {i}? " for i in range(8)])
    cfg = config({"name": "mmlu", "path": str(data), "limit": 4}, size=1)
    evaluated, split = split_of(cfg)
    seen = {text_key(q) for q in evaluated}
    left = 8 - len(seen)  # distinct texts the run does not evaluate
    assert split.available == left and split.kind == "disjoint" and split.evaluated == 4

    everything = config({"name": "mmlu", "path": str(data), "limit": 4}, size=left)
    evaluated, split = split_of(everything)
    assert len(split.questions) == left
    assert not {q.id for q in split.questions} & {q.id for q in evaluated}
    assert not {text_key(q) for q in split.questions} & seen
    assert len({text_key(q) for q in split.questions}) == left  # no text twice


def test_the_default_split_is_a_seeded_sample_as_large_as_the_evaluated_set(
    tmp_path: Path,
) -> None:
    data = mmlu_file(tmp_path / "d.jsonl", [f"Question number {i}?" for i in range(40)])
    cfg = config({"name": "mmlu", "path": str(data), "limit": 5})
    split = split_of(cfg)[1]
    again = split_of(cfg)[1]
    assert len(split.questions) == 5 and split.available == 35
    assert [q.id for q in split.questions] == [q.id for q in again.questions]
    assert split.seed is not None and split.seed != cfg.task.seed
    other = split_of(config({"name": "mmlu", "path": str(data), "limit": 5, "seed": 1}))[1]
    assert [q.id for q in other.questions] != [q.id for q in split.questions]


def test_a_used_up_pool_is_a_one_line_error_naming_the_fix(tmp_path: Path) -> None:
    data = mmlu_file(tmp_path / "d.jsonl", [f"Q{i}?" for i in range(6)])
    message = one_line_error(config({"name": "mmlu", "path": str(data)}))
    assert message.startswith("c.yaml: protocol.calibration: no question is left")
    assert "6 evaluated" in message and "task.limit" in message
    assert "protocol.calibration.task" in message


def test_asking_for_more_than_is_left_names_the_size_field(tmp_path: Path) -> None:
    data = mmlu_file(tmp_path / "d.jsonl", [f"Q{i}?" for i in range(6)])
    message = one_line_error(config({"name": "mmlu", "path": str(data), "limit": 4}, size=3))
    assert message.startswith("c.yaml: protocol.calibration.size: 3 questions asked, but only 2")


def test_an_explicit_task_that_overlaps_is_an_error_unless_allowed(tmp_path: Path) -> None:
    data = mmlu_file(tmp_path / "d.jsonl", [f"Question {i}?" for i in range(20)])
    run = {"name": "mmlu", "path": str(data), "limit": 8}
    other = {"name": "mmlu", "path": str(data), "limit": 8, "seed": 1}
    evaluated = parse_config(coalition_config(task=run)).task.build().questions()
    theirs = parse_config(coalition_config(task=other)).task.build().questions()
    shared = len({q.id for q in evaluated} & {q.id for q in theirs})
    assert shared > 0  # 8 of 20 twice: the seeds' samples share items
    message = one_line_error(config(run, task=other))
    assert f"calibration.task: {shared} of its 8 questions are among the 8" in message
    assert "allow_overlap: true" in message

    _, split = split_of(config(run, task=other, allow_overlap=True))
    assert split.kind == "explicit" and split.overlap == shared and len(split.questions) == 8


def test_an_explicit_split_of_another_file_is_compared_by_text_not_by_id(tmp_path: Path) -> None:
    test = mmlu_file(tmp_path / "test.jsonl", [f"Test question {i}?" for i in range(6)])
    dev = mmlu_file(tmp_path / "dev.jsonl", [f"Dev question {i}?" for i in range(6)])
    run = {"name": "mmlu", "path": str(test)}
    _, split = split_of(config(run, task={"name": "mmlu", "path": str(dev)}))
    assert split.overlap == 0 and len(split.questions) == 6  # same ids q0..q5, other items
    leaked = mmlu_file(
        tmp_path / "leak.jsonl", ["Dev question 0?", "Test question 3?"], prefix="dev"
    )
    message = one_line_error(config(run, task={"name": "mmlu", "path": str(leaked)}))
    assert "1 of its 2 questions" in message and "(same text)" in message


def test_generated_arithmetic_calibrates_on_further_items_of_the_same_stream() -> None:
    cfg = config({"name": "arithmetic", "limit": 4})
    evaluated, split = split_of(cfg)
    assert len(split.questions) == 4
    assert not {q.id for q in split.questions} & {q.id for q in evaluated}
    assert not {text_key(q) for q in split.questions} & {text_key(q) for q in evaluated}
    assert split.task.seed == cfg.task.seed and split.task.limit == 12

    # Another seed numbers its items from 0 again: only the text tells items apart.
    seven = {"name": "arithmetic", "limit": 4, "seed": 7}
    _, other = split_of(config({"name": "arithmetic", "limit": 4}, task=seven))
    assert other.overlap == 0 and other.questions[0].id == "arith-0"
    message = one_line_error(
        config({"name": "arithmetic", "limit": 4}, task={"name": "arithmetic", "limit": 6})
    )
    assert "4 of its 6 questions are among the 4" in message and "(same id or text)" in message


def test_du_s_items_calibrate_on_the_items_after_du_s_100() -> None:
    _, split = split_of(config({"name": "arithmetic", "items": "du2023"}, size=5))
    assert len(split.questions) == 5 and split.available == 2 * 5  # generated: twice the size
    assert all(int(q.id.removeprefix("du2023-")) >= 100 for q in split.questions)


def test_generated_chess_calibrates_on_further_items() -> None:
    cfg = config({"name": "chess", "limit": 3}, size=2)
    evaluated, split = split_of(cfg)
    assert len(split.questions) == 2
    assert not {q.id for q in split.questions} & {q.id for q in evaluated}
    assert not {text_key(q) for q in split.questions} & {text_key(q) for q in evaluated}


def test_size_belongs_to_the_default_split() -> None:
    with pytest.raises(ConfigError, match=r"protocol.calibration: .*set task.limit instead"):
        config({"name": "arithmetic", "limit": 4}, task={"name": "arithmetic"}, size=3)


def test_calibrate_records_the_split_and_the_cli_reports_a_used_up_pool(tmp_path: Path) -> None:
    cfg = config({"name": "arithmetic", "limit": 4})
    out = tmp_path / "skills.json"
    result = asyncio.run(calibrate(cfg, out))
    meta = json.loads(out.read_text())
    evaluated = {q.id for q in cfg.task.build().questions()}
    assert result.questions == 4 and meta["split"]["kind"] == "disjoint"
    assert len(meta["split"]["ids"]) == 4 and not set(meta["split"]["ids"]) & evaluated

    data = mmlu_file(tmp_path / "d.jsonl", [f"Q{i}?" for i in range(3)])
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(coalition_config(task={"name": "mmlu", "path": str(data)})))
    run = CliRunner().invoke(app, ["calibrate", str(path), "--out", str(tmp_path / "t.json")])
    assert run.exit_code == 2
    lines = [ln for ln in run.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].endswith("(a held-out split)")
    assert f"{path}: protocol.calibration: no question is left" in lines[0]
