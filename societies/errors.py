"""The error tree of sociolab.

- ``SociolabError``: root of errors raised by the ``societies`` package.
  - ``ConfigError``: a config file is invalid; ``problems`` holds one line each.
  - ``TranscriptError``: a transcript cannot be read (bad line, newer schema).
  - ``RunError``: a run cannot start or continue (output folder in use, resume mismatch).
- ``agents.BackendError`` and ``benchmarks.TaskError`` are the roots of the two
  leaf packages (which depend on nothing of ours); ``USER_ERRORS`` lists all three
  roots, and the CLI prints any of them as one line per problem, never a traceback.
"""

from __future__ import annotations

from agents.errors import BackendError
from benchmarks.errors import TaskError


class SociolabError(Exception):
    """Base class of errors raised by ``societies``."""


class ConfigError(SociolabError):
    """An invalid config; ``problems`` lists one ``file: path: message`` line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class TranscriptError(SociolabError):
    """A transcript that cannot be read or continued."""


class RunError(SociolabError):
    """A run that cannot start or continue."""


USER_ERRORS: tuple[type[Exception], ...] = (SociolabError, BackendError, TaskError)
