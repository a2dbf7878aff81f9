"""A disconnected communication graph is a warning: validate, run, --dry-run and the API."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from societies import api
from societies.cli.app import app
from societies.config import parse_config
from societies.engine.graph import graph_warnings
from societies.errors import SociolabWarning
from tests.helpers.configs import sim_config
from tests.societies.engine.test_coalition import coalition_config

ISOLATED = {"kind": "edges", "edges": [["ada", "bo"], ["bo", "ada"]]}  # cy sees no one
EMPTY = {"kind": "random", "p": 0.0}


def _config(graph: dict[str, Any]) -> dict[str, Any]:
    return sim_config(graph=graph)


@pytest.mark.parametrize("graph", [{"kind": "ring"}, {"kind": "complete"}])
def test_a_connected_graph_gives_no_warning(graph: dict[str, Any]) -> None:
    assert graph_warnings(parse_config(_config(graph))) == []


def test_an_isolated_agent_is_named() -> None:
    (line,) = graph_warnings(parse_config(_config(ISOLATED)))
    assert "edges graph of 3 agents is not connected: 2 groups" in line
    assert "1 of them isolated" in line and "'cy' is cut off from 'ada'" in line


def test_a_random_graph_without_edges_counts_every_agent_as_a_group() -> None:
    (line,) = graph_warnings(parse_config(_config(EMPTY)))
    assert "3 groups" in line and "3 of them isolated" in line


def test_one_agent_alone_and_other_protocols_give_no_warning() -> None:
    one = sim_config(graph=EMPTY, agents=[{"name": "ada", "trait": "overconfident"}])
    one["agents"][0]["backend"] = "sim"
    assert graph_warnings(parse_config(one)) == []
    coalition = coalition_config(graph=EMPTY)  # no rounds: the graph is not used
    assert graph_warnings(parse_config(coalition)) == []


def _cli(tmp_path: Path, graph: dict[str, Any], *args: str) -> tuple[int, list[str]]:
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump(_config(graph)))
    result = CliRunner().invoke(app, [args[0], str(config), *args[1:]])
    lines = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert "Traceback" not in result.output
    return result.exit_code, lines


@pytest.mark.parametrize("how", ["validate", "dry-run", "run"])
def test_the_cli_prints_one_warning_line_and_exits_0(tmp_path: Path, how: str) -> None:
    for graph, n in ((EMPTY, 1), ({"kind": "ring"}, 0)):
        args = {
            "validate": ["validate"],
            "dry-run": ["run", "--dry-run"],
            "run": ["run", "--out", str(tmp_path / f"run-{n}")],
        }[how]
        code, lines = _cli(tmp_path, graph, *args)
        assert code == 0 and len(lines) == n
        assert all("not connected" in line for line in lines)


def test_validate_and_run_see_the_same_seeded_graph(tmp_path: Path) -> None:
    sparse = {"kind": "random", "p": 0.3}
    seeds = [s for s in range(40) if graph_warnings(parse_config(sim_config(graph=sparse, seed=s)))]
    assert 0 < len(seeds) < 40  # some seeds give a connected graph, some do not
    for seed in (seeds[0], next(s for s in range(40) if s not in seeds)):
        config = tmp_path / "c.yaml"
        config.write_text(yaml.safe_dump(sim_config(graph=sparse, seed=seed)))
        v = CliRunner().invoke(app, ["validate", str(config)]).output
        d = CliRunner().invoke(app, ["run", str(config), "--dry-run"]).output
        assert ("warning:" in v) == ("warning:" in d) == (seed in seeds)


def test_the_api_issues_a_sociolab_warning() -> None:
    with pytest.warns(SociolabWarning, match="'cy' is cut off"):
        api.load(_config(ISOLATED))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        api.load(_config({"kind": "ring"}))
