"""Errors raised by agents and backends.

``BackendError`` is the root; the CLI prints any of them as one line and exits 2
(configuration problems) or 1 (failures while running).
"""


class BackendError(Exception):
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
