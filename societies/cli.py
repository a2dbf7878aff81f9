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
out = Console(highlight=False)

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


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted: the transcript so far is kept; continue with --resume")
        sys.exit(130)


if __name__ == "__main__":
    main()
