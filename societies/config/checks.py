"""Cross-field checks of a config that pydantic's field types cannot express."""

from __future__ import annotations

from typing import Any

from agents.traits import BUILTIN_TRAITS
from protocols.coalition import DEFAULT_STAGES, check_templates
from protocols.decision import DECISION_RULES
from societies.config.bounds import MAX_AGENTS, MAX_COUNT

_DEFAULT_TEMPLATES = [(name, prompt) for name, prompt, _ in DEFAULT_STAGES]


def _expanded_names(agents: list[Any]) -> list[str]:
    names: list[str] = []
    for a in agents:
        if isinstance(a, dict) and isinstance(a.get("name"), str):
            count = a.get("count", 1)
            # An out-of-range count is reported by its field; never expand it here.
            n = count if isinstance(count, int) and 0 < count <= MAX_COUNT else 1
            names += [a["name"]] if n == 1 else [f"{a['name']}{i + 1}" for i in range(n)]
    return names


def check_references(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Cross-field checks pydantic cannot express, on the raw data.

    They run even when other fields are invalid, so that every problem is
    reported at once. Returns (path, message) per problem.
    """
    problems: list[tuple[str, str]] = []
    raw_traits = data.get("traits")
    user_traits = [
        t.get("name")
        for t in (raw_traits if isinstance(raw_traits, list) else [])
        if isinstance(t, dict)
    ]
    for i, name in enumerate(user_traits):
        if isinstance(name, str) and name in user_traits[:i]:
            problems.append((f"traits[{i}].name", f"trait {name!r} is defined twice"))
    traits = [*BUILTIN_TRAITS, *(t for t in user_traits if t not in BUILTIN_TRAITS)]
    raw_backends, raw_agents = data.get("backends"), data.get("agents")
    backends: dict[str, Any] = raw_backends if isinstance(raw_backends, dict) else {}
    agents: list[Any] = raw_agents if isinstance(raw_agents, list) else []
    for i, a in enumerate(agents):
        if not isinstance(a, dict):
            continue
        trait = a.get("trait", "neutral")
        if isinstance(trait, str) and trait not in traits:
            problems.append(
                (
                    f"agents[{i}].trait",
                    f"unknown trait {trait!r} (known: {', '.join(map(str, traits))})",
                )
            )
        backend = a.get("backend")
        if isinstance(backend, str) and backend not in backends:
            known = ", ".join(map(str, backends))
            problems.append(
                (f"agents[{i}].backend", f"unknown backend {backend!r} (known: {known})")
            )
    names = _expanded_names(agents)
    seen: set[str] = set()
    for name in names:
        if name in seen:
            problems.append(("agents", f"duplicate agent name {name!r}"))
        seen.add(name)
    decision = data.get("decision", "majority")
    raw_protocol = data.get("protocol")
    coalition = isinstance(raw_protocol, dict) and raw_protocol.get("kind") == "coalition"
    society_rules = [r for r in DECISION_RULES if r != "first"]  # 'first' is a coalition's
    if isinstance(decision, str) and not coalition and decision not in society_rules:
        problems.append(
            ("decision", f"unknown rule {decision!r} (known: {', '.join(society_rules)})")
        )
    raw_graph = data.get("graph")
    g: dict[str, Any] = raw_graph if isinstance(raw_graph, dict) else {}
    edges = g.get("edges")
    if g.get("kind") == "edges" and not edges:
        problems.append(("graph.edges", "kind 'edges' needs a list of [u, v] pairs"))
    if edges and g.get("kind", "complete") != "edges":
        problems.append(
            ("graph.edges", f"only used with kind 'edges' (kind is {g.get('kind', 'complete')!r})")
        )
    for j, edge in enumerate(edges if isinstance(edges, list) else []):
        for end in edge if isinstance(edge, list | tuple) else []:
            if end not in seen:
                problems.append((f"graph.edges[{j}]", f"unknown agent {end!r}"))
    center = g.get("center")
    if center is not None and center not in seen:
        shown = names if len(names) <= 10 else [*names[:10], "..."]
        problems.append(("graph.center", f"unknown agent {center!r} (known: {', '.join(shown)})"))
    if len(names) <= MAX_AGENTS:
        problems += check_graph(g, len(names))
    if coalition:
        assert isinstance(raw_protocol, dict)
        problems += check_coalition(raw_protocol, names, data)
    return problems


def check_graph(g: dict[str, Any], n: int) -> list[tuple[str, str]]:
    """The graph's parameters against the number of agents ``n`` (raw data)."""
    problems: list[tuple[str, str]] = []
    kind, k, m = g.get("kind", "complete"), g.get("k", 4), g.get("m", 2)
    if kind == "small-world" and isinstance(k, int) and not isinstance(k, bool):
        if k % 2:
            problems.append(
                ("graph.k", f"k must be even (each agent gets k/2 on each side); got {k}")
            )
        elif k >= n:
            problems.append(("graph.k", f"k must be less than the number of agents ({n}); got {k}"))
    if kind == "scale-free" and isinstance(m, int) and not isinstance(m, bool) and m >= n:
        problems.append(("graph.m", f"m must be less than the number of agents ({n}); got {m}"))
    edges = g.get("edges")
    for j, edge in enumerate(edges if kind == "edges" and isinstance(edges, list) else []):
        if isinstance(edge, list | tuple) and len(edge) == 2 and edge[0] == edge[1]:
            problems.append(
                (f"graph.edges[{j}]", f"a self-loop ({edge[0]!r} would be shown its own reply)")
            )
    return problems


def check_coalition(
    protocol: dict[str, Any], names: list[str], data: dict[str, Any]
) -> list[tuple[str, str]]:
    """Cross-field checks of a coalition protocol, on the raw data."""
    problems: list[tuple[str, str]] = []
    known = ", ".join(names)
    raw_members = protocol.get("members")
    members = names
    if isinstance(raw_members, list):
        members = [m for m in raw_members if isinstance(m, str)]
        for i, m in enumerate(raw_members):
            if isinstance(m, str) and m not in names:
                problems.append((f"protocol.members[{i}]", f"unknown agent {m!r} (known: {known})"))
        if len(set(members)) != len(members):
            problems.append(("protocol.members", "a member is listed twice"))
    raw_stages = protocol.get("stages")
    stage_names = [s for s, _ in _DEFAULT_TEMPLATES]
    if isinstance(raw_stages, list):
        pairs = [
            (str(st.get("name")), str(st.get("prompt")))
            for st in raw_stages
            if isinstance(st, dict) and isinstance(st.get("prompt"), str)
        ]
        if len(pairs) == len(raw_stages):
            for i, msg in check_templates(pairs):
                problems.append((f"protocol.stages[{i}].prompt", msg))
        stage_names = [str(st.get("name")) for st in raw_stages if isinstance(st, dict)]
    routing = protocol.get("routing")
    skills = routing.get("skills") if isinstance(routing, dict) else None
    for i, entry in enumerate(skills if isinstance(skills, list) else []):
        if not isinstance(entry, dict):
            continue
        if isinstance(entry.get("member"), str) and entry["member"] not in members:
            problems.append(
                (
                    f"protocol.routing.skills[{i}].member",
                    f"{entry['member']!r} is not a member (members: {', '.join(members)})",
                )
            )
        if isinstance(entry.get("stage"), str) and entry["stage"] not in stage_names:
            problems.append(
                (
                    f"protocol.routing.skills[{i}].stage",
                    f"unknown stage {entry['stage']!r} (stages: {', '.join(stage_names)})",
                )
            )
    calibration = protocol.get("calibration")
    ref = calibration.get("reference") if isinstance(calibration, dict) else None
    if isinstance(ref, str) and ref not in members:
        problems.append(
            (
                "protocol.calibration.reference",
                f"{ref!r} is not a member (members: {', '.join(members)})",
            )
        )
    decision = data.get("decision")
    if decision is not None and decision != "first":
        problems.append(
            (
                "decision",
                f"a coalition answers with its own pipeline: remove decision (got {decision!r}) "
                "or set it to 'first'",
            )
        )
    return problems
