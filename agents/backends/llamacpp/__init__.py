"""The ``llamacpp`` backend: llama.cpp's own OpenAI-compatible server (``xllamacpp``) started for the run.

:mod:`.provider` starts :mod:`.server` in a child process on 127.0.0.1 and talks to it through
the ``openai`` backend.
"""

from agents.backends.llamacpp.provider import LlamaCppProvider, LlamaCppSpec

__all__ = ["LlamaCppProvider", "LlamaCppSpec"]
