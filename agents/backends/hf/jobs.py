"""What the batch worker is given and what it reports: one request (:class:`GenJob`), one batch."""

from __future__ import annotations

from dataclasses import dataclass

from agents.types import GenParams


@dataclass(frozen=True)
class GenJob:
    """One request as the worker sees it: the rendered prompt and its parameters.

    ``cuts`` are the character offsets in ``prompt`` where the history's
    assistant turns begin (where an earlier prompt of the same conversation ended).
    """

    prompt: str
    params: GenParams
    cuts: tuple[int, ...] = ()


@dataclass(frozen=True)
class BatchRecord:
    """What one ``generate`` call did (attached to DEBUG log records as ``hf_batch``).

    Benchmarks replay these batches with raw ``model.generate``.
    """

    model: str
    prompts: tuple[str, ...]
    max_new_tokens: int
    prompt_tokens: tuple[int, ...]
    completion_tokens: tuple[int, ...]
    seconds: float
    prefilled_tokens: int = 0
    """Prompt tokens computed by this batch (the rest came from the prefix store)."""
    prefill_seconds: float = 0.0
    """Of ``seconds``, the time spent prefilling the prompts (the rest is decoding)."""


__all__ = ["BatchRecord", "GenJob"]
