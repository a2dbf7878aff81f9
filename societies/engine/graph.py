"""The communication graph: a networkx DiGraph where an edge u -> v means v sees u."""

from __future__ import annotations

from typing import TYPE_CHECKING

from protocols.graphs import GRAPHS
from societies.config import GraphSpec

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
