"""The prefix store: chunk ends, exact keys and the byte-bounded LRU (no torch needed)."""

from __future__ import annotations

from dataclasses import dataclass

from agents.backends.hf.prefix import PrefixStore, chunk_ends


@dataclass
class FakeTensor:
    """Just enough of a tensor for the store's byte count."""

    n: int

    def numel(self) -> int:
        return self.n

    def element_size(self) -> int:
        return 2


def state(tokens: int, layers: int = 2) -> list[tuple[FakeTensor, FakeTensor]]:
    """A state of ``tokens`` positions: 4 bytes per token per layer (keys + values)."""
    return [(FakeTensor(tokens), FakeTensor(tokens)) for _ in range(layers)]


def test_chunks_end_one_token_before_each_cut_and_before_the_last_token() -> None:
    assert chunk_ends(10, []) == [9]
    assert chunk_ends(10, [4, 7]) == [3, 6, 9]
    # Cuts that would give an empty first chunk, an empty last chunk, or repeat, are dropped.
    assert chunk_ends(10, [1, 7, 7, 10, 12]) == [6, 9]
    assert chunk_ends(2, [1]) == [1]


def test_the_longest_stored_chunk_prefix_is_found() -> None:
    store = PrefixStore(max_bytes=10_000)
    first = [5, 6, 7, 8, 9]  # round 0: one chunk of 4 tokens
    store.put(first, chunk_ends(len(first), []), state(4))
    later = [5, 6, 7, 8, 9, 1, 2, 3, 4]  # round 1 extends it; its turn begins at 5
    ends = chunk_ends(len(later), [5])
    assert ends == [4, 8]
    done, layers = store.longest(later, ends)
    assert done == 1 and layers is not None and layers[0][0].n == 4
    # Same tokens but other chunk ends (another conversation structure): no hit.
    assert store.longest(later, chunk_ends(len(later), [3])) == (0, None)
    # A different token inside the prefix: no hit.
    assert store.longest([5, 6, 0, 8, 9, 1, 2, 3, 4], ends) == (0, None)


def test_least_recently_used_states_are_evicted_to_fit() -> None:
    store = PrefixStore(max_bytes=100)  # 4 bytes/token/layer x 2 layers: 12 tokens fit
    a, b, c = [1] * 5, [2] * 5, [3] * 5
    for ids in (a, b):
        store.put(ids, [4], state(4))  # 32 bytes each
    assert len(store) == 2 and store.bytes == 64
    assert store.longest(a, [4])[0] == 1  # touches a: b is now the oldest
    store.put(c, [4], state(4))
    assert store.bytes == 96 and len(store) == 3
    store.put([4] * 5, [4], state(4))  # needs room: b goes first
    assert store.longest(b, [4]) == (0, None)
    assert store.longest(a, [4])[0] == 1 and store.longest(c, [4])[0] == 1
    assert store.bytes <= 100
    # A state larger than the whole budget is not kept (and evicts nothing).
    store.put([9] * 40, [39], state(39))
    assert len(store) == 3
    store.clear()
    assert len(store) == 0 and store.bytes == 0


def test_a_zero_budget_keeps_nothing() -> None:
    store = PrefixStore(max_bytes=0)
    store.put([1, 2, 3], [2], state(2))
    assert len(store) == 0 and store.longest([1, 2, 3], [2]) == (0, None)


def test_putting_the_same_key_again_replaces_it() -> None:
    store = PrefixStore(max_bytes=1_000)
    store.put([1, 2, 3], [2], state(2))
    store.put([1, 2, 3], [2], state(2))
    assert len(store) == 1 and store.bytes == 16
