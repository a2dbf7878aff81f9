"""Graph kinds: shape, direction (u -> v: v sees u) and seeding."""

from __future__ import annotations

import pytest

from societies.config import GraphSpec
from societies.engine.graph import build_graph

NAMES = [f"a{i}" for i in range(12)]


def test_complete_everyone_sees_everyone_else() -> None:
    g = build_graph(GraphSpec(kind="complete"), NAMES, 0)
    assert g.number_of_edges() == 12 * 11
    assert all(g.in_degree(n) == 11 for n in NAMES)
    assert not any(g.has_edge(n, n) for n in NAMES)


def test_ring_sees_both_neighbours() -> None:
    g = build_graph(GraphSpec(kind="ring"), NAMES, 0)
    assert sorted(g.predecessors("a0")) == ["a1", "a11"]
    assert all(g.in_degree(n) == 2 for n in NAMES)


def test_star_hub_and_spokes() -> None:
    g = build_graph(GraphSpec(kind="star", center="a3"), NAMES, 0)
    assert sorted(g.predecessors("a3")) == sorted(n for n in NAMES if n != "a3")
    assert list(g.predecessors("a0")) == ["a3"]


def test_explicit_edges_are_directed() -> None:
    g = build_graph(GraphSpec(kind="edges", edges=[("a0", "a1")]), NAMES[:3], 0)
    assert list(g.predecessors("a1")) == ["a0"]  # a1 sees a0
    assert list(g.predecessors("a0")) == []  # but not the other way round
    assert set(g.nodes) == set(NAMES[:3])  # isolated agents stay in the graph


@pytest.mark.parametrize(
    "spec",
    [
        GraphSpec(kind="small-world", k=4, p=0.3),
        GraphSpec(kind="scale-free", m=2),
        GraphSpec(kind="random", p=0.3),
    ],
)
def test_random_kinds_are_seeded_and_symmetric(spec: GraphSpec) -> None:
    a = build_graph(spec, NAMES, 7)
    b = build_graph(spec, NAMES, 7)
    assert sorted(a.edges) == sorted(b.edges)
    others = [sorted(build_graph(spec, NAMES, s).edges) for s in range(8, 12)]
    assert any(o != sorted(a.edges) for o in others)
    assert all(a.has_edge(v, u) for u, v in a.edges)


def test_small_world_degree() -> None:
    g = build_graph(GraphSpec(kind="small-world", k=4, p=0.0), NAMES, 0)
    assert all(g.in_degree(n) == 4 for n in NAMES)


def test_single_agent_has_no_edges() -> None:
    assert build_graph(GraphSpec(kind="ring"), ["solo"], 0).number_of_edges() == 0
