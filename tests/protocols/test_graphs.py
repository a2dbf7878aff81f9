"""Graph kinds are a registry: a plugin's kind validates and builds; validation stays light."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from protocols.graphs import GRAPHS, GraphParams
from societies.config import parse_config
from societies.engine.graph import build_graph
from societies.errors import ConfigError
from tests.helpers.configs import sim_config

REPO = Path(__file__).resolve().parents[2]


def test_a_registered_graph_kind_validates_and_builds() -> None:
    def chain(names: list[str], spec: GraphParams, seed: int) -> nx.DiGraph:
        g = nx.DiGraph()
        g.add_nodes_from(names)
        g.add_edges_from(itertools.pairwise(names))
        return g

    with pytest.raises(ConfigError, match=r"graph.kind: unknown graph kind 'chain' \(known: "):
        parse_config(sim_config(graph={"kind": "chain"}), source="c.yaml")
    GRAPHS.register("chain", chain)
    try:
        cfg = parse_config(sim_config(graph={"kind": "chain"}))
        g = build_graph(cfg.graph, ["ada", "bo", "cy"], cfg.seed)
        assert list(g.edges()) == [("ada", "bo"), ("bo", "cy")]
    finally:
        del GRAPHS._items["chain"]


def test_validating_a_config_loads_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "from societies.config import load_config\n"
        "load_config('societies/config/presets/demo.yaml')\n"
        "heavy = ('openai', 'networkx', 'torch', 'transformers', 'ray', 'xllamacpp')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}, timeout=120, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
