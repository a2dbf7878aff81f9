"""Config loading: the issue's example, and one clear line per problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from societies.cli.app import app
from societies.config import load_config, parse_config
from societies.errors import ConfigError
from tests.helpers.configs import sim_config

EXAMPLE = """\
name: debate-demo
seed: 0
task: {name: arithmetic, limit: 4}
backends:
  local: {kind: llamacpp, model: smollm2-135m-instruct}
agents:
  - {name: ada, trait: overconfident, backend: local}
  - {name: bo, trait: easy-going, backend: local}
  - {name: cy, trait: easy-going, backend: local}
graph: {kind: complete}
protocol: {strategy: [debate, reflection]}
decision: majority
repeats: 1
generation: {temperature: 0.0, max_tokens: 128}
"""


def problems(data: dict[str, object]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(data, source="c.yaml")
    return info.value.problems


def test_example_config_loads(tmp_path: Path) -> None:
    path = tmp_path / "demo.yaml"
    path.write_text(EXAMPLE)
    cfg = load_config(path)
    assert [a[0] for a in cfg.agent_list()] == ["ada", "bo", "cy"]
    assert cfg.protocol.rounds == ["debate", "reflection"]  # type: ignore[union-attr]
    assert cfg.generation.max_tokens == 128
    assert cfg.backends["local"].kind == "llamacpp"


def test_shipped_llamacpp_demo_preset_is_the_example_with_the_demo_changes() -> None:
    preset = (
        Path(__file__).resolve().parents[3]
        / "societies"
        / "config"
        / "presets"
        / "demo-llamacpp.yaml"
    )
    shipped = load_config(preset).resolved()
    data = __import__("yaml").safe_load(EXAMPLE)
    # Issue 15: a task the embedded model sometimes gets right (sums a+b), one debate round
    # and sampled replies, so that agents disagree and the debate has something to change.
    data["task"].update(ops=1, limit=6)
    data["protocol"] = {"strategy": ["debate"]}
    data["generation"]["temperature"] = 0.5
    example = parse_config(data).resolved()
    # its own name, so its default folder does not collide with the hf demo's
    assert (shipped.pop("name"), example.pop("name")) == ("debate-demo-llamacpp", "debate-demo")
    assert shipped == example


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        ("001", ["debate", "debate", "reflection"]),
        ("p1p0", ["reflection", "debate"]),
        (["debate", "reflection"], ["debate", "reflection"]),
        (["0", "1"], ["debate", "reflection"]),
    ],
)
def test_strategy_spellings(strategy: object, expected: list[str]) -> None:
    cfg = parse_config(sim_config(protocol={"strategy": strategy}))
    assert cfg.protocol.rounds == expected  # type: ignore[union-attr]


def test_unknown_trait_names_the_options() -> None:
    data = sim_config()
    data["agents"][2]["trait"] = "overconfidnt"
    assert problems(data) == [
        "c.yaml: agents[2].trait: unknown trait 'overconfidnt' (known: easy-going, overconfident, neutral)"
    ]


def test_several_problems_one_line_each() -> None:
    data = sim_config(
        graph={"kind": "rng", "colour": 1},
        repeats=0,
        protocol={"strategy": ["debate", "reflex"]},
    )
    data["backends"]["sim"]["acuracy"] = {}
    lines = problems(data)
    assert len(lines) == 5
    joined = "\n".join(lines)
    assert (
        "c.yaml: graph.kind: unknown graph kind 'rng' (known: complete, edges, random, ring, "
        "scale-free, small-world, star)" in joined
    )
    assert "c.yaml: graph.colour: unknown field (known: kind, k, p, m, center, edges)" in joined
    assert "c.yaml: repeats: Input should be greater than or equal to 1 (got 0)" in joined
    assert (
        "c.yaml: protocol.strategy: strategy[1]: unknown round pattern 'reflex' "
        "(known: debate, reflection)" in joined
    )
    assert "c.yaml: backends.sim.acuracy: unknown field (known: kind, retry, accuracy," in joined


def test_unknown_kinds_list_the_known_ones() -> None:
    data = sim_config(task={"name": "arithmetc"})
    data["backends"]["sim"] = {"kind": "openia", "model": "x"}
    joined = "\n".join(problems(data))
    assert (
        "c.yaml: task.name: unknown task 'arithmetc' (known: arithmetic, chess, gsm8k, math, mmlu)"
        in joined
    )
    assert (
        "c.yaml: backends.sim.kind: unknown backend kind 'openia' "
        "(known: ensemble, hf, llamacpp, openai, scripted)" in joined
    )


def test_references_are_checked() -> None:
    data = sim_config(graph={"kind": "edges", "edges": [["ada", "zed"]]}, decision="unanimous")
    data["agents"][1]["backend"] = "remote"
    data["agents"].append({"name": "ada", "backend": "sim"})
    lines = problems(data)
    assert "c.yaml: agents[1].backend: unknown backend 'remote' (known: sim)" in lines
    assert "c.yaml: agents: duplicate agent name 'ada'" in lines
    assert "c.yaml: graph.edges[0]: unknown agent 'zed'" in lines
    assert (
        "c.yaml: decision: unknown rule 'unanimous' (known: du2023, machinesom, majority, plurality)"
        in lines
    )


def test_user_defined_trait() -> None:
    data = sim_config(traits=[{"name": "contrarian", "prompt": "You disagree on principle."}])
    data["agents"][0]["trait"] = "contrarian"
    cfg = parse_config(data)
    assert cfg.all_traits()["contrarian"].prompt == "You disagree on principle."


def test_count_expands_agents() -> None:
    cfg = parse_config(sim_config(agents=[{"name": "n", "backend": "sim", "count": 3}]))
    assert [a[0] for a in cfg.agent_list()] == ["n1", "n2", "n3"]


def test_relative_task_path_resolves_against_config_folder(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "c.yaml"
    path.write_text(EXAMPLE.replace("{name: arithmetic, limit: 4}", "{name: mmlu, path: ../data}"))
    assert load_config(path).task.path == (tmp_path / "data").resolve()


def test_cli_validate_bad_config_exits_2_one_line_per_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(EXAMPLE.replace("overconfident", "overconfidnt").replace("complete", "cmplete"))
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 2, result.output
    assert all(ln.startswith(f"error: {path}: ") for ln in lines)
    assert "Traceback" not in result.output


def test_cli_invalid_yaml_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: [unclosed\n")
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "invalid YAML" in result.output and "line" in result.output
    missing = CliRunner().invoke(app, ["validate", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2
    assert "cannot read" in missing.output


def test_cli_validate_good_config(tmp_path: Path) -> None:
    path = tmp_path / "demo.yaml"
    path.write_text(EXAMPLE)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 agents, 4 questions x 1 repeats" in result.output
    assert "36 calls" in result.output
