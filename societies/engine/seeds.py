"""Seeds keyed by a turn's coordinates, never by arrival order."""

from __future__ import annotations

import hashlib


def turn_seed(seed: int, question_id: str, repeat: int, agent: str, round_: int) -> int:
    """A 31-bit seed derived from (config seed, question id, repeat, agent, round)."""
    key = f"{seed}\x1f{question_id}\x1f{repeat}\x1f{agent}\x1f{round_}".encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big") & 0x7FFFFFFF


def derived_seed(seed: int, purpose: str) -> int:
    """A 31-bit seed for ``purpose`` derived from a config seed (another stream than ``seed``)."""
    key = f"{seed}\x1f{purpose}".encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big") & 0x7FFFFFFF
