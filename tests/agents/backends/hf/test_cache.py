"""The in-place decoding cache: same keys and values as transformers' own, no copies."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

HAS_HF = all(importlib.util.find_spec(m) for m in ("torch", "transformers"))
pytestmark = pytest.mark.skipif(not HAS_HF, reason="needs torch and transformers")


def tiny_config(**extra: Any) -> Any:
    from transformers import LlamaConfig

    return LlamaConfig(
        num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1, hidden_size=8, **extra
    )


def test_appends_in_place_and_matches_the_dynamic_cache() -> None:
    import torch
    from transformers import DynamicCache

    from agents.backends.hf.cache import in_place_cache

    gen = torch.Generator().manual_seed(0)
    prompt = [(torch.randn(2, 1, 5, 4, generator=gen), torch.randn(2, 1, 5, 4, generator=gen))]
    prompt.append((torch.randn(2, 1, 5, 4, generator=gen), torch.randn(2, 1, 5, 4, generator=gen)))
    buffers = []
    for keys, values in prompt:
        k, v = torch.zeros(2, 1, 8, 4), torch.zeros(2, 1, 8, 4)  # room for 3 more positions
        k[:, :, :5], v[:, :, :5] = keys, values
        buffers.append((k, v))
    ours = in_place_cache(tiny_config(), buffers, 5)
    theirs = DynamicCache(prompt, config=tiny_config())
    assert ours is not None and ours.get_seq_length() == 5
    for _ in range(3):
        for at in range(2):
            new_k, new_v = torch.randn(2, 1, 1, 4), torch.randn(2, 1, 1, 4)
            got = ours.update(new_k, new_v, at)
            want = theirs.update(new_k, new_v, at)
            assert torch.equal(got[0], want[0]) and torch.equal(got[1], want[1])
            # A view of the buffer allocated at the start: nothing was copied.
            assert got[0].data_ptr() == buffers[at][0].data_ptr()
    assert ours.get_seq_length() == theirs.get_seq_length() == 8
    with pytest.raises(RuntimeError, match="full"):
        ours.update(torch.randn(2, 1, 1, 4), torch.randn(2, 1, 1, 4), 0)


def test_models_with_other_cache_layers_keep_transformers_cache() -> None:
    import torch

    from agents.backends.hf.cache import in_place_cache

    buffers = [(torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 4, 4))] * 2
    windowed = tiny_config(layer_types=["sliding_attention", "full_attention"], sliding_window=2)
    assert in_place_cache(windowed, buffers, 2) is None
    assert in_place_cache(tiny_config(), buffers[:1], 2) is None  # layer count differs
