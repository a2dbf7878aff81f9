"""The communication graph: a networkx DiGraph where an edge u -> v means v sees u."""

from __future__ import annotations

from typing import TYPE_CHECKING

from protocols.graphs import GRAPHS
from societies.config import ExperimentConfig, GraphSpec, ProtocolSpec

if TYPE_CHECKING:
    import networkx as nx


def build_graph(spec: GraphSpec, names: list[str], seed: int) -> nx.DiGraph:
    """Build the graph over ``names`` (nodes keep their order); random kinds use ``seed``.

    The kind's builder comes from :data:`protocols.graphs.GRAPHS` (plugins
    included). Undirected generators (ring, small-world, scale-free, random)
    give edges in both directions: neighbours see each other. Fewer than two
    agents give a graph without edges.
    """
    builder = GRAPHS[spec.kind]
    if len(names) < 2:
        import networkx as nx

        g = nx.DiGraph()
        g.add_nodes_from(names)
        return g
    return builder(names, spec, seed)


def graph_warnings(cfg: ExperimentConfig) -> list[str]:
    """One line if the rounds protocol's graph (as the run builds it) is not connected.

    With more than one agent, a graph that is not weakly connected splits the
    society into groups that never see each other's replies: allowed (a
    control condition), but rarely meant. The graph is built with the config's
    seed, so ``validate`` and ``run`` see the same one.
    """
    if not isinstance(cfg.protocol, ProtocolSpec):
        return []
    import networkx as nx

    names = [name for name, _, _ in cfg.agent_list()]
    graph = build_graph(cfg.graph, names, cfg.seed)
    if len(names) < 2 or nx.is_weakly_connected(graph):
        return []
    parts = nx.number_weakly_connected_components(graph)
    first = nx.node_connected_component(graph.to_undirected(as_view=True), names[0])
    cut = next(n for n in names if n not in first)
    isolated = nx.number_of_isolates(graph)
    alone = f", {isolated} of them isolated" if isolated else ""
    return [
        f"graph: the {cfg.graph.kind} graph of {len(names)} agents is not connected: "
        f"{parts} groups that never see each other's replies{alone} "
        f"(e.g. {cut!r} is cut off from {names[0]!r})"
    ]
