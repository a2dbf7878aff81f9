"""The tables of a report, as data: one :class:`Section` per table, groups side by side.

The same sections feed the terminal (rich tables) and report.md, so both show
the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

from societies.analysis.coalition import coalition_section
from societies.analysis.metrics import (
    MACHINESOM_CLASSES,
    SOCIOLAB_CLASSES,
    TRANSITIONS,
    DuScore,
    GroupMetrics,
    Metrics,
    Run,
    extraction_of,
    provenance_warning,
)
from societies.analysis.scoring import WARN_SHARE
from societies.analysis.sections import Section, frac, num, pct

MAX_EDGES = 10
"""Edges shown in the influence table (those where the listener changed most)."""


def round_labels(groups: Sequence[GroupMetrics]) -> list[tuple[str, bool]]:
    """Per round: its row label, and whether the groups' patterns differ in that round.

    Each group's pattern comes from its own runs' strategy. When all groups share a
    round's pattern the label names it (``2 reflection``); otherwise the label is
    the round alone and each cell names its group's pattern.
    """
    per_group = [g.round_patterns for g in groups]
    out = []
    for r in range(max((len(p) for p in per_group), default=0)):
        seen = {p[r] for p in per_group if r < len(p)}
        if len(seen) == 1:
            out.append((f"{r} {seen.pop()}", False))
        else:
            out.append((f"{r} (pattern per group)", True))
    return out


def _in_round(g: GroupMetrics, r: int, cell: str, mixed: bool) -> str:
    """The cell, led by the group's own pattern of round ``r`` when the groups differ."""
    patterns = g.round_patterns
    if not mixed or r >= len(patterns) or cell == "–":
        return cell
    return f"{patterns[r]}: {cell}"


def _acc_cell(g: GroupMetrics, r: int) -> str:
    acc = g.measures.accuracy
    if r >= len(acc.society) or acc.society[r] is None:
        return "–"
    s = g.spread(("accuracy", r, ""))
    sd = f" ±{s.std * 100:.1f}" if s.std is not None else ""
    return f"{pct(acc.society[r])}{sd} · none {pct(acc.no_decision[r])}"


def _consensus_cell(g: GroupMetrics, r: int) -> str:
    c = g.measures.consensus
    if r >= len(c.distinct) or c.distinct[r] is None:
        return "–"
    return f"{num(c.distinct[r])} · {pct(c.unanimity[r])} · {num(c.entropy[r])}"


def _runs_section(gs: Sequence[GroupMetrics]) -> Section:
    s = Section("runs")
    s.add("runs", [str(len(g.runs)) for g in gs])
    s.add("episodes", [str(g.measures.episodes) for g in gs])
    s.add("turns", [str(g.measures.turns) for g in gs])
    s.add("finished episodes", [str(g.measures.consensus.finished) for g in gs])
    s.add("repeats (samples)", [str(len(g.samples)) for g in gs])
    s.add("decision rule", [", ".join(sorted({r.header.decision for r in g.runs})) for g in gs])
    s.add("status", [_status(g) for g in gs])
    return s


def _round_sections(gs: Sequence[GroupMetrics]) -> list[Section]:
    labels = round_labels(gs)
    stages = all(g.coalition for g in gs)
    acc = Section(
        "coalition answer by stage" if stages else "society decision by round",
        "accuracy ±std over repeats (points) · share with no decision"
        + ("; each stage's answer as the coalition passed it on" if stages else ""),
    )
    if stages:  # no agents answering each other: no consensus
        for r, (label, mixed) in enumerate(labels):
            acc.add(label, [_in_round(g, r, _acc_cell(g, r), mixed) for g in gs])
        return [acc]
    con = Section("consensus by round", "mean distinct answers · unanimous · normalised entropy")
    for r, (label, mixed) in enumerate(labels):
        acc.add(label, [_in_round(g, r, _acc_cell(g, r), mixed) for g in gs])
        con.add(label, [_in_round(g, r, _consensus_cell(g, r), mixed) for g in gs])
    con.add("first unanimous round", [num(g.measures.consensus.first_unanimous) for g in gs])
    con.add("never unanimous", [pct(g.measures.consensus.never_unanimous) for g in gs])
    return [acc, con]


def _is_du(run: Run) -> bool:
    task = run.header.config.get("task")
    t = task if isinstance(task, dict) else {}
    return run.header.decision == "du2023" or "du2023" in (t.get("extraction"), t.get("items"))


def _du_cell(d: DuScore) -> str:
    if d.mean is None or d.se is None:
        return "–"
    return f"{pct(d.mean)} ± {d.se * 100:.1f} (n={d.scored})"


def _du_section(gs: Sequence[GroupMetrics]) -> Section | None:
    """Du et al.'s score, when some run uses their rule, items or parser (else None)."""
    if not any(_is_du(r) for g in gs for r in g.runs):
        return None
    s = Section(
        "Du et al.'s score (final round)",
        "Du et al.'s: plurality over the parsed answers (first agent on a full tie), items with"
        " no parsed answer skipped, mean ± standard error in points (population std / sqrt(n))"
        " over the scored items; their parser only where 'answers read by' is du2023."
        " sociolab's: the same decisions, a skipped item counted wrong",
    )
    ds = [g.measures.du2023 for g in gs]
    s.add("mean ± SE (Du et al.)", [_du_cell(d) for d in ds])
    s.add("skipped (no parsed answer)", [f"{d.skipped} of {d.finished}" for d in ds])
    s.add(
        "accuracy, skipped counted wrong (sociolab)",
        [frac(d.accuracy_skips_wrong, d.correct, d.finished) for d in ds],
    )
    s.add("answers from truncated replies", [str(d.truncated) for d in ds])
    s.add("answers read by", [", ".join(sorted({extraction_of(r) for r in g.runs})) for g in gs])
    return s


def _provenance_section(gs: Sequence[GroupMetrics]) -> Section:
    s = Section(
        "how answers were obtained",
        "replies cut at the token limit (finish reason 'length') and answers that a"
        " fallback rule found (e.g. the last number of a reply that states none), over all turns;"
        f" a warning above {WARN_SHARE:.0%}",
    )
    ps = [g.measures.provenance for g in gs]
    s.add("truncated replies", [frac(p.truncated_share, p.truncated, p.turns) for p in ps])
    s.add("truncated replies scored as", [_scoring_cell(p.scoring) for p in ps])
    s.add("fallback answers", [frac(p.fallback_share, p.fallback, p.turns) for p in ps])
    s.add(
        "extraction methods",
        [", ".join(f"{k} {n}" for k, n in list(p.methods.items())[:4]) or "–" for p in ps],
    )
    return s


def _scoring_cell(modes: Sequence[str]) -> str:
    names = {"keep": "answer kept", "no-answer": "no answer"}
    return ", ".join(names.get(m, m) for m in modes) or "–"


def warnings(metrics: Metrics) -> list[str]:
    """One line per group whose truncated replies or fallback answers exceed the threshold."""
    out = []
    for g in metrics.groups:
        w = provenance_warning(g.measures.provenance)
        if w is not None:
            out.append(f"{g.label}: {w}" if len(metrics.groups) > 1 else w)
    return out


def _conformity_section(gs: Sequence[GroupMetrics]) -> Section:
    s = Section(
        "conformity in debate rounds",
        "MachineSoM's: new answer among the majority of the previous answers seen, a missing"
        " answer counting as the value 'none'; old -> new correctness. sociolab's: a missing"
        " answer is never a majority",
    )
    for tr in TRANSITIONS:
        s.add(tr, [str(g.measures.conformity.overall.transitions[tr]) for g in gs])
    overall = [g.measures.conformity.overall for g in gs]
    s.add("rate", [frac(c.rate, c.conforming, c.turns) for c in overall])
    traits = sorted({t for g in gs for t in g.measures.conformity.by_trait})
    for t in traits:
        cells = []
        for g in gs:
            c = g.measures.conformity.by_trait.get(t)
            cells.append("–" if c is None else frac(c.rate, c.conforming, c.turns))
        s.add(f"rate · {t}", cells)
    ours = [g.measures.conformity_sociolab.overall for g in gs]
    s.add(
        "rate (sociolab, no 'none' majority)", [frac(c.rate, c.conforming, c.turns) for c in ours]
    )
    return s


def _pressure_section(gs: Sequence[GroupMetrics]) -> Section:
    s = Section(
        "majority pressure (sociolab's)",
        "majority influence: agents outside a majority that switched answer · Asch: agents right"
        " before facing a unanimous wrong majority that adopted its answer",
    )
    traits = sorted({t for g in gs for t in g.measures.pressure.influence_by_trait})
    for t in traits:
        cells = []
        for g in gs:
            m = g.measures.pressure.influence_by_trait.get(t)
            cells.append("–" if m is None else frac(m.switch_rate, m.switched, m.turns))
        s.add(f"majority influence · {t}", cells)
    asch = [g.measures.pressure.asch for g in gs]
    s.add("Asch yield", [frac(a.rate, a.yielded, a.turns) for a in asch])
    for t in traits:
        cells = []
        for g in gs:
            a = g.measures.pressure.asch_by_trait.get(t)
            cells.append("–" if a is None else frac(a.rate, a.yielded, a.turns))
        s.add(f"Asch yield · {t}", cells)
    return s


def _class_cell(n: int | None, finished: int) -> str:
    return "–" if n is None or not finished else f"{pct(n / finished)} ({n})"


def _dynamics_section(gs: Sequence[GroupMetrics]) -> Section:
    s = Section(
        "answer dynamics",
        "classes of the majority-correctness pattern over rounds: MachineSoM's (overlapping,"
        " from the study's pattern lists) and sociolab's own (one per pattern)",
    )
    for name in MACHINESOM_CLASSES:
        s.add(
            f"{name} (MachineSoM)",
            [
                _class_cell(
                    g.measures.behaviour.machinesom_classes[name], g.measures.behaviour.finished
                )
                for g in gs
            ],
        )
    for name in SOCIOLAB_CLASSES:
        s.add(
            f"{name} (sociolab)",
            [
                _class_cell(
                    g.measures.behaviour.sociolab_classes[name], g.measures.behaviour.finished
                )
                for g in gs
            ],
        )
    top = [list(g.measures.behaviour.machinesom_patterns.items())[:3] for g in gs]
    s.add("top patterns", [", ".join(f"{p}×{n}" for p, n in t) or "–" for t in top])
    for t in sorted({t for g in gs for t in g.measures.dynamics.flips_by_trait}):
        cells = []
        for g in gs:
            f = g.measures.dynamics.flips_by_trait.get(t)
            cells.append("–" if f is None else frac(f.rate, f.flips, f.turns))
        s.add(f"flip rate · {t}", cells)
    return s


def _agents_section(gs: Sequence[GroupMetrics]) -> Section:
    s = Section("agents", "accuracy in round 0 -> last round · flip rate")
    agents: list[tuple[str, str]] = []
    for g in gs:
        for run in g.runs:
            agents += [
                (a.name, a.trait) for a in run.header.agents if (a.name, a.trait) not in agents
            ]
    for name, trait in agents:
        s.add(f"{name} ({trait})", [_agent_cell(g, name) for g in gs])
    return s


def _influence_section(gs: Sequence[GroupMetrics]) -> Section:
    s = Section("influence", "u -> v: share of v's changes that adopted u's previous answer")
    changes: dict[tuple[str, str], int] = {}
    for g in gs:
        for e, inf in g.measures.dynamics.influence.items():
            changes[e] = changes.get(e, 0) + inf.changes
    top = sorted((e for e, n in changes.items() if n), key=lambda e: (-changes[e], e))
    for u, v in top[:MAX_EDGES]:
        cells = []
        for g in gs:
            x = g.measures.dynamics.influence.get((u, v))
            cells.append("–" if x is None else frac(x.rate, x.adoptions, x.changes))
        s.add(f"{u} -> {v}", cells)
    return s


def _cost_section(gs: Sequence[GroupMetrics]) -> Section:
    costs = [g.measures.cost for g in gs]
    priced = any(c.usd is not None for c in costs)
    caption = "tokens recorded on every turn (cache hits included)"
    if priced:
        caption += (
            "; USD at the backends' prices in the config ('–': no price), for every call"
            " and for the calls actually made (spent)"
        )
    s = Section("cost", caption)
    s.add("calls", [f"{c.calls:,}" for c in costs])
    s.add("prompt tokens", [f"{c.prompt_tokens:,}" for c in costs])
    s.add("completion tokens", [f"{c.completion_tokens:,}" for c in costs])
    s.add("total tokens", [f"{c.total_tokens:,}" for c in costs])
    s.add("per episode", [num(c.per_episode, 1) for c in costs])
    s.add("per correct answer", [num(c.per_correct, 1) for c in costs])
    if not all(g.coalition for g in gs):  # MachineSoM's measure of a debate's last round
        s.add(
            "MachineSoM last-call tokens / episode",
            [num(c.machinesom_last_call_per_episode, 1) for c in costs],
        )
    s.add("cache hits", [f"{c.cache_hits:,}" for c in costs])
    if priced:
        s.add("cost (USD)", [_usd(c.usd) for c in costs])
        s.add("USD per episode", [_usd(c.usd_per_episode) for c in costs])
        s.add("USD spent (cache hits free)", [_usd(c.spent_usd) for c in costs])
    return s


def _usd(value: float | None) -> str:
    return "–" if value is None else f"{value:.4f}"


def usd(x: float | None) -> str:
    """``$0.0123``, or ``no prices`` when no backend used has one."""
    return "no prices" if x is None else f"${x:,.4f}"


def sections(metrics: Metrics) -> list[Section]:
    """The report's tables, groups side by side (influence only when some agent changed)."""

    gs = metrics.groups
    influence = _influence_section(gs)
    coalition = coalition_section(gs)
    du = _du_section(gs)
    if coalition is not None and all(g.coalition for g in gs):
        # Stages routed to members, nobody debating: the comparison first, no debate tables.
        return [
            coalition,
            _runs_section(gs),
            *_round_sections(gs),
            _provenance_section(gs),
            *([du] if du is not None else []),
            _cost_section(gs),
        ]
    return [
        _runs_section(gs),
        *_round_sections(gs),
        _provenance_section(gs),
        *([du] if du is not None else []),
        *([coalition] if coalition is not None else []),
        _conformity_section(gs),
        _pressure_section(gs),
        _dynamics_section(gs),
        _agents_section(gs),
        *([influence] if influence.rows else []),
        _cost_section(gs),
    ]


def _status(g: GroupMetrics) -> str:
    states = [r.transcript.end.status if r.transcript.end else "unfinished" for r in g.runs]
    return ", ".join(f"{n} {s}" for s, n in sorted({s: states.count(s) for s in states}.items()))


def _agent_cell(g: GroupMetrics, name: str) -> str:
    vals = g.measures.accuracy.by_agent.get(name)
    if vals is None:
        return "–"
    present = [v for v in vals if v is not None]
    first = pct(present[0]) if present else "–"
    last = pct(present[-1]) if present else "–"
    f = g.measures.dynamics.flips_by_agent.get(name)
    return f"{first} -> {last} · flips {pct(f.rate if f else None)}"


def significance_section(metrics: Metrics) -> Section | None:
    """The pooled Levene and ANOVA results, one row per comparison (None without comparisons)."""
    if not metrics.comparisons:
        return None
    s = Section(
        "significance across groups (sociolab's pooled view)",
        "Levene's test and one-way ANOVA, both always shown, on per-repeat values pooled over"
        " the other keys; not MachineSoM's tests",
    )
    for c in metrics.comparisons:
        r = c.result
        s.add(
            f"{c.measure} by {c.key}",
            [str(r.groups), _p(r.levene, r.levene_p), _p(r.anova_f, r.anova_p), r.note],
        )
    return s


def study_section(metrics: Metrics) -> Section | None:
    """MachineSoM's grid tests and W-T (None when the runs form no society x strategy grid)."""
    st = metrics.study
    if not st.tests:
        return None
    s = Section(
        "significance as MachineSoM tests it",
        f"{st.measure} per repeat; each society across strategies, each strategy across"
        " societies; ANOVA only when Levene p >= 0.05",
    )
    for t in st.tests:
        r = t.result
        s.add(
            f"{t.given}: across {t.across}",
            [str(r.groups), _p(r.levene, r.levene_p), _p(r.anova_f, r.anova_p), r.note],
        )
    wt = st.win_tie
    if wt is not None:
        for k, n in wt.by_strategy.items():
            pairs = sum(p for (_, kk), p in wt.pairs.items() if kk == k)
            s.add(f"W-T {k} vs {wt.baseline}", [f"{n} of {pairs} repeats", "", "", ""])
    return s


def _p(stat: float | None, p: float | None) -> str:
    if stat is None or p is None:
        return "–"
    return f"{stat:.3g} (p={p:.3g})"


__all__ = [
    "MAX_EDGES",
    "Section",
    "num",
    "pct",
    "round_labels",
    "sections",
    "significance_section",
    "study_section",
    "usd",
    "warnings",
]
