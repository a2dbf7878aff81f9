"""Every measure of a :class:`~societies.analysis.metrics.measures.Measures` as flat rows.

A row key is ``(measure, round or None, subject)``; these rows feed the
per-repeat statistics, metrics.csv and the parquet export.
"""

from __future__ import annotations

from collections.abc import Sequence

from societies.analysis.metrics.conformity import TRANSITIONS, Conformity
from societies.analysis.metrics.measures import Measures

RowKey = tuple[str, int | None, str]
"""(measure, round or None, subject) of one number."""

Rows = dict[RowKey, float | None]


def _last(values: Sequence[float | None]) -> float | None:
    """The value of the last round any episode reached."""
    present = [v for v in values if v is not None]
    return present[-1] if present else None


def _round_rows(m: Measures, rows: Rows) -> None:
    acc, con = m.accuracy, m.consensus
    for r in range(len(acc.society)):
        rows[("accuracy", r, "")] = acc.society[r]
        rows[("no_decision", r, "")] = acc.no_decision[r]
        rows[("episodes", r, "")] = acc.episodes[r]
        rows[("distinct_answers", r, "")] = con.distinct[r]
        rows[("unanimity", r, "")] = con.unanimity[r]
        rows[("entropy", r, "")] = con.entropy[r]
        for agent, vals in acc.by_agent.items():
            rows[("agent_accuracy", r, f"agent={agent}")] = vals[r]
        for trait, vals in acc.by_trait.items():
            rows[("trait_accuracy", r, f"trait={trait}")] = vals[r]
    rows[("final_accuracy", None, "")] = _last(acc.society)
    rows[("final_distinct_answers", None, "")] = _last(con.distinct)
    rows[("first_unanimous_round", None, "")] = con.first_unanimous
    rows[("never_unanimous", None, "")] = con.never_unanimous


def _conformity_rows(c: Conformity, prefix: str, rows: Rows) -> None:
    """``conformity_*`` rows (MachineSoM's) or ``sociolab_conformity_*`` rows (ours)."""
    for r, counts in c.by_round.items():
        rows[(f"{prefix}conformity_rate", r, "")] = counts.rate
    for tr in TRANSITIONS:
        rows[(f"{prefix}conformity_count", None, f"transition={tr}")] = c.overall.transitions[tr]
    rows[(f"{prefix}conformity_turns", None, "")] = c.overall.turns
    rows[(f"{prefix}conformity_rate", None, "")] = c.overall.rate
    for trait, counts in c.by_trait.items():
        rows[(f"{prefix}conformity_rate", None, f"trait={trait}")] = counts.rate
    for agent, counts in c.by_agent.items():
        rows[(f"{prefix}conformity_rate", None, f"agent={agent}")] = counts.rate


def _pressure_rows(m: Measures, rows: Rows) -> None:
    p = m.pressure
    for subject, mi in [
        ("", p.influence),
        *((f"trait={t}", x) for t, x in p.influence_by_trait.items()),
    ]:
        rows[("majority_influence_turns", None, subject)] = mi.turns
        rows[("majority_influence_switch_rate", None, subject)] = mi.switch_rate
        rows[("majority_influence_join_rate", None, subject)] = mi.join_rate
    for subject, a in [("", p.asch), *((f"trait={t}", x) for t, x in p.asch_by_trait.items())]:
        rows[("asch_turns", None, subject)] = a.turns
        rows[("asch_yield_rate", None, subject)] = a.rate


def _behaviour_rows(m: Measures, rows: Rows) -> None:
    b = m.behaviour
    if not b.finished:
        return
    for bits, n in b.machinesom_patterns.items():
        rows[("machinesom_pattern_share", None, f"pattern={bits}")] = n / b.finished
    for name, k in b.machinesom_classes.items():
        rows[("machinesom_class_share", None, f"class={name}")] = (
            None if k is None else k / b.finished
        )
    rows[("machinesom_final_accuracy", None, "")] = (
        b.machinesom_classes["ends right"] or 0
    ) / b.finished
    for bits, n in b.sociolab_patterns.items():
        rows[("sociolab_pattern_share", None, f"pattern={bits}")] = n / b.finished
    for name, n in b.sociolab_classes.items():
        rows[("sociolab_class_share", None, f"class={name}")] = n / b.finished


def _dynamics_rows(m: Measures, rows: Rows) -> None:
    d = m.dynamics
    for agent, f in d.flips_by_agent.items():
        rows[("flip_rate", None, f"agent={agent}")] = f.rate
    for trait, f in d.flips_by_trait.items():
        rows[("flip_rate", None, f"trait={trait}")] = f.rate
    for (u, v), inf in d.influence.items():
        if inf.changes:
            rows[("influence", None, f"edge={u}->{v}")] = inf.rate
            rows[("influence_changes", None, f"edge={u}->{v}")] = inf.changes


def _du_rows(m: Measures, rows: Rows) -> None:
    d = m.du2023
    rows[("du2023_accuracy", None, "")] = d.mean
    rows[("du2023_se", None, "")] = d.se
    rows[("du2023_scored", None, "")] = d.scored
    rows[("du2023_skipped", None, "")] = d.skipped
    rows[("du2023_accuracy_skips_wrong", None, "")] = d.accuracy_skips_wrong
    rows[("du2023_truncated", None, "")] = d.truncated


def _cost_rows(m: Measures, rows: Rows) -> None:
    k = m.cost
    rows[("tokens_prompt", None, "")] = k.prompt_tokens
    rows[("tokens_completion", None, "")] = k.completion_tokens
    rows[("tokens_total", None, "")] = k.total_tokens
    rows[("calls", None, "")] = k.calls
    rows[("cost_usd", None, "")] = k.usd
    rows[("tokens_per_episode", None, "")] = k.per_episode
    rows[("tokens_per_correct", None, "")] = k.per_correct
    rows[("machinesom_last_call_tokens_per_episode", None, "")] = k.machinesom_last_call_per_episode
    rows[("spent_usd", None, "")] = k.spent_usd
    rows[("cache_hits", None, "")] = k.cache_hits
    rows[("episodes", None, "")] = m.episodes
    rows[("turns", None, "")] = m.turns


def _provenance_rows(m: Measures, rows: Rows) -> None:
    p = m.provenance
    rows[("truncated_turns", None, "")] = p.truncated
    rows[("truncated_share", None, "")] = p.truncated_share
    rows[("truncated_answers", None, "")] = p.truncated_answers
    rows[("fallback_turns", None, "")] = p.fallback
    rows[("fallback_share", None, "")] = p.fallback_share
    for method, n in p.methods.items():
        rows[("extraction_turns", None, f"method={method}")] = n


def scalars(m: Measures) -> dict[RowKey, float]:
    """Every number of ``m`` as a flat row (undefined values are left out)."""
    rows: Rows = {}
    _round_rows(m, rows)
    _conformity_rows(m.conformity, "", rows)
    _conformity_rows(m.conformity_sociolab, "sociolab_", rows)
    _pressure_rows(m, rows)
    _behaviour_rows(m, rows)
    _dynamics_rows(m, rows)
    _du_rows(m, rows)
    _cost_rows(m, rows)
    _provenance_rows(m, rows)
    return {key: float(v) for key, v in rows.items() if v is not None}


__all__ = ["RowKey", "scalars"]
