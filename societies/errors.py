"""The errors of ``societies``; the whole tree is drawn in :mod:`sociolab.errors`."""

from sociolab.errors import (
    ConfigError,
    RunError,
    SociolabError,
    SociolabWarning,
    TranscriptError,
)

USER_ERRORS: tuple[type[Exception], ...] = (SociolabError,)
"""What the CLI prints as one line per problem (never a traceback)."""

__all__ = [
    "USER_ERRORS",
    "ConfigError",
    "RunError",
    "SociolabError",
    "SociolabWarning",
    "TranscriptError",
]
