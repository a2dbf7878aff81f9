"""Graph kinds: who sees whom. An edge u -> v means v is shown u's replies.

:data:`GRAPHS` maps a kind to a builder ``(names, spec, seed) -> networkx.DiGraph``
over the agent names (nodes keep their order). ``spec`` is the config's
``graph`` section (kind, k, p, m, center, edges); a plugin's kind reads the
same fields. networkx is imported inside the builders, so validating a config
never loads it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from sociolab.registry import Registry

if TYPE_CHECKING:
    import networkx as nx


class GraphParams(Protocol):
    """The fields of a config's ``graph`` section that builders read."""

    @property
    def kind(self) -> str: ...
    @property
    def k(self) -> int: ...
    @property
    def p(self) -> float: ...
    @property
    def m(self) -> int: ...
    @property
    def center(self) -> str | None: ...
    @property
    def edges(self) -> list[tuple[str, str]] | None: ...


GraphBuilder = Callable[[list[str], GraphParams, int], "nx.DiGraph"]

GRAPHS: Registry[GraphBuilder] = Registry("graph kind")
"""Graph kind -> builder; ``@GRAPHS.register("kind")`` on a function adds one."""


def _empty(names: Sequence[str]) -> nx.DiGraph:
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(names)
    return g


def _both_ways(names: list[str], undirected: nx.Graph) -> nx.DiGraph:
    """Neighbours see each other: each undirected edge in both directions."""
    g = _empty(names)
    g.add_edges_from(
        (names[u], names[v]) for a, b in undirected.edges() for u, v in ((a, b), (b, a))
    )
    return g


@GRAPHS.register("complete")
def complete(names: list[str], spec: GraphParams, seed: int) -> nx.DiGraph:
    """Everyone sees everyone."""
    g = _empty(names)
    g.add_edges_from((u, v) for u in names for v in names if u != v)
    return g


@GRAPHS.register("edges")
def edges(names: list[str], spec: GraphParams, seed: int) -> nx.DiGraph:
    """Exactly the config's ``edges``."""
    g = _empty(names)
    g.add_edges_from(spec.edges or [])
    return g


@GRAPHS.register("star")
def star(names: list[str], spec: GraphParams, seed: int) -> nx.DiGraph:
    """The hub (``center``, default the first agent) and each other agent see each other."""
    hub = spec.center or names[0]
    g = _empty(names)
    g.add_edges_from(e for x in names if x != hub for e in ((hub, x), (x, hub)))
    return g


@GRAPHS.register("ring")
def ring(names: list[str], spec: GraphParams, seed: int) -> nx.DiGraph:
    """Each agent sees its two ring neighbours."""
    import networkx as nx

    return _both_ways(names, nx.cycle_graph(len(names)))


@GRAPHS.register("small-world")
def small_world(names: list[str], spec: GraphParams, seed: int) -> nx.DiGraph:
    """Watts-Strogatz with ``k`` neighbours and rewiring probability ``p``."""
    import networkx as nx

    n = len(names)
    return _both_ways(names, nx.watts_strogatz_graph(n, min(spec.k, n - 1), spec.p, seed=seed))


@GRAPHS.register("scale-free")
def scale_free(names: list[str], spec: GraphParams, seed: int) -> nx.DiGraph:
    """Barabasi-Albert with ``m`` edges per new agent."""
    import networkx as nx

    n = len(names)
    return _both_ways(names, nx.barabasi_albert_graph(n, min(spec.m, n - 1), seed=seed))


@GRAPHS.register("random")
def random_graph(names: list[str], spec: GraphParams, seed: int) -> nx.DiGraph:
    """Erdos-Renyi: each pair linked with probability ``p``."""
    import networkx as nx

    return _both_ways(names, nx.gnp_random_graph(len(names), spec.p, seed=seed))


__all__ = ["GRAPHS", "GraphBuilder", "GraphParams"]
