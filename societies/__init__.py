"""Where agents live and how a run unfolds: config, graph, scheduler, transcript, CLI."""

from societies.config import ExperimentConfig, load_config, parse_config
from societies.errors import ConfigError, RunError, SociolabError, TranscriptError
from societies.experiment import Experiment, RunResult, run_experiment
from societies.graph import build_graph
from societies.transcript import (
    SCHEMA_VERSION,
    EndEvent,
    HeaderEvent,
    Transcript,
    TurnEvent,
    read_transcript,
    strip_volatile,
)

__all__ = [
    "SCHEMA_VERSION",
    "ConfigError",
    "EndEvent",
    "Experiment",
    "ExperimentConfig",
    "HeaderEvent",
    "RunError",
    "RunResult",
    "SociolabError",
    "Transcript",
    "TranscriptError",
    "TurnEvent",
    "build_graph",
    "load_config",
    "parse_config",
    "read_transcript",
    "run_experiment",
    "strip_volatile",
]
