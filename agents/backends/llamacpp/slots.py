"""Slot affinity: which llama.cpp server slot each request goes to.

A slot keeps the key/value state of the last prompt it processed and the reply it
generated, so a conversation's next turn, whose prompt begins with that prompt
and reply, needs only its new part prefilled, if it lands on the same slot. Left
to itself the server sends a request to the free slot whose cached prompt shares
the most with it, so agents debating one question (their prompts begin alike)
take each other's slots and their replies are prefilled again.

The router remembers what each slot holds. A request goes to the free slot that
holds its conversation's previous turn (a prompt its messages begin with, then an
assistant message: the reply, whatever became of its text); a request that
continues nothing goes to an empty slot, else to the free slot used longest ago
(whose conversation has most likely ended). It never waits for a busy slot.
With more conversations than slots some state is overwritten and prefilled
again: slower, never wrong, since the server always computes what it lacks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agents.types import Message

Key = tuple[tuple[str, str], ...]


def key_of(messages: Sequence[Message]) -> Key:
    """The messages as a comparable tuple of (role, content)."""
    return tuple((m.role, m.content) for m in messages)


def shared_prefix(a: Key, b: Key) -> int:
    """How many messages ``a`` and ``b`` share from the start."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


@dataclass
class _Slot:
    held: Key = ()
    """The messages whose state the slot keeps (the last prompt plus its reply)."""
    busy: bool = False
    last_used: int = 0


class SlotRouter:
    """Chooses a free server slot for each request (see the module docstring).

    Not thread-safe: use it from one event loop. :meth:`take` and :meth:`give_back`
    bracket each request.
    """

    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError("a server has at least one slot")
        self._slots = [_Slot() for _ in range(slots)]
        self._tick = 0

    def take(self, messages: Sequence[Message]) -> int | None:
        """Mark the best free slot for ``messages`` busy and return its id (None if none is free)."""
        want = key_of(messages)
        free = [i for i, s in enumerate(self._slots) if not s.busy]
        if not free:
            return None

        def score(i: int) -> tuple[int, int, int]:
            slot = self._slots[i]
            # Its own conversation first (the longest), then empty slots, then the oldest.
            return (_continued(slot.held, want), not slot.held, -slot.last_used)

        best = max(free, key=score)
        self._tick += 1
        slot = self._slots[best]
        slot.busy, slot.held, slot.last_used = True, want, self._tick
        return best

    def give_back(self, slot: int, reply: str | None) -> None:
        """The request on ``slot`` ended; ``reply`` is its text, or None if it failed."""
        s = self._slots[slot]
        s.busy = False
        # After a failure the slot's state is unknown: claim nothing for it.
        s.held = (*s.held, ("assistant", reply)) if reply is not None else ()

    def holds(self, slot: int) -> Key:
        """What slot ``slot`` is known to keep (for tests and diagnostics)."""
        return self._slots[slot].held


def _continued(held: Key, want: Key) -> int:
    """How surely ``want`` continues the turn ``held`` ends with (0: it does not).

    ``held`` must end with the reply (an assistant message) and ``want`` begin with
    ``held``'s prompt, then an assistant message: the same text scores higher than a
    changed one (a conversation may keep its reply stripped or redacted). Longer
    histories score higher.
    """
    if len(held) < 2 or len(want) <= len(held) or held[-1][0] != "assistant":
        return 0
    n = len(held) - 1
    if want[:n] != held[:n] or want[n][0] != "assistant":
        return 0
    return 2 * len(held) + (want[n] == held[n])


__all__ = ["SlotRouter", "key_of", "shared_prefix"]
