"""All measures of a set of runs, grouped, with statistics over repeats.

:func:`compute_metrics` is the entry point: runs are grouped by the keys in
``by`` (see :data:`~societies.analysis.metrics.episodes.GROUP_KEYS`); within each group
every measure is computed on the pooled episodes, and again on each repeat of
each run (a *sample*) for the mean, standard deviation and bootstrap CI.

Two kinds of significance tests are made on those samples:

- **MachineSoM's** (:mod:`~societies.analysis.metrics.study`): when the groups
  form a society x strategy grid of one task and one model, each society is
  tested across strategies and each strategy across societies, ANOVA only
  when Levene p >= 0.05; plus W-T against the all-debate strategy.
- **Pooled (sociolab's)**: the groups compared on each :data:`COMPARED`
  measure, and, when several keys vary, each key's values compared with the
  samples pooled over the other keys; Levene and ANOVA are both always given.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from societies.analysis.metrics.episodes import (
    GROUP_KEYS,
    NO_ROUNDS,
    EpisodeView,
    Run,
    episodes_of,
    is_coalition_run,
    round_patterns,
)
from societies.analysis.metrics.measures import Measures, measure
from societies.analysis.metrics.scalars import RowKey, scalars
from societies.analysis.metrics.stats import Significance, Spread, compare_groups, spread
from societies.analysis.metrics.study import Cell, StudyGrid, study_grid
from societies.analysis.scoring import TruncatedMode
from societies.errors import ConfigError

COMPARED = ("final_accuracy", "final_distinct_answers", "conformity_rate", "tokens_per_episode")
"""Measures compared across groups with Levene's test and ANOVA (the pooled view)."""

STUDY_MEASURE = "machinesom_final_accuracy"
"""The measure of MachineSoM's grid tests and W-T: last-round accuracy of its society answer."""


Sample = tuple[int, int]
"""(run index, repeat): the unit that statistics over repeats are taken over."""


@dataclass(frozen=True)
class GroupMetrics:
    """The measures of one group of runs.

    Attributes:
        label: a short name for tables.
        keys: the group's value of every key in :data:`GROUP_KEYS` (``a | b`` when mixed).
        runs: the runs pooled.
        measures: measures of all their episodes pooled.
        values: :func:`scalars` of ``measures``.
        samples: per (run, repeat) sample, its scalars.
    """

    label: str
    keys: dict[str, str]
    runs: list[Run]
    measures: Measures
    values: dict[RowKey, float]
    samples: dict[Sample, dict[RowKey, float]] = field(default_factory=dict)
    _spreads: dict[RowKey, Spread] = field(default_factory=dict, compare=False, repr=False)

    @property
    def round_patterns(self) -> tuple[str, ...]:
        """Each round's pattern in this group's own runs (``debate | reflection`` when they differ)."""
        return round_patterns(self.runs)

    @property
    def coalition(self) -> bool:
        """Whether every run is a coalition run: stages, no debate (no debate measures)."""
        return bool(self.runs) and all(is_coalition_run(r.header) for r in self.runs)

    def spread(self, key: RowKey) -> Spread:
        """Mean, std and bootstrap CI of a row over the group's samples (computed once)."""
        if key not in self._spreads:
            self._spreads[key] = spread([s[key] for s in self.samples.values() if key in s])
        return self._spreads[key]


@dataclass(frozen=True)
class Comparison:
    """One significance test: a measure compared across the values of a key."""

    key: str
    measure: str
    groups: list[str]
    result: Significance


@dataclass(frozen=True)
class Metrics:
    """The measures of every group, of all runs pooled, and the group comparisons.

    Attributes:
        by: the grouping keys.
        groups: each group's measures.
        overall: all runs pooled.
        comparisons: the pooled view (sociolab's), Levene and ANOVA always.
        study: MachineSoM's grid tests and W-T (its note says when the runs are no grid).
        truncated: how truncated replies were scored for every run (None: each run's own).
    """

    by: tuple[str, ...]
    groups: list[GroupMetrics]
    overall: GroupMetrics
    comparisons: list[Comparison]
    study: StudyGrid
    truncated: TruncatedMode | None = None


def _mixed(runs: Sequence[Run]) -> dict[str, str]:
    keys: dict[str, list[str]] = defaultdict(list)
    for run in runs:
        for k, v in run.keys().items():
            if v not in keys[k]:
                keys[k].append(v)
    return {k: " | ".join(vs) for k, vs in keys.items()}


def _group(label: str, runs: Sequence[Run], episodes: dict[int, list[EpisodeView]]) -> GroupMetrics:
    pooled = [e for run in runs for e in episodes[run.index]]
    m = measure(pooled, max((r.header.rounds for r in runs), key=len, default=[]))
    per_sample: dict[Sample, list[EpisodeView]] = defaultdict(list)
    for e in pooled:
        per_sample[(e.run, e.repeat)].append(e)
    samples = {s: scalars(measure(eps)) for s, eps in sorted(per_sample.items())}
    return GroupMetrics(label, _mixed(runs), list(runs), m, scalars(m), samples)


def check_keys(by: Sequence[str]) -> tuple[str, ...]:
    """Validate grouping keys.

    Raises:
        ConfigError: naming an unknown key and the known ones.
    """
    bad = [k for k in by if k not in GROUP_KEYS]
    if bad:
        hint = "; every group is already split by trait" if bad[0] == "trait" else ""
        raise ConfigError([f"--by: unknown key {bad[0]!r} (known: {', '.join(GROUP_KEYS)}){hint}"])
    return tuple(dict.fromkeys(by))


def compute_metrics(
    runs: Sequence[Run], by: Sequence[str] = GROUP_KEYS, truncated: TruncatedMode | None = None
) -> Metrics:
    """Measure ``runs``, grouped by the keys in ``by``, and compare the groups.

    ``truncated`` scores answers read from truncated replies (``keep`` or
    ``no-answer``) for every run; None: each run's own ``scoring.truncated``.

    Raises:
        ConfigError: ``by`` names an unknown key.
        TranscriptError: a run names an unknown decision rule.
    """
    by = check_keys(by)
    runs = [r if r.index == i else Run(r.transcript, r.path, i) for i, r in enumerate(runs)]
    episodes = {run.index: episodes_of(run, truncated) for run in runs}
    grouped: dict[tuple[str, ...], list[Run]] = {}
    for run in runs:
        keys = run.keys()
        grouped.setdefault(tuple(keys[k] for k in by), []).append(run)
    varying = [i for i, _ in enumerate(by) if len({g[i] for g in grouped}) > 1]
    shown = varying or list(range(len(by)))
    groups = [
        _group(" · ".join(g[i] for i in shown) or "all", members, episodes)
        for g, members in grouped.items()
    ]
    overall = groups[0] if len(groups) == 1 else _group("all", runs, episodes)
    comparisons: list[Comparison] = []
    if len(groups) > 1:
        name = by[varying[0]] if len(varying) == 1 else "group"
        comparisons += _compare(name, {g.label: list(g.samples.values()) for g in groups})
    if len(varying) > 1:
        for i in varying:
            by_value: dict[str, list[dict[RowKey, float]]] = defaultdict(list)
            for g, members in zip(grouped, groups, strict=True):
                by_value[g[i]] += members.samples.values()
            comparisons += _compare(by[i], by_value)
    return Metrics(by, groups, overall, comparisons, _study(groups), truncated)


def _grid_cells(groups: Sequence[GroupMetrics]) -> dict[Cell, dict[int, float]] | str:
    """Per (society, strategy), repeat -> study measure; or why the groups are no grid.

    A baseline without rounds after round 0 (self-consistency) is no strategy of the grid.
    """
    groups = [g for g in groups if g.keys["strategy"] != NO_ROUNDS]
    if len(groups) < 2:
        return "needs several groups"
    for key in ("task", "model"):
        if len({g.keys[key] for g in groups}) > 1 or " | " in groups[0].keys[key]:
            return f"needs one {key}; group by society and strategy within each {key}"
    cells: dict[Cell, dict[int, float]] = {}
    for g in groups:
        cell = (g.keys["society"], g.keys["strategy"])
        if " | " in "".join(cell) or cell in cells:
            return "needs one group per society x strategy (group by society and strategy)"
        values: dict[int, float] = {}
        for (_, repeat), row in g.samples.items():
            if repeat in values:
                return f"group {g.label!r} has repeat {repeat} in several runs"
            if (STUDY_MEASURE, None, "") in row:
                values[repeat] = row[(STUDY_MEASURE, None, "")]
        cells[cell] = values
    return cells


def _study(groups: Sequence[GroupMetrics]) -> StudyGrid:
    cells = _grid_cells(groups)
    if isinstance(cells, str):
        return StudyGrid(STUDY_MEASURE, [], None, cells)
    return study_grid(cells, STUDY_MEASURE)


def _compare(key: str, samples: dict[str, list[dict[RowKey, float]]]) -> list[Comparison]:
    """Levene and ANOVA of each :data:`COMPARED` measure across the labelled samples."""
    out = []
    for name in COMPARED:
        row: RowKey = (name, None, "")
        values = {label: [s[row] for s in ss if row in s] for label, ss in samples.items()}
        out.append(Comparison(key, name, list(samples), compare_groups(values)))
    return out


__all__ = [
    "COMPARED",
    "STUDY_MEASURE",
    "Comparison",
    "GroupMetrics",
    "Measures",
    "Metrics",
    "RowKey",
    "Sample",
    "check_keys",
    "compute_metrics",
    "measure",
    "scalars",
]
