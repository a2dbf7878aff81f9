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
from societies.config import load_config
from societies.errors import USER_ERRORS, ConfigError
from societies.experiment import CacheMode, RunResult, run_experiment
from societies.progress import ProgressMonitor

app = typer.Typer(
    help="sociolab: experiments on societies of LLM agents (debate, reflection, conformity).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)

ConfigArg = Annotated[Path, typer.Argument(help="experiment config (YAML)", show_default=False)]


def _fail(exc: Exception) -> None:
    """Print a user error as one line per problem (never a traceback) and exit."""
    lines = exc.problems if isinstance(exc, ConfigError) else [str(exc)]
    for line in lines:
        err.print(f"error: {line}", markup=False)
    code = 2 if isinstance(exc, ConfigError | BackendConfigError | TaskError) else 1
    raise typer.Exit(code)


@app.command()
def validate(config: ConfigArg) -> None:
    """Check a config file and print its problems (exit 2) or a summary (exit 0)."""
    try:
        cfg = load_config(config)
        n_questions = len(cfg.task.build().questions())
    except USER_ERRORS as exc:
        _fail(exc)
        return
    agents = cfg.agent_list()
    rounds = cfg.protocol.rounds
    calls = n_questions * cfg.repeats * len(agents) * (len(rounds) + 1)
    out.print(
        f"{config}: ok: {len(agents)} agents, {n_questions} questions x {cfg.repeats} repeats, "
        f"rounds: initial, {', '.join(rounds)}; {calls} calls",
        markup=False,
    )


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
) -> None:
    """Run a society experiment and write DIR/transcript.jsonl."""
    try:
        cfg = load_config(config)
        folder = out_dir or Path("runs") / cfg.name
        mode: CacheMode = "off" if no_cache else "refresh" if refresh_cache else "on"
        with ProgressMonitor(err) as monitor:
            result = run_experiment(cfg, folder, resume=resume, cache=mode, monitor=monitor)
    except USER_ERRORS as exc:
        _fail(exc)
        return
    _summary(result)
    if result.status != "complete":
        raise typer.Exit(1)


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
    from societies.render import safe_text
    from societies.report import make_report, render_report, to_json

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
    from societies import replay as rp
    from societies.runs import load_transcript

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


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        if len(sys.argv) > 1 and sys.argv[1] == "run":
            err.print("interrupted: the transcript so far is kept; continue with --resume")
        sys.exit(130)


if __name__ == "__main__":
    main()
