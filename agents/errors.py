"""Errors raised by agents and backends: the ``BackendError`` branch of :mod:`sociolab.errors`."""

from sociolab.errors import (
    BackendConfigError,
    BackendError,
    FatalBackendError,
    GenerationError,
    MissingDependencyError,
    ModelFetchError,
)

__all__ = [
    "BackendConfigError",
    "BackendError",
    "FatalBackendError",
    "GenerationError",
    "MissingDependencyError",
    "ModelFetchError",
]
