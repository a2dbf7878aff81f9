"""Convert a GGUF file once into a cached safetensors folder that loads in about a second.

transformers can load a GGUF directly (``gguf_file=``), but it dequantizes every
tensor and converts the tokenizer on each load (about 20 s for SmolLM2 on two
cores). We do that once per (file sha256, dtype), save the result with
``save_pretrained`` under ``cache_dir()/hf-converted/`` and load that folder
afterwards. The folder is written to a temporary name and renamed into place,
under a file lock, so parallel runs never see (or build) half a conversion.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.backends.model_store import cache_dir
from agents.backends.registry import require
from agents.errors import BackendError

MARKER = "sociolab-conversion.json"


@dataclass(frozen=True)
class Converted:
    """A converted model folder and whether this call had to build it."""

    path: Path
    created: bool


def converted_dir(sha256: str, dtype: str) -> Path:
    """Where the conversion of the GGUF with this sha256 into ``dtype`` lives."""
    return cache_dir() / "hf-converted" / f"{sha256}-{dtype}"


def is_converted(sha256: str, dtype: str) -> bool:
    """Whether a complete conversion is already cached."""
    return (converted_dir(sha256, dtype) / MARKER).is_file()


def ensure_converted(gguf: Path, *, sha256: str, dtype: str) -> Converted:
    """Return the cached safetensors folder for ``gguf``, converting it first if needed.

    Args:
        gguf: the ``.gguf`` file.
        sha256: its sha256 (the cache key; the caller usually knows it already).
        dtype: ``bfloat16``, ``float16`` or ``float32``: the dtype of the saved weights.

    Raises:
        BackendError: transformers could not load or save the model.
    """
    target = converted_dir(sha256, dtype)
    if (target / MARKER).is_file():
        return Converted(target, created=False)
    target.parent.mkdir(parents=True, exist_ok=True)
    with (target.parent / f".{sha256}-{dtype}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / MARKER).is_file():  # another process converted it meanwhile
            return Converted(target, created=False)
        for stale in target.parent.glob(f".tmp-{target.name}.*"):  # left by a killed conversion
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{target.name}.", dir=target.parent))
        try:
            _convert(gguf, tmp, dtype)
            (tmp / MARKER).write_text(
                json.dumps(
                    {
                        "source": gguf.name,
                        "sha256": sha256,
                        "dtype": dtype,
                        "transformers": _version("transformers"),
                        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    },
                    indent=2,
                )
                + "\n",
                encoding="utf-8",
            )
            if target.exists():  # a stale, incomplete folder without a marker
                shutil.rmtree(target)
            tmp.rename(target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return Converted(target, created=True)


def _version(package: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def _convert(gguf: Path, out: Path, dtype: str) -> None:
    torch = require("torch", extra="hf")
    transformers = require("transformers", extra="hf")
    require("gguf", extra="hf")
    folder, name = str(gguf.parent), gguf.name
    options: dict[str, Any] = {}
    gguf_config = getattr(transformers, "GgufConfig", None)
    if gguf_config is not None:  # newer transformers can keep GGUF blocks packed: unpack them
        options["quantization_config"] = gguf_config(dequantize=True)
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(folder, gguf_file=name)
        model = transformers.AutoModelForCausalLM.from_pretrained(
            folder, gguf_file=name, dtype=getattr(torch, dtype), **options
        )
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise BackendError(
            f"transformers could not load {str(gguf)!r} ({type(exc).__name__}: {exc}); "
            "is it a GGUF of an architecture transformers supports?"
        ) from exc
    _forget_gguf_quantization(model)
    model.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))


def _forget_gguf_quantization(model: Any) -> None:
    """Make ``save_pretrained`` accept a GGUF-loaded (already dequantized) model.

    transformers refuses to save a model "quantized with gguf"; once loaded on
    with ``dequantize=True`` the weights are plain dense tensors, so clearing the
    quantizer marks is enough.
    """
    packed = getattr(getattr(model, "hf_quantizer", None), "packed_modules", None)
    if packed:
        raise BackendError(
            "transformers kept the GGUF weights packed, so they cannot be saved as "
            "safetensors: point the hf backend at a safetensors folder instead"
        )
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
