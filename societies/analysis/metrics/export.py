"""Metrics as JSON (``report --json``) and as flat rows (metrics.csv, .parquet)."""

from __future__ import annotations

from typing import Any

from societies.analysis.metrics.compute import COMPARED, GroupMetrics, Metrics
from societies.analysis.metrics.conformity import ConformityCounts, MinorityCounts
from societies.analysis.metrics.episodes import GROUP_KEYS
from societies.analysis.metrics.stats import Spread


def _counts_json(c: ConformityCounts) -> dict[str, Any]:
    return {**c.transitions, "rate": c.rate, "turns": c.turns, "conforming": c.conforming}


def _minority_json(m: MinorityCounts) -> dict[str, Any]:
    return {
        "turns": m.turns,
        "switched": m.switched,
        "joined": m.joined,
        "switch_rate": m.switch_rate,
        "join_rate": m.join_rate,
    }


def _spread_json(s: Spread) -> dict[str, Any]:
    return {"n": s.n, "mean": s.mean, "std": s.std, "ci95": [s.ci_low, s.ci_high]}


def group_json(g: GroupMetrics) -> dict[str, Any]:
    """The group's measures as a JSON-ready dict (undefined values are null)."""
    m = g.measures
    acc, con, c, d, k = m.accuracy, m.consensus, m.conformity, m.dynamics, m.cost
    return {
        "label": g.label,
        "keys": g.keys,
        "runs": [str(r.path) if r.path else r.header.name for r in g.runs],
        "rounds": list(m.patterns),
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
        "conformity": {
            **_counts_json(c.overall),
            "by_trait": {t: _counts_json(x) for t, x in c.by_trait.items()},
            "by_agent": {a: _counts_json(x) for a, x in c.by_agent.items()},
            "by_round": {str(r): _counts_json(x) for r, x in c.by_round.items()},
        },
        "minority": {
            **_minority_json(c.minority),
            "by_trait": {t: _minority_json(x) for t, x in c.minority_by_trait.items()},
        },
        "dynamics": {"patterns": d.patterns, "classes": d.classes, "finished": d.finished},
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
            "per_episode": k.per_episode,
            "per_correct": k.per_correct,
            "machinesom_last_call_per_episode": k.machinesom_last_call_per_episode,
        },
        "repeats": {name: _spread_json(g.spread((name, None, ""))) for name in COMPARED},
    }


def metrics_json(metrics: Metrics) -> dict[str, Any]:
    """One JSON object: all runs pooled at the top level, then each group and the tests."""
    return {
        **group_json(metrics.overall),
        "by": list(metrics.by),
        "groups": [group_json(g) for g in metrics.groups],
        "significance": [
            {
                "key": c.key,
                "measure": c.measure,
                "groups": c.groups,
                "levene": c.result.levene,
                "levene_p": c.result.levene_p,
                "anova_f": c.result.anova_f,
                "anova_p": c.result.anova_p,
                "note": c.result.note,
            }
            for c in metrics.comparisons
        ],
    }


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
        patterns = g.measures.patterns
        for key, value in g.values.items():
            name, rnd, subject = key
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


__all__ = ["CSV_COLUMNS", "group_json", "metric_rows", "metrics_json"]
