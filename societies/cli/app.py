"""The ``sociolab`` command line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from agents.errors import BackendConfigError
from benchmarks.errors import TaskError
from societies.cli.progress import ProgressMonitor
from societies.config import ExperimentConfig, load_config
from societies.config.coalition import CoalitionSpec
from societies.config.presets import list_presets, locate
from societies.engine.dry_run import DryRun
from societies.engine.experiment import CacheMode, RunResult, run_experiment
from societies.errors import USER_ERRORS, ConfigError

app = typer.Typer(
    help="sociolab: experiments on societies of LLM agents (debate, reflection, conformity).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)

ConfigArg = Annotated[
    Path,
    typer.Argument(help="experiment config (YAML) or a preset's name", show_default=False),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="change one config field: KEY=VALUE, KEY a dotted path, VALUE read as YAML "
        "(repeatable), e.g. --set generation.max_tokens=64",
    ),
]
DryRunOpt = Annotated[
    bool,
    typer.Option("--dry-run", help="print the calls, a token estimate and the cost; call no model"),
]
ReplyTokensOpt = Annotated[
    int | None,
    typer.Option(
        "--reply-tokens",
        min=1,
        help="dry run: assumed reply length in tokens (default: max_tokens, an upper bound)",
    ),
]
EXIT_BUDGET = 3
"""Exit status of a run (or sweep) stopped by its budget."""


def _fail(exc: Exception) -> None:
    """Print a user error as one line per problem (never a traceback) and exit."""
    lines = exc.problems if isinstance(exc, ConfigError) else [str(exc)]
    for line in lines:
        err.print(f"error: {line}", markup=False)
    code = 2 if isinstance(exc, ConfigError | BackendConfigError | TaskError) else 1
    raise typer.Exit(code)


def _mode(no_cache: bool, refresh_cache: bool) -> CacheMode:
    return "off" if no_cache else "refresh" if refresh_cache else "on"


@app.command()
def validate(config: ConfigArg, overrides: SetOpt = None) -> None:
    """Check a config (or sweep) file and print its problems (exit 2) or a summary (exit 0)."""
    from societies.sweeps.spec import load_sweep

    path = locate(config)
    try:
        if _is_sweep(path):
            plan = load_sweep(path, overrides or [])
            out.print(f"{path}: ok: a sweep of {len(plan.cells)} cells", markup=False)
            return
        cfg = load_config(path, overrides or [])
        n_questions = len(cfg.task.build().questions())
    except USER_ERRORS as exc:
        _fail(exc)
        return
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


def _is_sweep(path: Path) -> bool:
    from societies.config import read_yaml
    from societies.sweeps.spec import is_sweep

    return path.suffix in (".yaml", ".yml") and path.is_file() and is_sweep(read_yaml(path))


@app.command()
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
    from societies.engine.dry_run import dry_run as estimate
    from societies.engine.dry_run import render_dry_run

    path = locate(config)
    try:
        if _is_sweep(path):
            raise ConfigError([f"{path}: this is a sweep (it has a grid): use `sociolab sweep`"])
        cfg = load_config(path, overrides or [])
        if dry_run:
            d = estimate([(cfg.name, cfg)], reply_tokens=reply_tokens)
            render_dry_run(d, out, title="dry run")
            _budget_note(cfg, d)
            return
        folder = out_dir or Path("runs") / cfg.name
        mode = _mode(no_cache, refresh_cache)
        with ProgressMonitor(err) as monitor:
            result = run_experiment(cfg, folder, resume=resume, cache=mode, monitor=monitor)
    except USER_ERRORS as exc:
        _fail(exc)
        return
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
    table = Table(title="society decision by round", title_justify="left")
    table.add_column("round", justify="right")
    table.add_column("accuracy", justify="right")
    table.add_column("no decision", justify="right")
    for r, (acc, none) in enumerate(
        zip(result.accuracy_by_round, result.no_decision_by_round, strict=True)
    ):
        table.add_row(str(r), f"{acc:.1%}", f"{none:.1%}")
    out.print(table)
    tokens = sum(u["prompt_tokens"] + u["completion_tokens"] for u in result.usage.values())
    hits = sum(u["cache_hits"] for u in result.usage.values())
    out.print(
        f"{result.status}: {result.episodes} episodes, {result.turns} turns, {tokens:,} tokens "
        f"({hits} cache hits), {len(result.errors)} errors",
        markup=False,
    )
    for e in result.errors[:5]:
        err.print(f"error: {e}", markup=False)
    out.print(f"transcript: {result.transcript}", markup=False)


def _view() -> Console:
    """The console of ``report`` and ``replay``: wraps to the terminal; colour only on a terminal."""
    return Console(highlight=False)


RunDirsArg = Annotated[
    list[Path],
    typer.Argument(help="run folders, transcripts, or sweep folders", show_default=False),
]


@app.command()
def report(
    run_dirs: RunDirsArg,
    as_json: Annotated[
        bool, typer.Option("--json", help="print one JSON object instead of the tables")
    ] = False,
    by: Annotated[
        str,
        typer.Option(
            help="group runs by these keys, comma-separated: society, strategy, task, model"
        ),
    ] = "society,strategy,task,model",
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="folder for the files (default: the run folder; for several runs, their common parent)",
        ),
    ] = None,
    write: Annotated[
        bool, typer.Option("--write/--no-write", help="write report.md, metrics.csv and plots")
    ] = True,
    plots: Annotated[bool, typer.Option("--plots/--no-plots", help="draw the PNG plots")] = True,
) -> None:
    """Measure runs (accuracy, consensus, conformity, cost) and write report.md, metrics.csv, plots."""
    from societies.analysis.report import make_report, render_report, to_json
    from societies.render import safe_text

    try:
        keys = [k.strip() for k in by.split(",") if k.strip()]
        result = make_report(run_dirs, by=keys, out_dir=out_dir, write=write, plots=plots)
    except USER_ERRORS as exc:
        _fail(exc)
        return
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    if as_json:
        sys.stdout.write(to_json(result.metrics) + "\n")
        return
    view = _view()
    render_report(result.metrics, view)
    if result.files:
        folder = result.files[0].parent
        names = ", ".join(f.name for f in result.files)
        view.print(safe_text(f"wrote {names} in {folder}"))


@app.command()
def replay(
    transcript: Annotated[
        Path, typer.Argument(help="a transcript or its run folder", show_default=False)
    ],
    question: Annotated[
        list[str] | None, typer.Option(help="only this question id (repeatable)")
    ] = None,
    repeat: Annotated[list[int] | None, typer.Option(help="only this repeat (repeatable)")] = None,
    agent: Annotated[
        list[str] | None, typer.Option(help="only this agent's replies (repeatable)")
    ] = None,
    round_: Annotated[
        list[int] | None, typer.Option("--round", help="only this round (repeatable)")
    ] = None,
    step: Annotated[
        bool, typer.Option(help="one round at a time: n/→ next, p/← back, q quit")
    ] = False,
    follow: Annotated[bool, typer.Option(help="watch a run that is still being written")] = False,
    full: Annotated[bool, typer.Option(help="show long replies in full (else folded)")] = False,
) -> None:
    """Replay a transcript round by round: each reply, its answer, changes and consensus."""
    from societies.cli import replay as rp
    from societies.transcript import load_transcript

    opts = rp.ReplayOptions(
        questions=frozenset(question) if question else None,
        repeats=frozenset(repeat) if repeat else None,
        agents=frozenset(agent) if agent else None,
        rounds=frozenset(round_) if round_ else None,
        full=full,
    )
    view = _view()
    try:
        if follow:
            rp.follow(rp.resolve_transcript(transcript, must_exist=False), view, opts)
            return
        t = load_transcript(rp.resolve_transcript(transcript))
        if step:
            rp.check_options(t.header, opts)
            rp.step(rp.pages(t, opts, headers=True), view)
        else:
            rp.replay(t, view, opts)
    except USER_ERRORS as exc:
        _fail(exc)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


@app.command()
def sweep(
    sweep_file: Annotated[
        Path, typer.Argument(help="sweep file (YAML) or a preset's name", show_default=False)
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
    from societies.cli.sweep_view import render_outcomes
    from societies.engine.dry_run import dry_run as estimate
    from societies.engine.dry_run import render_dry_run
    from societies.sweeps.local import SweepProgress, run_sweep
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
        with SweepProgress(err) as progress:
            result = run_sweep(
                plan,
                folder,
                ray=ray,
                cache=_mode(no_cache, refresh_cache),
                progress=progress,
                stop_after=max_cells,
            )
    except USER_ERRORS as exc:
        _fail(exc)
        return
    except KeyboardInterrupt:
        err.print("interrupted: finished cells are kept; run the same command to continue")
        raise typer.Exit(130) from None
    render_outcomes(result, out)
    if report:
        _sweep_report(result.out_dir)
    if not result.ok:
        budget_only = all(c.status in ("complete", "skipped", "budget") for c in result.cells)
        raise typer.Exit(EXIT_BUDGET if budget_only else 1)


def _sweep_report(folder: Path) -> None:
    from societies.analysis.report import make_report, render_report
    from societies.render import safe_text
    from societies.sweeps.spec import CELLS

    cells = folder / CELLS
    if not cells.is_dir():
        return
    try:
        result = make_report([cells], out_dir=folder)
    except USER_ERRORS as exc:
        err.print(f"error: report: {exc}", markup=False)
        return
    view = _view()
    render_report(result.metrics, view)
    if result.files:
        view.print(safe_text(f"wrote {', '.join(f.name for f in result.files)} in {folder}"))


@app.command()
def presets() -> None:
    """List the shipped configs and sweeps (use a name wherever a config file is asked)."""
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


@app.command()
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
    from societies.engine.calibrate import calibrate as measure
    from societies.engine.calibrate import coalition_of

    try:
        cfg = load_config(locate(config), overrides or [])
        spec = coalition_of(cfg)
        target = table_out or spec.routing.table or Path("skills.json")
        with Progress(console=err, transient=True) as bar:
            task = bar.add_task("calibrating", total=None)
            result = asyncio.run(
                measure(
                    cfg,
                    target,
                    cache=_mode(no_cache, False),
                    on_start=lambda n: bar.update(task, total=n),
                    on_pipeline=lambda: bar.advance(task),
                )
            )
    except USER_ERRORS as exc:
        _fail(exc)
        return
    render_skills(result, out)
    if spec.routing.table is None or spec.routing.table.resolve() != target.resolve():
        out.print(
            f"use it: protocol.routing.table: {target} (or --set protocol.routing.table={target})",
            markup=False,
        )


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        if len(sys.argv) > 1 and sys.argv[1] == "run":
            err.print("interrupted: the transcript so far is kept; continue with --resume")
        elif len(sys.argv) > 1 and sys.argv[1] == "sweep":
            err.print("interrupted: finished cells are kept; run the same command to continue")
        sys.exit(130)


if __name__ == "__main__":
    main()
