"""Measures of conformity, consensus, accuracy and cost, read from transcripts only.

Typical use::

    from societies.analysis.metrics import Run, compute_metrics, metrics_json
    from societies.transcript import load_transcript

    runs = [Run(load_transcript(p), p) for p in paths]
    print(metrics_json(compute_metrics(runs, by=["strategy"])))

The definitions are in the docstrings of :mod:`societies.analysis.metrics.accuracy`,
:mod:`societies.analysis.metrics.conformity`, :mod:`societies.analysis.metrics.pressure`,
:mod:`societies.analysis.metrics.classes`, :mod:`societies.analysis.metrics.study`,
:mod:`societies.analysis.metrics.du` and :mod:`societies.analysis.metrics.cost`. Where a measure carries MachineSoM's name it
equals the study's code; ``sociolab`` names our own variants.
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
from societies.analysis.metrics.classes import (
    MACHINESOM_CLASSES,
    MACHINESOM_PATTERNS,
    SOCIOLAB_CLASSES,
    Behaviour,
    behaviour,
    machinesom_answer,
    machinesom_classes,
    machinesom_pattern,
    sociolab_class,
    sociolab_pattern,
)
from societies.analysis.metrics.compute import (
    COMPARED,
    STUDY_MEASURE,
    Comparison,
    GroupMetrics,
    Metrics,
    check_keys,
    compute_metrics,
)
from societies.analysis.metrics.conformity import (
    CONFORMITY_RULES,
    TRANSITIONS,
    Conformity,
    ConformityCounts,
    ConformityRule,
    DebateTurn,
    Dynamics,
    EdgeInfluence,
    FlipCounts,
    conformity,
    debate_turns,
    dynamics,
    machinesom_majority,
    machinesom_value,
    transition,
    visible_majority,
)
from societies.analysis.metrics.cost import Cost, cost
from societies.analysis.metrics.du import DU_MEASURE, DuScore, du_score
from societies.analysis.metrics.episodes import (
    GROUP_KEYS,
    EpisodeView,
    Run,
    episodes_of,
    extraction_of,
    model_label,
    n_rounds,
    society_label,
    strategy_label,
    task_label,
)
from societies.analysis.metrics.export import (
    CSV_COLUMNS,
    group_json,
    metric_rows,
    metrics_json,
    provenance_warning,
    study_json,
)
from societies.analysis.metrics.measures import Measures, measure
from societies.analysis.metrics.pressure import (
    ASCH_MIN_OTHERS,
    AschCounts,
    MajorityInfluence,
    Pressure,
    pressure,
    unanimous_wrong,
)
from societies.analysis.metrics.provenance import Provenance, provenance
from societies.analysis.metrics.scalars import RowKey, scalars
from societies.analysis.metrics.stats import (
    LEVENE_ALPHA,
    NO_ANOVA_NOTE,
    Significance,
    Spread,
    compare_groups,
    gated_compare,
    spread,
)
from societies.analysis.metrics.study import (
    GridTest,
    StudyGrid,
    WinTie,
    grid_tests,
    study_grid,
    win_tie,
)

__all__ = [
    "ASCH_MIN_OTHERS",
    "COMPARED",
    "CONFORMITY_RULES",
    "CSV_COLUMNS",
    "DU_MEASURE",
    "GROUP_KEYS",
    "LEVENE_ALPHA",
    "MACHINESOM_CLASSES",
    "MACHINESOM_PATTERNS",
    "NO_ANOVA_NOTE",
    "SOCIOLAB_CLASSES",
    "STUDY_MEASURE",
    "TRANSITIONS",
    "AschCounts",
    "Behaviour",
    "Comparison",
    "Conformity",
    "ConformityCounts",
    "ConformityRule",
    "Cost",
    "DebateTurn",
    "DuScore",
    "Dynamics",
    "EdgeInfluence",
    "EpisodeView",
    "FlipCounts",
    "GridTest",
    "GroupMetrics",
    "MajorityInfluence",
    "Measures",
    "Metrics",
    "Pressure",
    "Provenance",
    "RoundAccuracy",
    "RoundConsensus",
    "RowKey",
    "Run",
    "Significance",
    "Spread",
    "StudyGrid",
    "WinTie",
    "behaviour",
    "check_keys",
    "compare_groups",
    "compute_metrics",
    "conformity",
    "cost",
    "debate_turns",
    "distinct_answers",
    "du_score",
    "dynamics",
    "episodes_of",
    "extraction_of",
    "gated_compare",
    "grid_tests",
    "group_json",
    "machinesom_answer",
    "machinesom_classes",
    "machinesom_majority",
    "machinesom_pattern",
    "machinesom_value",
    "measure",
    "metric_rows",
    "metrics_json",
    "model_label",
    "n_rounds",
    "normalised_entropy",
    "pressure",
    "provenance",
    "provenance_warning",
    "round_accuracy",
    "round_consensus",
    "scalars",
    "society_label",
    "sociolab_class",
    "sociolab_pattern",
    "spread",
    "strategy_label",
    "study_grid",
    "study_json",
    "task_label",
    "transition",
    "unanimous",
    "unanimous_wrong",
    "visible_majority",
    "win_tie",
]
