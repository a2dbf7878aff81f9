"""The report's coalition table: the coalition against each member alone, and the routing used.

A coalition run records the coalition's pipeline as the agent ``coalition``
and each member's pipeline alone under the member's name (see
:mod:`societies.engine.coalition`), so both are measured on the same questions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from societies.analysis.metrics import GroupMetrics
from societies.analysis.sections import Section, pct
from societies.transcript import COALITION


def is_coalition(components: dict[str, object]) -> bool:
    """Whether a header's components describe a coalition run."""
    protocol = components.get("protocol")
    return isinstance(protocol, dict) and protocol.get("kind") == COALITION


def _pipelines(g: GroupMetrics) -> list[str]:
    names: list[str] = []
    for run in g.runs:
        if is_coalition(run.header.components):
            names += [a.name for a in run.header.agents if a.name not in names]
    return names


def _final_accuracy(g: GroupMetrics, agent: str) -> float | None:
    values = g.measures.accuracy.by_agent.get(agent)
    present = [v for v in values or [] if v is not None]
    return present[-1] if present else None


def _tokens_per_question(g: GroupMetrics, agent: str) -> float | None:
    total, episodes = 0, set()
    for run in g.runs:
        for t in run.transcript.turns:
            if t.agent == agent:
                total += t.usage.total_tokens
                episodes.add((run.index, t.episode))
    return total / len(episodes) if episodes else None


def _routes(g: GroupMetrics) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for run in g.runs:
        for t in run.transcript.turns:
            if t.agent == COALITION and t.route is not None:
                out[t.pattern][t.route.member] += 1
    return out


def coalition_section(gs: Sequence[GroupMetrics]) -> Section | None:
    """The coalition against each member alone (None when no group holds a coalition run)."""
    names = []
    for g in gs:
        names += [n for n in _pipelines(g) if n not in names]
    if not names:
        return None
    s = Section(
        "coalition vs each member alone",
        "accuracy of the last stage's answer · tokens per question over all stages; "
        "routing: share of questions each member handled a stage for",
    )
    for name in names:
        label = "coalition (routed)" if name == COALITION else f"{name} alone"
        cells = []
        for g in gs:
            if name not in _pipelines(g):
                cells.append("–")
                continue
            tokens = _tokens_per_question(g, name)
            tok = "–" if tokens is None else f"{tokens:,.0f}"
            cells.append(f"{pct(_final_accuracy(g, name))} · {tok} tok")
        s.add(label, cells)
    routes = [_routes(g) for g in gs]
    stages: list[str] = []
    for g in gs:
        for run in g.runs:
            if is_coalition(run.header.components):
                stages += [r for r in run.header.rounds if r not in stages]
    for stage in stages:
        cells = []
        for r in routes:
            counts = r.get(stage)
            if not counts:
                cells.append("–")
                continue
            n = sum(counts.values())
            cells.append(", ".join(f"{m} {c / n:.0%}" for m, c in counts.most_common()))
        s.add(f"routing · {stage}", cells)
    return s


__all__ = ["coalition_section", "is_coalition"]
