"""The communication graph: a networkx DiGraph where an edge u -> v means v sees u."""

from __future__ import annotations

import networkx as nx

from societies.config import GraphSpec


def build_graph(spec: GraphSpec, names: list[str], seed: int) -> nx.DiGraph:
    """Build the graph over ``names`` (nodes keep their order); random kinds use ``seed``.

    Undirected generators (ring, small-world, scale-free, random) give edges in
    both directions: neighbours see each other.
    """
    n = len(names)
    g = nx.DiGraph()
    g.add_nodes_from(names)
    if n < 2:
        return g
    if spec.kind == "complete":
        g.add_edges_from((u, v) for u in names for v in names if u != v)
        return g
    if spec.kind == "edges":
        g.add_edges_from(spec.edges or [])
        return g
    if spec.kind == "star":
        hub = spec.center or names[0]
        g.add_edges_from(e for x in names if x != hub for e in ((hub, x), (x, hub)))
        return g
    if spec.kind == "ring":
        und = nx.cycle_graph(n)
    elif spec.kind == "small-world":
        und = nx.watts_strogatz_graph(n, min(spec.k, n - 1), spec.p, seed=seed)
    elif spec.kind == "scale-free":
        und = nx.barabasi_albert_graph(n, min(spec.m, n - 1), seed=seed)
    else:  # random
        und = nx.gnp_random_graph(n, spec.p, seed=seed)
    g.add_edges_from((names[u], names[v]) for a, b in und.edges() for u, v in ((a, b), (b, a)))
    return g
