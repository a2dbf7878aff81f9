"""Row-wise attention: a reply must not depend on what else was in its batch.

With left padding, the standard batched attention kernels see each row's real
keys shifted by the row's padding, so their blocked reductions add the same
numbers in another order. In bfloat16 that changes the rounding, the change
grows layer after layer, and a greedy reply generated in a batch can differ
from the same prompt generated alone (measured: SmolLM2 on CPU, logits off by
up to 0.4, different text).

This attention function hands each row to ``scaled_dot_product_attention``
on its own, with its padding sliced off, so every row is computed with exactly
the shapes it would have alone. The other layers (linear, norm, rotary, MLP)
work row by row already; on CPU the bfloat16 matmuls of oneDNN give a row the
same bits whatever the number of rows (two or more; see ``Engine._two_rows``
for a lone row), which the tests check end to end. Cases outside its scope (sliding windows, soft-capping,
attention biases, chunked prefill) fall back to transformers' ``sdpa``.

While decoding, each row's query heads are grouped by the key/value head they
share, so no key/value copies are made; that runs about as fast as one batched
``sdpa`` call with a padding mask (which has to process the padding too).
"""

from __future__ import annotations

from typing import Any

from agents.backends.registry import require

NAME = "sociolab_rowwise"
"""The ``attn_implementation`` name this module registers with transformers."""


def register() -> str:
    """Register the row-wise attention (and its mask format) with transformers; idempotent."""
    transformers = require("transformers", extra="hf")
    from transformers.masking_utils import sdpa_mask

    transformers.AttentionInterface.register(NAME, rowwise_attention)
    transformers.AttentionMaskInterface.register(NAME, sdpa_mask)
    return NAME


def rowwise_attention(
    module: Any,
    query: Any,
    key: Any,
    value: Any,
    attention_mask: Any,
    dropout: float = 0.0,
    scaling: float | None = None,
    is_causal: bool | None = None,
    **kwargs: Any,
) -> tuple[Any, None]:
    """Attention computed per row (or per run of rows with equal padding), padding sliced off.

    Same contract as transformers' attention functions: ``query`` is
    ``(batch, heads, q_len, dim)``, ``key``/``value`` ``(batch, kv_heads, kv_len, dim)``,
    ``attention_mask`` a boolean ``(batch, 1, q_len, kv_len)`` mask or None; returns
    ``(batch, q_len, heads, dim)`` and no weights.
    """
    import torch
    from transformers.integrations.sdpa_attention import repeat_kv, sdpa_attention_forward

    batch, heads, q_len, _ = query.shape
    kv_heads, kv_len = key.shape[1], key.shape[2]
    causal = is_causal if is_causal is not None else getattr(module, "is_causal", True)
    unsupported = (
        dropout
        or kwargs.get("sliding_window")
        or kwargs.get("softcap")
        or kwargs.get("position_bias") is not None
        or not causal
        or (q_len != 1 and q_len != kv_len)
        or heads % kv_heads
    )
    if unsupported:
        return sdpa_attention_forward(
            module, query, key, value, attention_mask,
            dropout=dropout, scaling=scaling, is_causal=is_causal, **kwargs,
        )  # fmt: skip
    starts = _starts(attention_mask, batch)
    # One call per row, even for rows with equal padding: with several threads the
    # kernel divides its work by the number of (row, head) pairs, so rows computed
    # together are not rounded like a row computed alone.
    if q_len == 1:
        return _decode_rows(torch, query, key, value, starts, scaling), None
    return _prefill_rows(torch, repeat_kv, query, key, value, starts, scaling), None


def _decode_rows(
    torch: Any, query: Any, key: Any, value: Any, starts: list[int], scaling: float | None
) -> Any:
    """Decoding: each row's query heads grouped by the key/value head they share.

    ``n_rep`` queries per kv head, so no key/value copies are made.
    """
    sdpa = torch.nn.functional.scaled_dot_product_attention
    batch, heads, _, dim = query.shape
    kv_heads = key.shape[1]
    n_rep = heads // kv_heads
    out = query.new_empty((batch, 1, heads, value.shape[-1]))
    for row, start in enumerate(starts):
        piece = sdpa(
            query[row : row + 1].reshape(1, kv_heads, n_rep, dim),
            key[row : row + 1, :, start:],
            value[row : row + 1, :, start:],
            scale=scaling,
        )
        out[row, 0] = piece.reshape(heads, -1)
    return out


def _prefill_rows(
    torch: Any,
    repeat_kv: Any,
    query: Any,
    key: Any,
    value: Any,
    starts: list[int],
    scaling: float | None,
) -> Any:
    """Prefill: causal attention over each row's real tokens only."""
    sdpa = torch.nn.functional.scaled_dot_product_attention
    batch, heads, q_len, _ = query.shape
    kv_heads = key.shape[1]
    if heads != kv_heads:
        key, value = repeat_kv(key, heads // kv_heads), repeat_kv(value, heads // kv_heads)
    out = query.new_zeros((batch, q_len, heads, value.shape[-1]))
    for row, start in enumerate(starts):
        piece = sdpa(
            query[row : row + 1, :, start:],
            key[row : row + 1, :, start:],
            value[row : row + 1, :, start:],
            is_causal=True,
            scale=scaling,
        )
        out[row, start:] = piece[0].transpose(0, 1)
    return out


def _starts(attention_mask: Any, batch: int) -> list[int]:
    """Index of each row's first real key (its left padding), computed once per forward pass."""
    if attention_mask is None:
        return [0] * batch
    cached: list[int] | None = getattr(attention_mask, "_sociolab_starts", None)
    if cached is None:
        import torch

        last = attention_mask[:, 0, -1, :]  # what the newest query may see: the real keys
        allowed = last if last.dtype == torch.bool else last == 0
        cached = [int(s) for s in allowed.to(torch.int8).argmax(dim=-1).tolist()]
        if len(cached) == 1 and batch > 1:  # a mask broadcast over the batch
            cached = cached * batch
        # Every layer of one forward pass gets the same mask tensor: remember on it.
        attention_mask._sociolab_starts = cached
    return cached
