"""Choosing the device and dtype, and loading a model folder or hub id into an :class:`Engine`."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from agents.backends.hf import attention as hf_attention
from agents.backends.hf.engine import Engine
from agents.backends.registry import require
from agents.errors import BackendConfigError

DTYPES = ("bfloat16", "float16", "float32")

log = logging.getLogger("sociolab.backends")
_warned_busy = threading.Event()


def cores() -> int:
    """The CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def busy_note(name: str, threads: int | None) -> str | None:
    """A warning when the machine's load exceeds its cores and torch may use several threads.

    torch's threads wait for each other at every operation; when other processes
    take the cores, each step waits for the slowest descheduled thread, and a run
    can take several times longer than with ``threads: 1``.
    """
    if threads == 1:
        return None
    load, n = os.getloadavg()[0], cores()
    if load <= n:
        return None
    now = f"threads: {threads}" if threads is not None else "threads unset: torch uses every core"
    return (
        f"backend {name!r}: this machine is busy (load {load:.1f} on {n} cores; {now}): "
        "torch's threads then wait for each other at every step, which can make the run "
        "several times slower; set threads: 1 on this backend (replies are the same)"
    )


def warn_if_busy(name: str, threads: int | None) -> None:
    """Log :func:`busy_note` once per process (the first model loaded on a busy machine)."""
    note = busy_note(name, threads)
    if note is not None and not _warned_busy.is_set():
        _warned_busy.set()
        log.warning("warning: %s", note)


def silence_progress_bars() -> None:
    """Turn off transformers' and huggingface_hub's tqdm bars: sociolab shows loading itself."""
    transformers = require("transformers", extra="hf")
    transformers.utils.logging.disable_progress_bar()
    from huggingface_hub.utils.tqdm import disable_progress_bars

    disable_progress_bars()


def cpu_has_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (avx512_bf16 / amx_bf16 / Arm bf16)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith(("flags", "Features")):
            flags = set(line.partition(":")[2].split())
            return bool(flags & {"avx512_bf16", "amx_bf16", "bf16"})
    return False


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when a GPU is visible, else ``cpu``; others as given (checked)."""
    torch = require("torch", extra="hf")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise BackendConfigError(
            f"device {device!r}: torch sees no CUDA device (torch {torch.__version__}); "
            "use device: cpu, or install a CUDA build of torch"
        )
    return device


def resolve_dtype(dtype: str, device: str) -> str:
    """``auto`` -> ``bfloat16`` where ``device`` computes it natively, else ``float32``."""
    if dtype != "auto":
        return dtype
    if device.startswith("cuda"):
        torch = require("torch", extra="hf")
        index = int(device.partition(":")[2] or 0)
        with torch.cuda.device(index):
            return "bfloat16" if torch.cuda.is_bf16_supported() else "float32"
    return "bfloat16" if cpu_has_bf16() else "float32"


def load_engine(
    source: str,
    *,
    revision: str | None,
    dtype: str,
    device: str,
    label: str,
    chat_template: str | None,
    prefix_bytes: int = 0,
) -> Engine:
    """Load a model folder or hub id onto ``device`` in ``dtype`` (blocking).

    Raises:
        BackendConfigError: the model cannot be found or loaded.
    """
    torch = require("torch", extra="hf")
    transformers = require("transformers", extra="hf")
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(source, revision=revision)
        model = transformers.AutoModelForCausalLM.from_pretrained(
            source,
            revision=revision,
            dtype=getattr(torch, dtype),
            attn_implementation=hf_attention.register(),
        )
    except (OSError, ValueError) as exc:
        raise BackendConfigError(
            f"model {label!r}: transformers could not load it ({type(exc).__name__}: {exc})"
        ) from exc
    model.to(device)
    model.eval()
    return Engine(
        model,
        tokenizer,
        device=device,
        label=label,
        chat_template=chat_template,
        prefix_bytes=prefix_bytes,
    )


__all__ = [
    "DTYPES",
    "busy_note",
    "cores",
    "cpu_has_bf16",
    "load_engine",
    "resolve_device",
    "resolve_dtype",
    "silence_progress_bars",
    "warn_if_busy",
]
