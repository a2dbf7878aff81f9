"""The experiment config: models, cross-field checks, ``--set`` overrides and presets.

A config is declared once (pydantic, ``extra="forbid"``) and drives everything.
YAML and configs built in Python go through the same checks and give the same
one-line messages (:class:`~societies.errors.ConfigError`).
"""

from societies.config.coalition import CoalitionSpec
from societies.config.loading import load_config, parse_config
from societies.config.models import (
    ANALYSIS_FIELDS,
    EXECUTION_FIELDS,
    AgentSpec,
    BudgetSpec,
    CacheSpec,
    ExperimentConfig,
    GenerationSpec,
    GraphSpec,
    ProtocolSpec,
    ScoringSpec,
)
from societies.config.overrides import apply_overrides
from societies.config.yamlio import read_yaml

__all__ = [
    "ANALYSIS_FIELDS",
    "EXECUTION_FIELDS",
    "AgentSpec",
    "BudgetSpec",
    "CacheSpec",
    "CoalitionSpec",
    "ExperimentConfig",
    "GenerationSpec",
    "GraphSpec",
    "ProtocolSpec",
    "ScoringSpec",
    "apply_overrides",
    "load_config",
    "parse_config",
    "read_yaml",
]
