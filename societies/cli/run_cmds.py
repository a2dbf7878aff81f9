"""``sociolab validate`` and ``sociolab run``: check a config, run it, print its summary."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from societies.cli.common import (
    EXIT_BUDGET,
    ConfigArg,
    DryRunOpt,
    ReplyTokensOpt,
    SetOpt,
    cache_mode,
    err,
    fail,
    is_sweep,
    out,
    warn,
)
from societies.errors import USER_ERRORS, ConfigError

if TYPE_CHECKING:
    from societies.analysis.story import RoundRow
    from societies.analysis.summary import RunNotes
    from societies.config import ExperimentConfig
    from societies.engine.dry_run import DryRun
    from societies.engine.experiment import RunResult


def validate(config: ConfigArg, overrides: SetOpt = None) -> None:
    """Check a config (or sweep) file and print its problems (exit 2) or a summary (exit 0)."""
    from societies.config import CoalitionSpec, load_config
    from societies.config.bounds import check_scale
    from societies.config.preflight import require_ready
    from societies.config.presets import locate
    from societies.sweeps.checks import check_cells
    from societies.sweeps.spec import load_sweep

    path = locate(config)
    try:
        if is_sweep(path):
            plan = load_sweep(path, overrides or [])
            require_ready([(str(path), c.config) for c in plan.cells])
            warn(check_cells(plan))
            out.print(f"{path}: ok: a sweep of {len(plan.cells)} cells", markup=False)
            return
        cfg = load_config(path, overrides or [])
        require_ready([(str(path), cfg)])
        n_questions = len(cfg.task.build().questions())
        scale = check_scale(cfg, n_questions)
        if scale:
            raise ConfigError([f"{path}: {field}: {msg}" for field, msg in scale])
    except USER_ERRORS as exc:
        fail(exc)
        return
    from societies.engine.graph import graph_warnings

    warn(graph_warnings(cfg))
    agents = cfg.agent_list()
    if isinstance(cfg.protocol, CoalitionSpec):
        spec = cfg.protocol
        pipelines = 1 + (len(spec.members or agents) if spec.compare_members else 0)
        calls = n_questions * cfg.repeats * pipelines * len(spec.stages)
        out.print(
            f"{path}: ok: a coalition of {len(spec.members or agents)} members, "
            f"{n_questions} questions x {cfg.repeats} repeats, stages: "
            f"{', '.join(spec.stage_names)}; {calls} calls",
            markup=False,
        )
        return
    rounds = cfg.protocol.rounds
    calls = n_questions * cfg.repeats * len(agents) * (len(rounds) + 1)
    out.print(
        f"{path}: ok: {len(agents)} agents, {n_questions} questions x {cfg.repeats} repeats, "
        f"rounds: initial, {', '.join(rounds)}; {calls} calls",
        markup=False,
    )


def run(
    config: ConfigArg,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="run folder (default: runs/<config name>)")
    ] = None,
    resume: Annotated[bool, typer.Option(help="continue the run already in --out")] = False,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="do not read or write the response cache")
    ] = False,
    refresh_cache: Annotated[
        bool, typer.Option("--refresh-cache", help="ignore cached replies, store new ones")
    ] = False,
    overrides: SetOpt = None,
    dry_run: DryRunOpt = False,
    reply_tokens: ReplyTokensOpt = None,
) -> None:
    """Run a society experiment and write DIR/transcript.jsonl."""
    from societies.cli.progress import ProgressMonitor
    from societies.config import load_config
    from societies.config.preflight import require_ready
    from societies.config.presets import locate
    from societies.engine.dry_run import dry_run as estimate
    from societies.engine.dry_run import render_dry_run
    from societies.engine.experiment import run_experiment
    from societies.engine.folder import safe_name
    from societies.engine.gctune import gc_tuned
    from societies.engine.graph import graph_warnings

    path = locate(config)
    try:
        if is_sweep(path):
            raise ConfigError([f"{path}: this is a sweep (it has a grid): use `sociolab sweep`"])
        cfg = load_config(path, overrides or [])
        warn(graph_warnings(cfg))
        if dry_run:
            d = estimate([(cfg.name, cfg)], reply_tokens=reply_tokens)
            render_dry_run(d, out, title="dry run")
            _budget_note(cfg, d)
            return
        folder = out_dir or Path("runs") / safe_name(cfg.name)
        mode = cache_mode(no_cache, refresh_cache)
        require_ready([(str(path), cfg)], cache=mode != "off")
        with ProgressMonitor(err) as monitor, gc_tuned():  # this process is the CLI's
            result = run_experiment(cfg, folder, resume=resume, cache=mode, monitor=monitor)
    except USER_ERRORS as exc:
        fail(exc)
        return
    except KeyboardInterrupt:  # typer turns it into exit 130 before main() could say this
        err.print(
            "interrupted: the transcript so far is kept; continue with --resume", markup=False
        )
        raise typer.Exit(130) from None
    _summary(result)
    if result.status == "budget":
        err.print(
            "stopped: the budget is reached; the transcript is valid: raise budget in the "
            "config and continue with --resume",
            markup=False,
        )
        raise typer.Exit(EXIT_BUDGET)
    if result.status != "complete":
        raise typer.Exit(1)


def _budget_note(cfg: ExperimentConfig, d: DryRun) -> None:
    if cfg.budget is None:
        return
    b = cfg.budget
    limits = [
        f"{b.max_tokens:,} tokens" if b.max_tokens else "",
        f"${b.max_cost_usd}" if b.max_cost_usd else "",
    ]
    over = (b.max_tokens is not None and d.prompt_tokens + d.completion_tokens > b.max_tokens) or (
        b.max_cost_usd is not None and d.cost_usd > b.max_cost_usd
    )
    note = "the estimate exceeds it: the run would stop there" if over else "within it"
    out.print(f"  budget: {' and '.join(x for x in limits if x)} ({note})", markup=False)


def _summary(result: RunResult) -> None:
    from societies.analysis.summary import run_notes
    from societies.render import clean
    from societies.transcript import load_transcript

    notes = run_notes(load_transcript(result.transcript), result.transcript)
    out.print(_round_table(result, notes), markup=False)
    if notes.story:
        out.print(notes.story, markup=False)
    if result.changes:
        out.print(
            "continued under a changed config (recorded in the transcript header's amendments):",
            markup=False,
        )
        for line in result.changes:
            out.print(f"  {line}", markup=False, highlight=False)
    tokens = sum(u["prompt_tokens"] + u["completion_tokens"] for u in result.usage.values())
    hits = sum(u["cache_hits"] for u in result.usage.values())
    episodes = f"{result.episodes} episodes"
    if result.started is not None and result.started < result.episodes:
        episodes = f"{result.started} of {result.episodes} episodes started"
    out.print(
        f"{result.status}: {episodes}, {result.turns} turns, {tokens:,} tokens "
        f"({hits} cache hits), {len(result.errors)} errors",
        markup=False,
    )
    for e in result.errors[:5]:
        err.print(f"error: {' '.join(clean(e, max_line=None).split())}", markup=False)
    for line in notes.lines:
        out.print(line, markup=False)
    for w in notes.warnings:
        err.print(f"warning: {w}", markup=False, style="bold yellow")
    out.print(f"transcript: {result.transcript}", markup=False)


def _round_table(result: RunResult, notes: RunNotes) -> Table:
    """Society accuracy by round, with consensus and conformity when the run has rounds.

    Narrow enough for an 80-column terminal: a round's pattern shares its cell.
    """
    rows = {row.round: row for row in notes.rounds}
    if notes.stages:  # a coalition: each stage's answer, as the coalition passed it on
        table = Table(title="coalition answer by stage", title_justify="left")
        table.add_column("stage")
        table.add_column("accuracy", justify="right")
        table.add_column("no answer", justify="right")
        for stage, acc, none in zip(
            notes.stages, result.accuracy_by_round, result.no_decision_by_round, strict=True
        ):
            table.add_row(stage, f"{acc:.1%}", f"{none:.1%}")
        return table
    table = Table(title="society decision by round", title_justify="left")
    table.add_column("round")
    table.add_column("accuracy", justify="right")
    table.add_column("no decision", justify="right")
    if rows:
        table.add_column("distinct", justify="right")
        table.add_column("unanimous", justify="right")
        table.add_column("conformity", justify="right")
    for r, (acc, none) in enumerate(
        zip(result.accuracy_by_round, result.no_decision_by_round, strict=True)
    ):
        row = rows.get(r)
        cells = [f"{r} {row.pattern}" if row else str(r), f"{acc:.1%}", f"{none:.1%}"]
        if rows:
            cells += _round_cells(row) if row else ["", "", ""]
        table.add_row(*cells)
    return table


def _round_cells(row: RoundRow) -> list[str]:
    """Distinct answers (mean), unanimity and conformity of one round, as table cells."""
    c = row.conformity
    return [
        "" if row.distinct is None else f"{row.distinct:.2f}",
        "" if row.unanimous is None else f"{row.unanimous:.0%}",
        "" if c is None or c.rate is None else f"{c.rate:.0%} ({c.conforming}/{c.turns})",
    ]
