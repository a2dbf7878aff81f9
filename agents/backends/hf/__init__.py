"""The ``hf`` backend: a transformers model in this process, with cross-agent micro-batching.

Modules: :mod:`.provider` (the provider and its config), :mod:`.engine` (loading and running a
batch), :mod:`.batcher` (collecting concurrent requests), :mod:`.prefix` (prompt states kept for
the next turn), :mod:`.cache` (in-place key/value buffers), :mod:`.attention` (per-row attention),
:mod:`.convert` (GGUF -> cached safetensors). torch and transformers load only with a model.
"""

from agents.backends.hf.provider import HFProvider, HFSpec

__all__ = ["HFProvider", "HFSpec"]
