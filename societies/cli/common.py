"""What every ``sociolab`` command shares: the Typer app, the consoles, options, error exit."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from sociolab.errors import BackendConfigError, ConfigError, TaskError

if TYPE_CHECKING:
    from societies.engine.experiment import CacheMode

app = typer.Typer(
    help="sociolab: experiments on societies of LLM agents (debate, reflection, conformity).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help: rich's help renderer (with markdown) would triple the start-up time.
    rich_markup_mode=None,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)

ConfigArg = Annotated[
    str,
    typer.Argument(
        metavar="CONFIG",
        help="experiment config (YAML) or a preset's name (./NAME for a file named like one)",
        show_default=False,
    ),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="KEY=VALUE",
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


MAX_PROBLEMS = 6
"""Most lines an error prints (the last one then says how many more there were)."""


def fail(exc: Exception) -> None:
    """Print a user error as one line per problem (never a traceback) and exit.

    At most :data:`MAX_PROBLEMS` lines: the first problems and "... and N more".
    """
    from societies.render import clean

    # Text from outside (a server's error body) must not reach the terminal raw.
    # ConfigError and a resume refused over a changed config list one problem a line.
    problems: list[str] = getattr(exc, "problems", None) or [str(exc)]
    lines = [" ".join(clean(p, max_line=None).split()) for p in problems]
    if len(lines) > MAX_PROBLEMS:
        lines = [
            *lines[: MAX_PROBLEMS - 1],
            f"... and {len(lines) - MAX_PROBLEMS + 1} more problems",
        ]
    for line in lines:
        err.print(f"error: {line}", markup=False)
    code = 2 if isinstance(exc, ConfigError | BackendConfigError | TaskError) else 1
    raise typer.Exit(code)


def warn(lines: list[str]) -> None:
    """Print each warning as one sanitised line on stderr (the exit code is unchanged)."""
    from societies.render import clean

    for line in lines:
        err.print(f"warning: {' '.join(clean(line, max_line=None).split())}", markup=False)


def cache_mode(no_cache: bool, refresh_cache: bool) -> CacheMode:
    """The response-cache mode the two flags ask for."""
    return "off" if no_cache else "refresh" if refresh_cache else "on"


def view() -> Console:
    """The console of ``report`` and ``replay``: wraps to the terminal; colour only on a terminal."""
    return Console(highlight=False)


def is_sweep(path: Path) -> bool:
    """Whether ``path`` is a sweep file (it has a grid or a base)."""
    from societies.config import read_yaml
    from societies.sweeps.spec import is_sweep as has_grid

    return path.suffix in (".yaml", ".yml") and path.is_file() and has_grid(read_yaml(path))
