"""Metrics as JSON (``report --json``) and as flat rows (metrics.csv, .parquet)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from societies.analysis.metrics.compute import COMPARED, STUDY_MEASURE, GroupMetrics, Metrics
from societies.analysis.metrics.conformity import Conformity, ConformityCounts
from societies.analysis.metrics.du import DU_MEASURE, DuScore
from societies.analysis.metrics.episodes import GROUP_KEYS, Run, extraction_of
from societies.analysis.metrics.pressure import AschCounts, MajorityInfluence, Pressure
from societies.analysis.metrics.provenance import Provenance
from societies.analysis.metrics.stats import Significance, Spread
from societies.analysis.metrics.study import StudyGrid
from societies.analysis.scoring import WARN_SHARE


def _counts_json(c: ConformityCounts) -> dict[str, Any]:
    return {**c.transitions, "rate": c.rate, "turns": c.turns, "conforming": c.conforming}


def _conformity_json(c: Conformity) -> dict[str, Any]:
    return {
        **_counts_json(c.overall),
        "by_trait": {t: _counts_json(x) for t, x in c.by_trait.items()},
        "by_agent": {a: _counts_json(x) for a, x in c.by_agent.items()},
        "by_round": {str(r): _counts_json(x) for r, x in c.by_round.items()},
    }


def _influence_json(m: MajorityInfluence) -> dict[str, Any]:
    return {
        "turns": m.turns,
        "switched": m.switched,
        "joined": m.joined,
        "switch_rate": m.switch_rate,
        "join_rate": m.join_rate,
    }


def _asch_json(a: AschCounts) -> dict[str, Any]:
    return {"turns": a.turns, "yielded": a.yielded, "switched": a.switched, "rate": a.rate}


def _pressure_json(p: Pressure) -> dict[str, Any]:
    return {
        "majority_influence": {
            **_influence_json(p.influence),
            "by_trait": {t: _influence_json(x) for t, x in p.influence_by_trait.items()},
        },
        "asch": {
            **_asch_json(p.asch),
            "by_trait": {t: _asch_json(x) for t, x in p.asch_by_trait.items()},
        },
    }


def _du_json(d: DuScore, runs: Sequence[Run]) -> dict[str, Any]:
    return {
        "mean": d.mean,
        "se": d.se,
        "scored": d.scored,
        "correct": d.correct,
        "skipped": d.skipped,
        "finished": d.finished,
        "accuracy_skips_wrong": d.accuracy_skips_wrong,
        "truncated": d.truncated,
        "extraction": sorted({extraction_of(r) for r in runs}),
    }


def _provenance_json(p: Provenance) -> dict[str, Any]:
    return {
        "turns": p.turns,
        "truncated": p.truncated,
        "truncated_share": p.truncated_share,
        "truncated_answers": p.truncated_answers,
        "fallback": p.fallback,
        "fallback_share": p.fallback_share,
        "extraction_methods": p.methods,
        "scoring_truncated": list(p.scoring),
        "warning": provenance_warning(p),
    }


def provenance_warning(p: Provenance) -> str | None:
    """A sentence when truncated replies or fallback answers exceed :data:`WARN_SHARE`, else None."""
    parts = []
    if p.truncated_share is not None and p.truncated_share > WARN_SHARE:
        how = "counted as no answer" if p.scoring == ("no-answer",) else "their answers kept"
        parts.append(
            f"{p.truncated_share:.1%} of replies ({p.truncated}/{p.turns}) were cut at the"
            f" token limit ({how})"
        )
    if p.fallback_share is not None and p.fallback_share > WARN_SHARE:
        parts.append(
            f"{p.fallback_share:.1%} of answers ({p.fallback}/{p.turns}) were read by a"
            " fallback rule, not from a stated answer"
        )
    return "; ".join(parts) or None


def _spread_json(s: Spread) -> dict[str, Any]:
    return {"n": s.n, "mean": s.mean, "std": s.std, "ci95": [s.ci_low, s.ci_high]}


def group_json(g: GroupMetrics) -> dict[str, Any]:
    """The group's measures as a JSON-ready dict (undefined values are null)."""
    m = g.measures
    acc, con, d, k, b = m.accuracy, m.consensus, m.dynamics, m.cost, m.behaviour
    return {
        "label": g.label,
        "keys": g.keys,
        "runs": [str(r.path) if r.path else r.header.name for r in g.runs],
        "rounds": list(g.round_patterns),
        "episodes": m.episodes,
        "turns": m.turns,
        "accuracy_by_round": acc.society,
        "no_decision_by_round": acc.no_decision,
        "episodes_by_round": acc.episodes,
        "accuracy_by_agent": acc.by_agent,
        "accuracy_by_trait": acc.by_trait,
        "consensus_by_round": con.distinct,
        "unanimity_by_round": con.unanimity,
        "entropy_by_round": con.entropy,
        "first_unanimous_round": con.first_unanimous,
        "never_unanimous": con.never_unanimous,
        "conformity": _conformity_json(m.conformity),
        "conformity_sociolab": _conformity_json(m.conformity_sociolab),
        **_pressure_json(m.pressure),
        "behaviour": {
            "finished": b.finished,
            "machinesom": {"patterns": b.machinesom_patterns, "classes": b.machinesom_classes},
            "sociolab": {"patterns": b.sociolab_patterns, "classes": b.sociolab_classes},
        },
        "flip_rate": {
            "by_agent": {a: f.rate for a, f in d.flips_by_agent.items()},
            "by_trait": {t: f.rate for t, f in d.flips_by_trait.items()},
        },
        "influence": {
            f"{u}->{v}": {"changes": x.changes, "adoptions": x.adoptions, "rate": x.rate}
            for (u, v), x in d.influence.items()
        },
        "tokens": {
            "prompt": k.prompt_tokens,
            "completion": k.completion_tokens,
            "total": k.total_tokens,
            "calls": k.calls,
            "usd": k.usd,
            "per_episode": k.per_episode,
            "per_correct": k.per_correct,
            "machinesom_last_call_per_episode": k.machinesom_last_call_per_episode,
            "cache_hits": k.cache_hits,
            "spent_usd": k.spent_usd,
        },
        "provenance": _provenance_json(m.provenance),
        "du2023": _du_json(m.du2023, g.runs),
        "repeats": {
            name: _spread_json(g.spread((name, None, "")))
            for name in (*COMPARED, STUDY_MEASURE, DU_MEASURE)
        },
    }


def _group_json(g: GroupMetrics) -> dict[str, Any]:
    """:func:`group_json`; a coalition group's says so, names its stages, and has no debate keys."""
    out = group_json(g)
    if not g.coalition:
        return out
    for key in DEBATE_KEYS:
        out.pop(key, None)
    return {**out, "kind": "coalition", "stages": list(g.round_patterns)}


def metrics_json(metrics: Metrics) -> dict[str, Any]:
    """One JSON object: all runs pooled at the top level, then each group and the tests."""
    return {
        **_group_json(metrics.overall),
        "by": list(metrics.by),
        "groups": [_group_json(g) for g in metrics.groups],
        "significance_machinesom": study_json(metrics.study),
        "significance_pooled": [
            {"key": c.key, "measure": c.measure, "groups": c.groups, **_test_json(c.result)}
            for c in metrics.comparisons
        ],
    }


def _test_json(r: Significance) -> dict[str, Any]:
    return {
        "levene": r.levene,
        "levene_p": r.levene_p,
        "anova_f": r.anova_f,
        "anova_p": r.anova_p,
        "note": r.note,
    }


def study_json(s: StudyGrid) -> dict[str, Any]:
    """MachineSoM's grid tests and W-T as a JSON-ready dict."""
    wt = s.win_tie
    return {
        "measure": s.measure,
        "note": s.note,
        "tests": [
            {"across": t.across, "given": t.given, "groups": t.groups, **_test_json(t.result)}
            for t in s.tests
        ],
        "win_tie": None
        if wt is None
        else {
            "baseline": wt.baseline,
            "by_strategy": wt.by_strategy,
            "by_society": wt.by_society,
            "cells": [
                {"society": soc, "strategy": k, "wins_or_ties": n, "repeats": wt.pairs[(soc, k)]}
                for (soc, k), n in wt.by_cell.items()
            ],
        },
    }


DEBATE_MEASURES = (
    "distinct_answers", "unanimity", "entropy", "never_unanimous", "final_distinct_answers",
    "first_unanimous_round", "conformity_", "sociolab_conformity_", "asch_",
    "majority_influence_", "influence", "machinesom_", "sociolab_class_share",
    "sociolab_pattern_share", "flip_rate", "trait_accuracy",
)  # fmt: skip
"""Measures (by name prefix) of agents answering each other, or named for MachineSoM's
debates: left out of a coalition group's rows (it has stages, no debate)."""

DEBATE_KEYS = (
    "accuracy_by_trait", "consensus_by_round", "unanimity_by_round", "entropy_by_round",
    "first_unanimous_round", "never_unanimous", "conformity", "conformity_sociolab",
    "majority_influence", "asch", "behaviour", "flip_rate", "influence",
)  # fmt: skip
"""The JSON keys of those measures."""


def _debate_measure(name: str) -> bool:
    return name.startswith(DEBATE_MEASURES)


CSV_COLUMNS = (
    "group",
    *GROUP_KEYS,
    "round",
    "pattern",
    "measure",
    "subject",
    "value",
    "mean",
    "std",
    "ci_low",
    "ci_high",
    "repeats",
)


def metric_rows(metrics: Metrics) -> list[dict[str, Any]]:
    """One row per group x round x measure (x subject), columns :data:`CSV_COLUMNS`.

    ``value`` is the pooled value; ``mean``, ``std``, ``ci_low``, ``ci_high``
    are over the group's (run, repeat) samples; ``repeats`` counts them.
    """
    rows = []
    for g in metrics.groups:
        patterns = g.round_patterns
        for key, value in g.values.items():
            name, rnd, subject = key
            if g.coalition and _debate_measure(name):
                continue
            s = g.spread(key)
            rows.append(
                {
                    "group": g.label,
                    **{k: g.keys[k] for k in GROUP_KEYS},
                    "round": rnd,
                    "pattern": patterns[rnd] if rnd is not None and rnd < len(patterns) else None,
                    "measure": name,
                    "subject": subject,
                    "value": value,
                    "mean": s.mean,
                    "std": s.std,
                    "ci_low": s.ci_low,
                    "ci_high": s.ci_high,
                    "repeats": s.n,
                }
            )
    return rows


__all__ = [
    "CSV_COLUMNS",
    "group_json",
    "metric_rows",
    "metrics_json",
    "provenance_warning",
    "study_json",
]
