"""Every command's --help shows plain metavars (CONFIG, KEY=VALUE, DIR), never Python types."""

from __future__ import annotations

import re

import pytest
import typer.main
from typer.testing import CliRunner

from societies.cli.app import COMMANDS, app

COMMAND_NAMES = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
TYPE_IN_ANGLES = re.compile(r"<[^<>]*(str|int|float|bool|path|list|range|\[)[^<>]*>")


def help_of(*command: str) -> str:
    result = CliRunner().invoke(app, [*command, "--help"], terminal_width=100)
    assert result.exit_code == 0, result.output
    return result.output


def test_every_command_is_walked() -> None:
    assert len(COMMAND_NAMES) == len(COMMANDS) >= 7


@pytest.mark.parametrize("command", [(), *((name,) for name in COMMAND_NAMES)])
def test_help_shows_no_python_types(command: tuple[str, ...]) -> None:
    text = help_of(*command)
    assert not TYPE_IN_ANGLES.search(text), TYPE_IN_ANGLES.search(text)
    assert "list[" not in text and "{" not in text and "}" not in text


def test_metavars_say_what_to_type() -> None:
    run = help_of("run")
    assert "[OPTIONS] CONFIG\n" in run  # no braces around a required argument
    assert "--set KEY=VALUE" in run and "--out DIR" in run and "--reply-tokens N" in run
    assert re.search(r"^\s+CONFIG\s+experiment config", run, re.M)  # no type after the name
    assert "[OPTIONS] RUN_DIRS...\n" in help_of("report")
    assert "--truncated keep|no-answer" in help_of("report")
