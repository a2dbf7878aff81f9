"""The ``sociolab`` command line: the Typer app with every command registered, and ``main``.

Commands are functions in :mod:`.run_cmds` (validate, run), :mod:`.report_cmds`
(report, replay) and :mod:`.sweep_cmds` (sweep, presets, calibrate); each imports the
engine, analysis or backends only when it runs, so ``sociolab --help`` stays light.
"""

from __future__ import annotations

import sys

from societies.cli import report_cmds, run_cmds, sweep_cmds
from societies.cli.common import EXIT_BUDGET, app, err

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
    app.command()(command)


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
