"""PNG plots of a report.

Figures are made with :class:`matplotlib.figure.Figure` directly (no pyplot), so
they render with the Agg canvas whatever backend the process has selected, and
no global state or window is involved.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from societies.analysis.labels import distinct_labels
from societies.analysis.metrics import TRANSITIONS, GroupMetrics, Metrics
from societies.analysis.tables import round_labels
from societies.render import plot_text

MAX_PANELS = 6
"""Groups drawn as separate panels of the conformity plot; more are pooled."""

PLOTS = ("accuracy_by_round", "consensus_by_round", "conformity", "cost_vs_accuracy")


PCT_LIMITS = (-4.0, 104.0)
"""y limits of a percentage axis: a line at 0% or 100% stays off the frame, visible."""


def round_ticks(metrics: Metrics) -> list[str]:
    """x tick labels of the by-round plots: the round and its pattern, when the groups share it."""
    labels = round_labels(metrics.groups)
    return [
        f"{r}\n{'' if mixed else plot_text(label.split(' ', 1)[1], 12)}"
        for r, (label, mixed) in enumerate(labels)
    ]


def series_label(g: GroupMetrics, metrics: Metrics) -> str:
    """A group's legend entry; with its own rounds when the groups' patterns differ."""
    if not any(mixed for _, mixed in round_labels(metrics.groups)):
        return plot_text(g.label, 200)
    return plot_text(f"{g.label} ({', '.join(g.round_patterns[1:]) or 'round 0 only'})", 200)


def _by_round(metrics: Metrics, path: Path, which: str) -> Path:
    fig = Figure(figsize=(7, 4.5))
    ax = fig.add_subplot()
    plotted = False
    for g in metrics.groups:
        if which == "accuracy":
            ys = g.measures.accuracy.society
            key = "accuracy"
        else:
            ys = g.measures.consensus.distinct
            key = "distinct_answers"
        pts = [(r, y) for r, y in enumerate(ys) if y is not None]
        if not pts:
            continue
        xs = [r for r, _ in pts]
        vals = [y * 100 if which == "accuracy" else y for _, y in pts]
        errs = []
        for r in xs:
            s = g.spread((key, r, ""))
            sd = s.std if s.std is not None else 0.0
            errs.append(sd * 100 if which == "accuracy" else sd)
        ax.errorbar(xs, vals, yerr=errs, marker="o", capsize=3, label=series_label(g, metrics))
        plotted = True
    ticks = round_ticks(metrics)
    ax.set_xticks(range(len(ticks)), ticks)
    stages = all(g.coalition for g in metrics.groups)
    ax.set_xlabel("stage" if stages else "round")
    if which == "accuracy":
        ax.set_ylabel(f"{'coalition answer' if stages else 'society decision'} accuracy (%)")
        ax.set_ylim(*PCT_LIMITS)
        ax.set_title(f"accuracy by {'stage' if stages else 'round'} (±1 std over repeats)")
    else:
        ax.set_ylabel("mean distinct answers")
        ax.set_ylim(bottom=0)
        ax.set_title("consensus by round (lower: more agreement)")
    ax.grid(alpha=0.3)
    if plotted:
        ax.legend(fontsize="small")
    else:
        ax.text(0.5, 0.5, "no complete round yet", ha="center", transform=ax.transAxes)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path


def conformity_rates(g: GroupMetrics) -> dict[str, list[float]]:
    """Per trait, each transition's conforming turns as a percentage of the trait's debate turns.

    Rates, not counts, so panels of groups with different numbers of debate turns
    compare on one scale; a trait's bars add up to its conformity rate.
    """
    out = {}
    for t, c in sorted(g.measures.conformity.by_trait.items()):
        if c.turns:
            out[t] = [100 * c.transitions[tr] / c.turns for tr in TRANSITIONS]
    return out


def _conformity(metrics: Metrics, path: Path) -> Path:
    groups: list[GroupMetrics] = metrics.groups
    if len(groups) > MAX_PANELS:
        groups = [metrics.overall]
    fig = Figure(figsize=(4 * len(groups) + 1, 4.5))
    axes = fig.subplots(1, len(groups), squeeze=False, sharey=True)[0]
    titles = distinct_labels([plot_text(g.label, 1000) for g in groups], 40)
    for ax, g, title in zip(axes, groups, titles, strict=True):
        rates = conformity_rates(g)
        width = 0.8 / max(len(rates), 1)
        for i, (t, ys) in enumerate(rates.items()):
            xs = [x + (i - (len(rates) - 1) / 2) * width for x in range(len(TRANSITIONS))]
            ax.bar(xs, ys, width=width, label=plot_text(t))
        ax.set_xticks(range(len(TRANSITIONS)), list(TRANSITIONS))
        ax.set_title(title, fontsize="small")
        ax.set_ylim(*PCT_LIMITS)
        ax.set_ylabel("conforming, % of the trait's debate turns")
        ax.grid(axis="y", alpha=0.3)
        if rates:
            ax.legend(fontsize="small")
    fig.suptitle("conformity by old -> new correctness and trait")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path


def _cost(metrics: Metrics, path: Path) -> Path:
    fig = Figure(figsize=(7, 4.5))
    ax = fig.add_subplot()
    names = distinct_labels([plot_text(g.label, 1000) for g in metrics.groups], 30)
    for g, name in zip(metrics.groups, names, strict=True):
        x = g.measures.cost.per_episode
        y = g.values.get(("final_accuracy", None, ""))
        if x is None or y is None:
            continue
        ax.scatter([x], [y * 100], s=40)
        ax.annotate(name, (x, y * 100), fontsize="small",
                    xytext=(4, 4), textcoords="offset points")  # fmt: skip
    ax.set_xlabel("tokens per episode (all calls)")
    ax.set_ylabel("final accuracy (%)")
    ax.set_ylim(*PCT_LIMITS)
    ax.set_xlim(left=0)
    ax.set_title("token cost vs accuracy")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path


def write_plots(metrics: Metrics, out_dir: Path) -> list[Path]:
    """Write the PNG plots into ``out_dir`` and return their paths.

    Coalition runs only (stages, no debate) get no consensus or conformity plot.
    """
    debate = not all(g.coalition for g in metrics.groups)
    return [
        _by_round(metrics, out_dir / "accuracy_by_round.png", "accuracy"),
        *([_by_round(metrics, out_dir / "consensus_by_round.png", "consensus")] if debate else []),
        *([_conformity(metrics, out_dir / "conformity.png")] if debate else []),
        _cost(metrics, out_dir / "cost_vs_accuracy.png"),
    ]


__all__ = [
    "PCT_LIMITS",
    "PLOTS",
    "conformity_rates",
    "round_ticks",
    "series_label",
    "write_plots",
]
