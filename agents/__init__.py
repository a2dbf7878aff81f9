"""Who speaks: agents, their traits, and the backends behind them."""

from agents.agent import Agent
from agents.errors import (
    BackendConfigError,
    BackendError,
    GenerationError,
    MissingDependencyError,
    ModelFetchError,
)
from agents.traits import BUILTIN_TRAITS, Trait

__all__ = [
    "BUILTIN_TRAITS",
    "Agent",
    "BackendConfigError",
    "BackendError",
    "GenerationError",
    "MissingDependencyError",
    "ModelFetchError",
    "Trait",
]
