"""Measures of conformity, consensus, accuracy and cost, read from transcripts only.

Typical use::

    from societies.analysis.metrics import Run, compute_metrics, metrics_json
    from societies.transcript import load_transcript

    runs = [Run(load_transcript(p), p) for p in paths]
    print(metrics_json(compute_metrics(runs, by=["strategy"])))

The definitions are in the docstrings of :mod:`societies.analysis.metrics.accuracy`,
:mod:`societies.analysis.metrics.conformity` and :mod:`societies.analysis.metrics.cost`.
"""

from societies.analysis.metrics.accuracy import (
    RoundAccuracy,
    RoundConsensus,
    distinct_answers,
    normalised_entropy,
    round_accuracy,
    round_consensus,
    unanimous,
)
from societies.analysis.metrics.compute import (
    COMPARED,
    Comparison,
    GroupMetrics,
    Measures,
    Metrics,
    RowKey,
    check_keys,
    compute_metrics,
    measure,
    scalars,
)
from societies.analysis.metrics.conformity import (
    CLASSES,
    TRANSITIONS,
    Conformity,
    ConformityCounts,
    DebateTurn,
    Dynamics,
    EdgeInfluence,
    FlipCounts,
    MinorityCounts,
    conformity,
    correctness_pattern,
    debate_turns,
    dynamics,
    pattern_class,
    transition,
    visible_majority,
)
from societies.analysis.metrics.cost import Cost, cost
from societies.analysis.metrics.episodes import (
    GROUP_KEYS,
    EpisodeView,
    Run,
    episodes_of,
    model_label,
    n_rounds,
    society_label,
    strategy_label,
    task_label,
)
from societies.analysis.metrics.export import CSV_COLUMNS, group_json, metric_rows, metrics_json
from societies.analysis.metrics.stats import Significance, Spread, compare_groups, spread

__all__ = [
    "CLASSES",
    "COMPARED",
    "CSV_COLUMNS",
    "GROUP_KEYS",
    "TRANSITIONS",
    "Comparison",
    "Conformity",
    "ConformityCounts",
    "Cost",
    "DebateTurn",
    "Dynamics",
    "EdgeInfluence",
    "EpisodeView",
    "FlipCounts",
    "GroupMetrics",
    "Measures",
    "Metrics",
    "MinorityCounts",
    "RoundAccuracy",
    "RoundConsensus",
    "RowKey",
    "Run",
    "Significance",
    "Spread",
    "check_keys",
    "compare_groups",
    "compute_metrics",
    "conformity",
    "correctness_pattern",
    "cost",
    "debate_turns",
    "distinct_answers",
    "dynamics",
    "episodes_of",
    "group_json",
    "measure",
    "metric_rows",
    "metrics_json",
    "model_label",
    "n_rounds",
    "normalised_entropy",
    "pattern_class",
    "round_accuracy",
    "round_consensus",
    "scalars",
    "society_label",
    "spread",
    "strategy_label",
    "task_label",
    "transition",
    "unanimous",
    "visible_majority",
]
