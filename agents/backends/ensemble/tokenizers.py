"""A member's tokenizer alone (for the anchors in the cache identity), without its model."""

from __future__ import annotations

from typing import Any

from agents.backends.hf.convert import converted_dir, is_converted
from agents.backends.hf.provider import HFProvider
from agents.backends.model_store import resolve_model_file
from agents.backends.registry import require
from agents.errors import BackendConfigError


def load_tokenizer(member: HFProvider) -> Any:
    """The tokenizer the member's model will load with.

    A GGUF model's tokenizer comes from its cached conversion when there is one
    (the same files the model loads), else straight from the GGUF.

    Raises:
        BackendConfigError: transformers could not load it.
    """
    transformers = require("transformers", extra="hf")
    src = member.source
    options: dict[str, Any] = {}
    try:
        if src.embedded is not None or src.gguf is not None:
            sha = str(member.identity()["model_sha256"])
            if is_converted(sha, member.dtype):
                path = str(converted_dir(sha, member.dtype))
            else:
                gguf = src.gguf or resolve_model_file(member.spec.model)
                path, options["gguf_file"] = str(gguf.parent), gguf.name
        elif src.folder is not None:
            path = str(src.folder)
        else:
            assert src.hub is not None
            path, options["revision"] = src.hub, member.spec.revision
        return transformers.AutoTokenizer.from_pretrained(path, **options)
    except (OSError, ValueError) as exc:
        raise BackendConfigError(
            f"backends.{member.name}: transformers could not load the tokenizer of "
            f"{member.spec.model!r} ({type(exc).__name__}: {exc})"
        ) from exc


__all__ = ["load_tokenizer"]
