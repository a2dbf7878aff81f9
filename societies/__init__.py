"""Where agents live and how a run unfolds: config, engine, transcript, analysis, sweeps, CLI."""

from societies.errors import ConfigError, RunError, SociolabError, TranscriptError

__all__ = ["ConfigError", "RunError", "SociolabError", "TranscriptError"]
