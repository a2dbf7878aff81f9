"""The worked plugin examples of the README (examples/plugins/): they load, validate and run."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from agents.backends import BACKENDS
from benchmarks import TASKS
from protocols import PATTERNS
from societies.config import ExperimentConfig, load_config, parse_config
from societies.config.errors import format_validation_error
from societies.engine import run_experiment
from societies.errors import ConfigError
from societies.transcript import TRANSCRIPT, read_transcript
from sociolab.registry import Registry

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "plugins"
MODULES = ("critique_pattern", "letters_task", "counter_backend")


@pytest.fixture
def plugins_on_path() -> Iterator[None]:
    """The examples folder importable; afterwards the registries as they were."""
    registries: list[Registry[Any]] = [BACKENDS, TASKS, PATTERNS]
    saved = [(reg, dict(reg._items)) for reg in registries]
    sys.path.insert(0, str(EXAMPLES))
    yield
    sys.path.remove(str(EXAMPLES))
    for name in MODULES:
        sys.modules.pop(name, None)
    for reg, items in saved:
        reg._items.clear()
        reg._items.update(items)


def _data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((EXAMPLES / "critique.yaml").read_text())
    data.update(changes)
    return data


def _problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(data, source="c.yaml")
    return info.value.problems


@pytest.mark.usefixtures("plugins_on_path")
def test_a_config_using_the_plugins_runs_end_to_end(tmp_path: Path) -> None:
    cfg = load_config(EXAMPLES / "critique.yaml")
    assert cfg.protocol.kind == "rounds" and cfg.protocol.strategy == ["critique", "debate"]
    result = run_experiment(cfg, tmp_path / "run")
    assert result.status == "complete"
    turns = read_transcript(tmp_path / "run" / TRANSCRIPT).turns
    assert len(turns) == 4 * 3 * 3  # questions x agents x rounds
    critiques = [t for t in turns if t.round == 1]
    assert all("criticise this answer" in t.messages[-1].content for t in critiques)
    # The counter backend counts right; the sloppy one is off by one every time.
    assert all(t.correct == (t.backend == "count") for t in turns)
    assert all(t.answer == str(len(t.question_id) + (t.backend == "sloppy")) for t in turns)


@pytest.mark.usefixtures("plugins_on_path")
def test_critique_shows_one_in_neighbour_per_round_in_turn() -> None:
    critique: Any = importlib.import_module("critique_pattern")

    from agents.traits import BUILTIN_TRAITS
    from protocols import PeerReply, TurnContext

    peers = (PeerReply("a", "reply of a"), PeerReply("b", "reply of b"))
    proto = critique.Critique("End with 'Answer: N'.")
    ctx = TurnContext(question="q", trait=BUILTIN_TRAITS["neutral"], round=2, peers=peers)
    (msg,) = proto.build(ctx)
    assert "reply of b" in msg.content and "reply of a" not in msg.content
    assert msg.content.endswith("End with 'Answer: N'.")


@pytest.mark.usefixtures("plugins_on_path")
def test_unknown_names_list_the_plugins_ones() -> None:
    data = _data(task={"name": "leters"}, protocol={"strategy": ["critic"]})
    data["backends"]["count"]["kind"] = "countr"
    assert _problems(data) == [
        "c.yaml: task.name: unknown task 'leters' "
        "(known: arithmetic, chess, gsm8k, letters, math, mmlu)",
        "c.yaml: backends.count.kind: unknown backend kind 'countr' "
        "(known: counter, ensemble, hf, llamacpp, openai, scripted)",
        "c.yaml: protocol.strategy: strategy[0]: unknown round pattern 'critic' "
        "(known: critique, debate, reflection)",
    ]


@pytest.mark.usefixtures("plugins_on_path")
def test_errors_inside_a_plugin_spec_keep_their_paths() -> None:
    data = _data(task={"name": "letters", "limit": 99, "colour": 1})
    data["backends"]["sloppy"]["off_by"] = "one"
    assert _problems(data) == [
        "c.yaml: task.limit: Input should be less than or equal to 14 (got 99)",
        "c.yaml: task.colour: unknown field (known: name, limit, seed, path, instructions, role)",
        "c.yaml: backends.sloppy.off_by: Input should be a valid integer, unable to parse "
        "string as an integer (got 'one')",
    ]


def test_without_the_plugins_the_kinds_are_unknown() -> None:
    lines = _problems(_data(plugins=[]))
    assert (
        "c.yaml: task.name: unknown task 'letters' (known: arithmetic, chess, gsm8k, "
        in (lines[0][:80])
    )
    assert any("unknown backend kind 'counter'" in ln for ln in lines)


def test_a_plugin_that_fails_to_import_is_one_line() -> None:
    lines = _problems(_data(plugins=["no_such_plugin_module"]))
    assert lines == [
        "c.yaml: plugins[0]: plugin 'no_such_plugin_module' failed to import: "
        "ModuleNotFoundError: No module named 'no_such_plugin_module'"
    ]


def _python_config(trait: str) -> dict[str, Any]:
    return {
        "name": "py",
        "task": {"name": "arithmetic", "limit": 2},
        "backends": {"sim": {"kind": "scripted"}},
        "agents": [{"name": "ada", "backend": "sim", "trait": trait}],
        "cache": {"enabled": False},
    }


def test_a_config_built_in_python_runs_the_yaml_checks() -> None:
    from pydantic import ValidationError

    from agents.backends import ScriptedSpec
    from benchmarks import ArithmeticSpec
    from societies.config import AgentSpec

    with pytest.raises(ValidationError) as info:
        ExperimentConfig(
            name="py",
            task=ArithmeticSpec(limit=2),
            backends={"sim": ScriptedSpec()},
            agents=[AgentSpec(name="ada", backend="sim", trait="nope")],
        )
    python_lines = format_validation_error(info.value, None, ExperimentConfig, "c.yaml")
    yaml_lines = _problems(_python_config("nope"))
    assert (
        python_lines
        == yaml_lines
        == [
            "c.yaml: agents[0].trait: unknown trait 'nope' "
            "(known: easy-going, overconfident, neutral)"
        ]
    )
