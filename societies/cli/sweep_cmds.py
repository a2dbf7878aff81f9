"""``sociolab sweep``, ``presets`` and ``calibrate``: grids of runs, shipped configs, skill tables."""

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
    out,
    view,
)
from societies.errors import USER_ERRORS, ConfigError

if TYPE_CHECKING:
    from societies.sweeps.outcomes import SweepResult


def sweep(
    sweep_file: Annotated[
        str,
        typer.Argument(
            metavar="SWEEP",
            help="sweep file (YAML) or a preset's name (./NAME for a file named like one)",
            show_default=False,
        ),
    ],
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="sweep folder (default: runs/<sweep name>)")
    ] = None,
    ray: Annotated[
        str | None,
        typer.Option(
            "--ray",
            help="run the cells as Ray tasks: auto (a running cluster), local (start one) "
            "or a cluster address",
        ),
    ] = None,
    overrides: SetOpt = None,
    dry_run: DryRunOpt = False,
    reply_tokens: ReplyTokensOpt = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="no shared response cache")] = False,
    refresh_cache: Annotated[
        bool, typer.Option("--refresh-cache", help="ignore cached replies, store new ones")
    ] = False,
    max_cells: Annotated[
        int | None,
        typer.Option(
            "--max-cells", min=1, help="start at most this many unfinished cells, then stop"
        ),
    ] = None,
    report: Annotated[
        bool, typer.Option("--report/--no-report", help="end with the combined report")
    ] = True,
) -> None:
    """Run every cell of a sweep into DIR/cells/<cell>/ (finished cells are skipped), then report."""
    from societies.cli.progress import SweepProgress
    from societies.config.preflight import require_ready
    from societies.config.presets import locate
    from societies.engine.dry_run import dry_run as estimate
    from societies.engine.dry_run import render_dry_run
    from societies.engine.gctune import gc_tuned
    from societies.sweeps.run import run_sweep
    from societies.sweeps.spec import load_sweep

    path = locate(sweep_file)
    try:
        plan = load_sweep(path, overrides or [])
        if dry_run:
            runs = [(c.name, c.config) for c in plan.cells]
            d = estimate(runs, reply_tokens=reply_tokens)
            render_dry_run(d, out, title=f"dry run of {plan.name}", per_run=True)
            return
        if ray is not None and max_cells is not None:
            raise ConfigError(["--max-cells: only for the local executor (not with --ray)"])
        folder = out_dir or Path("runs") / plan.name
        mode = cache_mode(no_cache, refresh_cache)
        require_ready([(str(path), c.config) for c in plan.cells], cache=mode != "off")
        with SweepProgress(err) as progress, gc_tuned():  # this process is the CLI's
            result = run_sweep(
                plan,
                folder,
                ray=ray,
                cache=mode,
                progress=progress,
                stop_after=max_cells,
            )
    except USER_ERRORS as exc:
        fail(exc)
        return
    except KeyboardInterrupt:
        err.print("interrupted: finished cells are kept; run the same command to continue")
        raise typer.Exit(130) from None
    _sweep_end(result, report)


def _sweep_end(result: SweepResult, report: bool) -> None:
    """The outcome table, the combined report, and the exit status of a sweep session."""
    from societies.cli.sweep_view import render_outcomes

    render_outcomes(result, out)
    if report:
        _sweep_report(result)
    if not result.ok:
        budget_only = all(c.status in ("complete", "skipped", "budget") for c in result.cells)
        raise typer.Exit(EXIT_BUDGET if budget_only else 1)


def _sweep_report(result: SweepResult) -> None:
    """The combined report of every cell of the sweep file that has a run (and only those)."""
    from societies.analysis.report import make_report, render_report
    from societies.render import safe_text
    from societies.transcript import TRANSCRIPT

    folder = result.out_dir
    runs = [f for f in result.folders if (f / TRANSCRIPT).is_file()]
    if not runs:
        return
    try:
        report = make_report(runs, out_dir=folder)
    except USER_ERRORS as exc:
        err.print(f"error: report: {exc}", markup=False)
        return
    console = view()
    render_report(report.metrics, console)
    if report.files:
        console.print(safe_text(f"wrote {', '.join(f.name for f in report.files)} in {folder}"))


def presets() -> None:
    """List the shipped configs and sweeps (use a name wherever a config file is asked)."""
    from societies.config.presets import list_presets

    table = Table(title="presets", title_justify="left")
    table.add_column("name")
    table.add_column("kind")
    table.add_column("description")
    for p in list_presets():
        table.add_row(p.name, p.kind, p.description)
    out.print(table)
    out.print(
        "run one: sociolab run NAME (a config) or sociolab sweep NAME (a sweep); "
        "on another backend: --set 'backends.local={kind: openai, model: ..., api_key_env: ...}'",
        markup=False,
    )


def calibrate(
    config: ConfigArg,
    table_out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="skill table to write (default: protocol.routing.table, else skills.json)"
        ),
    ] = None,
    overrides: SetOpt = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="no response cache for the calibration calls")
    ] = False,
) -> None:
    """Measure each coalition member on each stage; write the skill table the router reads."""
    import asyncio

    from rich.progress import Progress

    from societies.cli.sweep_view import render_skills
    from societies.config import load_config
    from societies.config.presets import locate
    from societies.engine.calibrate import calibrate as measure
    from societies.engine.calibrate import coalition_of

    try:
        path = locate(config)
        cfg = load_config(path, overrides or [])
        spec = coalition_of(cfg)
        target = table_out or spec.routing.table or Path("skills.json")
        with Progress(console=err, transient=True) as bar:
            task = bar.add_task("calibrating", total=None)
            result = asyncio.run(
                measure(
                    cfg,
                    target,
                    cache=cache_mode(no_cache, False),
                    on_start=lambda n: bar.update(task, total=n),
                    on_pipeline=lambda: bar.advance(task),
                    source=str(path),
                )
            )
    except USER_ERRORS as exc:
        fail(exc)
        return
    render_skills(result, out)
    if spec.routing.table is None or spec.routing.table.resolve() != target.resolve():
        out.print(
            f"use it: protocol.routing.table: {target} (or --set protocol.routing.table={target})",
            markup=False,
        )
