"""Reuse of prompt state across an agent's turns, without changing any reply.

An agent's prompt in round ``r + 1`` is its prompt of round ``r``, its reply,
and the new user message. Recomputing the whole prompt every round makes
prefill (compute-bound on a CPU) the larger part of a debate. The ``hf``
engine therefore prefills a prompt in *chunks* that end where an assistant
turn of the history begins (one token before, since a prompt's last token is
decoded, not prefilled), and keeps the key/value state at the end of each
prompt in a :class:`PrefixStore`. The next round's prompt starts with the same
chunks, so its prefill continues from the stored state.

The chunking is a function of the messages alone, never of what the store
holds: a prompt is always computed chunk by chunk, each chunk alone (batch of
one) on top of the state of the chunks before it. A stored state is therefore
bit for bit the state a cold computation would produce, and a reply is the
same whether the state was found, evicted, or never stored (resume, response
cache hits, ``prefix_cache_mb: 0``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

SCHEME = "chunks-at-assistant-turns"
"""How prompts are prefilled, part of the ``hf`` backend's identity: replies cached by
an engine that prefilled otherwise (rounding differs) are not served for this one."""

Layers = list[tuple[Any, Any]]
"""Per model layer, the (keys, values) tensors of one prompt, ``(1, kv_heads, tokens, dim)``."""


def chunk_ends(n_tokens: int, cuts: Sequence[int]) -> list[int]:
    """Where the prefill chunks of a prompt of ``n_tokens`` end (exclusive), last one included.

    ``cuts`` are the token offsets where assistant turns of the history begin.
    The prompt's last token is decoded, so prefill covers ``n_tokens - 1``
    tokens; a chunk ends one token before each cut, for the same reason (that
    token was the last one of an earlier prompt).
    """
    end = n_tokens - 1
    inner = sorted({c - 1 for c in cuts if c > 1 and c - 1 < end})
    return [*inner, end]


@dataclass
class PrefixStats:
    """Counters: how many prompt tokens were reused from the store or computed."""

    reused_tokens: int = 0
    computed_tokens: int = 0


@dataclass
class PrefixStore:
    """A byte-bounded LRU of prompt states, keyed by their exact tokens and chunk ends.

    Args:
        max_bytes: memory the stored tensors may take; the least recently used go first.
            0 stores nothing.
    """

    max_bytes: int
    stats: PrefixStats = field(default_factory=PrefixStats)
    _entries: OrderedDict[tuple[tuple[int, ...], tuple[int, ...]], tuple[Layers, int]] = field(
        default_factory=OrderedDict
    )
    _bytes: int = 0

    @staticmethod
    def key(ids: Sequence[int], ends: Sequence[int]) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The key of the state after chunks ``ends`` of prompt ``ids`` (exact, not a hash)."""
        return tuple(ids[: ends[-1]]), tuple(ends)

    def longest(self, ids: Sequence[int], ends: Sequence[int]) -> tuple[int, Layers | None]:
        """How many chunks of ``ids`` are stored, and their state (0 and None: none are)."""
        for done in range(len(ends), 0, -1):
            key = self.key(ids, ends[:done])
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
                return done, hit[0]
        return 0, None

    def put(self, ids: Sequence[int], ends: Sequence[int], layers: Layers) -> None:
        """Store the state after chunks ``ends``, evicting the least recently used to fit."""
        size = sum(k.numel() * k.element_size() + v.numel() * v.element_size() for k, v in layers)
        if size > self.max_bytes:
            return
        key = self.key(ids, ends)
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= old[1]
        while self._entries and self._bytes + size > self.max_bytes:
            _, (_, freed) = self._entries.popitem(last=False)
            self._bytes -= freed
        self._entries[key] = (layers, size)
        self._bytes += size

    def clear(self) -> None:
        """Forget every stored state (the counters stay)."""
        self._entries.clear()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def bytes(self) -> int:
        """Bytes held by the stored tensors."""
        return self._bytes
