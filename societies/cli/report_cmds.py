"""``sociolab report`` and ``sociolab replay``: measure runs, and watch them turn by turn."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from societies.cli.common import fail, view
from societies.errors import USER_ERRORS, ConfigError

if TYPE_CHECKING:
    from societies.analysis.scoring import TruncatedMode

RunDirsArg = Annotated[
    list[Path],
    typer.Argument(help="run folders, transcripts, or sweep folders", show_default=False),
]


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
        bool | None,
        typer.Option(
            "--write/--no-write",
            help="write report.md, metrics.csv and plots (default: yes, but not with --json)",
            show_default=False,
        ),
    ] = None,
    plots: Annotated[bool, typer.Option("--plots/--no-plots", help="draw the PNG plots")] = True,
    truncated: Annotated[
        str | None,
        typer.Option(
            metavar="keep|no-answer",
            help="score answers read from replies cut at the token limit as read (keep) or as"
            " no answer (default: each run's scoring.truncated)",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Measure runs (accuracy, consensus, conformity, cost) and write report.md, metrics.csv, plots."""
    from societies.analysis.report import make_report, render_report, to_json
    from societies.render import safe_text

    try:
        keys = [k.strip() for k in by.split(",") if k.strip()]
        result = make_report(
            run_dirs,
            by=keys,
            out_dir=out_dir,
            write=not as_json if write is None else write,
            plots=plots,
            truncated=truncated_option(truncated),
        )
    except USER_ERRORS as exc:
        fail(exc)
        return
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    if as_json:
        sys.stdout.write(to_json(result.metrics) + "\n")
        return
    console = view()
    render_report(result.metrics, console)
    if result.files:
        folder = result.files[0].parent
        names = ", ".join(f.name for f in result.files)
        console.print(safe_text(f"wrote {names} in {folder}"))


def truncated_option(value: str | None) -> TruncatedMode | None:
    """``--truncated``'s value, checked.

    Raises:
        ConfigError: not one of :data:`~societies.analysis.scoring.TRUNCATED_MODES`.
    """
    from societies.analysis.scoring import TRUNCATED_MODES

    if value is None:
        return None
    for mode in TRUNCATED_MODES:
        if value == mode:
            return mode
    raise ConfigError(
        [f"--truncated: unknown value {value!r} (valid: {', '.join(TRUNCATED_MODES)})"]
    )


def replay(
    transcript: Annotated[
        Path, typer.Argument(help="a transcript or its run folder", show_default=False)
    ],
    question: Annotated[
        list[str] | None, typer.Option(metavar="ID", help="only this question id (repeatable)")
    ] = None,
    repeat: Annotated[
        list[int] | None, typer.Option(metavar="N", help="only this repeat (repeatable)")
    ] = None,
    episode: Annotated[
        list[int] | None, typer.Option(metavar="N", help="only this episode (repeatable)")
    ] = None,
    agent: Annotated[
        list[str] | None,
        typer.Option(metavar="NAME", help="only this agent's replies (repeatable)"),
    ] = None,
    round_: Annotated[
        list[int] | None, typer.Option("--round", metavar="N", help="only this round (repeatable)")
    ] = None,
    wrong: Annotated[
        bool, typer.Option("--wrong", help="only rounds whose society decision is wrong or none")
    ] = False,
    changed: Annotated[
        bool, typer.Option("--changed", help="only rounds where an agent changed its answer")
    ] = False,
    conformity: Annotated[
        bool,
        typer.Option(
            "--conformity",
            help="only rounds with a turn whose answer is the majority it saw"
            " (MachineSoM's conformity: staying with it counts)",
        ),
    ] = False,
    search: Annotated[
        str,
        typer.Option(
            metavar="TEXT", help="only rounds whose replies, answers or question hold TEXT"
        ),
    ] = "",
    messages: Annotated[
        bool,
        typer.Option(
            "--messages", help="show the messages sent and the peers' replies each turn saw"
        ),
    ] = False,
    step: Annotated[
        bool,
        typer.Option(help="interactive: one round at a time; keys: n next, b back, ? all keys"),
    ] = False,
    follow: Annotated[bool, typer.Option(help="watch a run that is still being written")] = False,
    full: Annotated[bool, typer.Option(help="show long replies in full (else folded)")] = False,
) -> None:
    """Replay a transcript round by round: the question, each reply and how its answer was read."""
    from societies.cli import replay as rp
    from societies.transcript import load_transcript

    opts = rp.ReplayOptions(
        questions=frozenset(question) if question else None,
        repeats=frozenset(repeat) if repeat else None,
        episodes=frozenset(episode) if episode else None,
        agents=frozenset(agent) if agent else None,
        rounds=frozenset(round_) if round_ else None,
        wrong=wrong,
        changed=changed,
        conformity=conformity,
        search=search,
        messages=messages,
        peers=messages,
        full=full,
    )
    console = view()
    try:
        if follow:
            rp.follow(rp.resolve_transcript(transcript, must_exist=False), console, opts)
            return
        t = load_transcript(rp.resolve_transcript(transcript))
        if step:
            rp.check_options(t.header, opts, [x.episode for x in t.turns])
            rp.step(rp.build_story(t), console, opts)
        else:
            rp.replay(t, console, opts)
    except USER_ERRORS as exc:
        fail(exc)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
