"""The one error tree of sociolab: every error a user can meet derives from ``SociolabError``.

::

    SociolabError
    ├── ConfigError            a config, sweep or --set value is invalid (``problems``: one line each)
    ├── RunError               a run cannot start or continue (folder in use, resume mismatch)
    ├── TranscriptError        a transcript cannot be read (bad line, newer schema)
    ├── BackendError           a backend failed
    │   ├── BackendConfigError     configured wrongly (unknown kind, missing key, bad model path)
    │   │   └── MissingDependencyError  an optional package is missing (message: the pip line)
    │   ├── ModelFetchError        the embedded model could not be obtained or failed its checksum
    │   └── GenerationError        a call failed for good (after the retries allowed)
    │       └── FatalBackendError      a failure no retry can fix (401, 403, 404): the run stops
    └── TaskError              a task could not be loaded
        └── TaskDataError          a data file is missing or malformed (names file and line)

The packages re-export their branch (``agents.errors``, ``benchmarks.errors``,
``societies.errors``); the CLI prints any of these as one line per problem, never
a traceback, and exits 2 for configuration problems, 1 for failures while running.
``SociolabWarning`` (a ``UserWarning``) marks what is allowed but likely not meant.
"""

from __future__ import annotations


class SociolabError(Exception):
    """Root of every error sociolab raises on purpose."""


class SociolabWarning(UserWarning):
    """Something in a config that is allowed but likely not meant (a disconnected graph)."""


class ConfigError(SociolabError):
    """An invalid config; ``problems`` lists one ``file: path: message`` line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class RunError(SociolabError):
    """A run that cannot start or continue."""


class TranscriptError(SociolabError):
    """A transcript that cannot be read or continued."""


class BackendError(SociolabError):
    """Base class of every error raised by a backend."""


class BackendConfigError(BackendError):
    """A backend was configured wrongly (unknown kind, missing key, bad model path)."""


class MissingDependencyError(BackendConfigError):
    """An optional provider needs a package that is not installed.

    The message carries the exact ``pip install`` line that fixes it.
    """


class ModelFetchError(BackendError):
    """The embedded model could not be obtained or failed its checksum."""


class GenerationError(BackendError):
    """A call failed for good (after the retries the wrapper allows)."""


class FatalBackendError(GenerationError):
    """A failure that no retry and no other question can fix (bad key, no access, no such model).

    The backend refuses every later call at once, and a run stops at the first one.
    """


class TaskError(SociolabError):
    """Base class: a task could not be loaded (missing file, bad row, unknown subject)."""


class TaskDataError(TaskError):
    """A data file is missing or malformed; the message names the file and line."""


__all__ = [
    "BackendConfigError",
    "BackendError",
    "ConfigError",
    "FatalBackendError",
    "GenerationError",
    "MissingDependencyError",
    "ModelFetchError",
    "RunError",
    "SociolabError",
    "SociolabWarning",
    "TaskDataError",
    "TaskError",
    "TranscriptError",
]
