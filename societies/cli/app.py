"""The ``sociolab`` command line: the Typer app with every command registered, and ``main``.

Commands are functions in :mod:`.run_cmds` (validate, run), :mod:`.report_cmds`
(report, replay) and :mod:`.sweep_cmds` (sweep, presets, calibrate); each imports the
engine, analysis or backends only when it runs, so ``sociolab --help`` stays light.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from societies.cli import report_cmds, run_cmds, sweep_cmds
from societies.cli.common import EXIT_BUDGET, app, err, out
from societies.cli.helptext import PlainCommand

COMMANDS = (
    run_cmds.validate,
    run_cmds.run,
    report_cmds.report,
    report_cmds.replay,
    sweep_cmds.sweep,
    sweep_cmds.presets,
    sweep_cmds.calibrate,
)
"""Every command, in the order ``--help`` lists them."""

for command in COMMANDS:
    app.command(cls=PlainCommand)(command)


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            installed = version("sociolab")
        except PackageNotFoundError:  # run from a source tree that is not installed
            installed = "unknown (not installed)"
        out.print(f"sociolab {installed}", markup=False)
        raise typer.Exit()


@app.callback()
def root(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="print the version and exit"
        ),
    ] = False,
) -> None:
    """sociolab: experiments on societies of LLM agents (debate, reflection, conformity)."""


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


__all__ = ["COMMANDS", "EXIT_BUDGET", "app", "main"]

if __name__ == "__main__":
    main()
