"""All measures of a set of runs, grouped, with statistics over repeats.

:func:`compute_metrics` is the entry point: runs are grouped by the keys in
``by`` (see :data:`~societies.analysis.metrics.episodes.GROUP_KEYS`); within each group
every measure is computed on the pooled episodes, and again on each repeat of
each run (a *sample*) for the mean, standard deviation and bootstrap CI. Groups
are compared with Levene's test then one-way ANOVA on those samples.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from societies.analysis.metrics.accuracy import (
    RoundAccuracy,
    RoundConsensus,
    round_accuracy,
    round_consensus,
)
from societies.analysis.metrics.conformity import (
    TRANSITIONS,
    Conformity,
    Dynamics,
    conformity,
    dynamics,
)
from societies.analysis.metrics.cost import Cost, cost
from societies.analysis.metrics.episodes import GROUP_KEYS, EpisodeView, Run, episodes_of
from societies.analysis.metrics.stats import Significance, Spread, compare_groups, spread
from societies.errors import ConfigError

RowKey = tuple[str, int | None, str]
"""(measure, round or None, subject) of one number."""

COMPARED = ("final_accuracy", "final_distinct_answers", "conformity_rate", "tokens_per_episode")
"""Measures compared across groups with Levene's test and ANOVA."""


@dataclass(frozen=True)
class Measures:
    """Everything measured on one set of episodes."""

    accuracy: RoundAccuracy
    consensus: RoundConsensus
    conformity: Conformity
    dynamics: Dynamics
    cost: Cost
    episodes: int
    turns: int
    patterns: tuple[str, ...]


def measure(episodes: Sequence[EpisodeView], patterns: Sequence[str] = ()) -> Measures:
    """Compute every measure on ``episodes``.

    ``patterns`` names the planned rounds when no episode does (e.g. none yet).
    """
    longest: tuple[str, ...] = max((tuple(patterns), *(e.patterns for e in episodes)), key=len)
    return Measures(
        accuracy=round_accuracy(episodes),
        consensus=round_consensus(episodes),
        conformity=conformity(episodes),
        dynamics=dynamics(episodes),
        cost=cost(episodes),
        episodes=len(episodes),
        turns=sum(len(e.turns) for e in episodes),
        patterns=longest,
    )


def _last(values: Sequence[float | None]) -> float | None:
    """The value of the last round any episode reached."""
    present = [v for v in values if v is not None]
    return present[-1] if present else None


def scalars(m: Measures) -> dict[RowKey, float]:
    """Every number of ``m`` as a flat row (undefined values are left out)."""
    rows: dict[RowKey, float | None] = {}
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
    for r, counts in m.conformity.by_round.items():
        rows[("conformity_rate", r, "")] = counts.rate
    rows[("final_accuracy", None, "")] = _last(acc.society)
    rows[("final_distinct_answers", None, "")] = _last(con.distinct)
    c = m.conformity
    for tr in TRANSITIONS:
        rows[("conformity_count", None, f"transition={tr}")] = c.overall.transitions[tr]
    rows[("conformity_turns", None, "")] = c.overall.turns
    rows[("conformity_rate", None, "")] = c.overall.rate
    for trait, counts in c.by_trait.items():
        rows[("conformity_rate", None, f"trait={trait}")] = counts.rate
    for agent, counts in c.by_agent.items():
        rows[("conformity_rate", None, f"agent={agent}")] = counts.rate
    rows[("minority_turns", None, "")] = c.minority.turns
    rows[("minority_switch_rate", None, "")] = c.minority.switch_rate
    rows[("minority_join_rate", None, "")] = c.minority.join_rate
    for trait, mc in c.minority_by_trait.items():
        rows[("minority_turns", None, f"trait={trait}")] = mc.turns
        rows[("minority_switch_rate", None, f"trait={trait}")] = mc.switch_rate
        rows[("minority_join_rate", None, f"trait={trait}")] = mc.join_rate
    rows[("first_unanimous_round", None, "")] = con.first_unanimous
    rows[("never_unanimous", None, "")] = con.never_unanimous
    d = m.dynamics
    if d.finished:
        for bits, n in d.patterns.items():
            rows[("pattern_share", None, f"pattern={bits}")] = n / d.finished
        for name, n in d.classes.items():
            rows[("class_share", None, f"class={name}")] = n / d.finished
    for agent, f in d.flips_by_agent.items():
        rows[("flip_rate", None, f"agent={agent}")] = f.rate
    for trait, f in d.flips_by_trait.items():
        rows[("flip_rate", None, f"trait={trait}")] = f.rate
    for (u, v), inf in d.influence.items():
        if inf.changes:
            rows[("influence", None, f"edge={u}->{v}")] = inf.rate
            rows[("influence_changes", None, f"edge={u}->{v}")] = inf.changes
    k = m.cost
    rows[("tokens_prompt", None, "")] = k.prompt_tokens
    rows[("tokens_completion", None, "")] = k.completion_tokens
    rows[("tokens_total", None, "")] = k.total_tokens
    rows[("calls", None, "")] = k.calls
    rows[("tokens_per_episode", None, "")] = k.per_episode
    rows[("tokens_per_correct", None, "")] = k.per_correct
    rows[("machinesom_last_call_tokens_per_episode", None, "")] = k.machinesom_last_call_per_episode
    rows[("episodes", None, "")] = m.episodes
    rows[("turns", None, "")] = m.turns
    return {key: float(v) for key, v in rows.items() if v is not None}


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
    """The measures of every group, of all runs pooled, and the group comparisons."""

    by: tuple[str, ...]
    groups: list[GroupMetrics]
    overall: GroupMetrics
    comparisons: list[Comparison]


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


def compute_metrics(runs: Sequence[Run], by: Sequence[str] = GROUP_KEYS) -> Metrics:
    """Measure ``runs``, grouped by the keys in ``by``, and compare the groups.

    Raises:
        ConfigError: ``by`` names an unknown key.
        TranscriptError: a run names an unknown decision rule.
    """
    by = check_keys(by)
    runs = [r if r.index == i else Run(r.transcript, r.path, i) for i, r in enumerate(runs)]
    episodes = {run.index: episodes_of(run) for run in runs}
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
    return Metrics(by, groups, overall, comparisons)


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
