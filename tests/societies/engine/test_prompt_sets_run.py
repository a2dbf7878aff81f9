"""A run under a prompt set: the role-play opening, the header's templates, costs, resume, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from societies.analysis.metrics.cost import cost
from societies.analysis.metrics.episodes import Run, episodes_of
from societies.config import parse_config
from societies.engine.experiment import run_experiment
from societies.errors import ConfigError
from societies.transcript import read_transcript, strip_volatile
from tests.helpers.configs import sim_config

ITEMS = [
    {"question": f"Question {i}?", "choices": ["w", "x", "y", "z"], "answer": "ABCD"[i % 4]}
    for i in range(4)
]


def mmlu_file(tmp_path: Path) -> Path:
    path = tmp_path / "items.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in ITEMS))
    return path


def config(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "task": {"name": "mmlu", "path": str(mmlu_file(tmp_path)), "extraction": "machinesom"},
        "prompts": "machinesom",
        "protocol": {"strategy": "01"},
        "repeats": 1,
    }
    return sim_config(**{**fields, **overrides})


def test_the_opening_is_answered_by_the_model_and_stays_in_the_history(tmp_path: Path) -> None:
    result = run_experiment(parse_config(config(tmp_path)), tmp_path / "r")
    assert result.status == "complete"
    t = read_transcript(tmp_path / "r" / "transcript.jsonl")
    first = [x for x in t.turns if x.round == 0]
    assert len(first) == 12 and all(x.opening is not None for x in first)
    for x in first:
        assert [m.role for m in x.messages] == ["user", "assistant", "user"]
        assert x.messages[0].content.startswith(
            "Imagine you are" if x.trait == "overconfident" else "You are an expert"
        )
        assert x.opening is not None and x.messages[1].content == x.opening.reply == "ok"
        assert x.messages[2].content.startswith("Can you answer the following question")
    later = [x for x in t.turns if x.round > 0]
    assert later and all(x.opening is None for x in later)
    # The later rounds' history still holds the opening exchange.
    assert all(x.messages[1].content == "ok" for x in later)
    # The header records the resolved templates and their digest.
    p = t.header.components["prompts"]
    assert p["set"] == "machinesom" and len(p["digest"]) == 16
    assert p["templates"]["debate_peer"] == "\n\n One agent response: ```{reply}```"
    # Each opening is a call of its own in the cost: 12 openings + 36 turns.
    c = cost(episodes_of(Run(t)))
    assert len(t.turns) == 36 and c.calls == 48
    opening_tokens = sum(x.opening.usage.total_tokens for x in first if x.opening)
    assert c.total_tokens == sum(x.usage.total_tokens for x in t.turns) + opening_tokens


def test_a_stopped_run_resumes_to_the_same_transcript(tmp_path: Path) -> None:
    small = config(tmp_path, budget={"max_tokens": 900}, concurrency=1)
    assert run_experiment(parse_config(small), tmp_path / "r").status == "budget"
    run_experiment(parse_config(config(tmp_path, concurrency=1)), tmp_path / "r", resume=True)
    run_experiment(parse_config(config(tmp_path, concurrency=1)), tmp_path / "whole")

    def turns(path: Path) -> list[Any]:
        return [strip_volatile(x.model_dump(mode="json")) for x in read_transcript(path).turns]

    assert turns(tmp_path / "r" / "transcript.jsonl") == turns(
        tmp_path / "whole" / "transcript.jsonl"
    )


def problems(data: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    return "\n".join(info.value.problems)


def test_config_errors_name_the_field(tmp_path: Path) -> None:
    neutral = config(tmp_path)
    neutral["agents"][0]["trait"] = "neutral"
    assert "agents[0].trait" in problems(neutral) and "no text for trait 'neutral'" in problems(
        neutral
    )
    bad = config(tmp_path, prompts={"base": "machinesom", "reflection": "{answer}"})
    assert "prompts" in problems(bad) and "unknown placeholder {answer}" in problems(bad)
    assert "only, not 'arithmetic'" in problems(sim_config(prompts="machinesom"))


def test_the_prompt_set_is_part_of_the_digest(tmp_path: Path) -> None:
    a = parse_config(config(tmp_path))
    b = parse_config(config(tmp_path, prompts={"base": "machinesom", "reflection": "Again?"}))
    c = parse_config(sim_config())
    assert a.digest() != b.digest()
    assert c.texts.name == "sociolab"


def test_a_relative_prompt_file_is_read_from_the_config_folder(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text("defaults:\n  reflection: 'Once more. {instructions}'\n")
    cfg = parse_config(sim_config(prompts="mine.yaml"), base_dir=tmp_path)
    assert cfg.texts.reflection == "Once more. {instructions}"
    assert cfg.prompts == str(tmp_path / "mine.yaml")  # absolute: a resume from elsewhere works
