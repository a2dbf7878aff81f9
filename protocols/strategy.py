"""Strategies: which protocol each round after the first uses."""

from __future__ import annotations

import re

from protocols.base import Protocol
from protocols.turns import Debate, Initial, Reflection

ROUND_PROTOCOLS = ("debate", "reflection")
_BITS = {"0": "debate", "1": "reflection"}


def parse_strategy(value: str | list[str]) -> list[str]:
    """Normalise a strategy to protocol names, one per round after round 0.

    Accepts a list of names (``[debate, reflection]``), a MachineSoM bit string
    (``"001"``: 0 = debate, 1 = reflection) or its ``p0p0p1`` spelling.

    Raises:
        ValueError: naming the bad entry and the valid options.
    """
    if isinstance(value, str):
        bits = value.replace("p", "") if re.fullmatch(r"(p[01])+", value) else value
        if not re.fullmatch(r"[01]+", bits):
            raise ValueError(
                f"strategy {value!r} is not a bit string of 0 (debate) and 1 (reflection)"
            )
        return [_BITS[b] for b in bits]
    out = []
    for i, name in enumerate(value):
        key = _BITS.get(str(name), str(name))
        if key not in ROUND_PROTOCOLS:
            raise ValueError(
                f"strategy[{i}]: unknown protocol {name!r} (known: {', '.join(ROUND_PROTOCOLS)})"
            )
        out.append(key)
    return out


def strategy_bits(rounds: list[str]) -> str:
    """The MachineSoM bit string of a strategy (``debate`` -> 0, ``reflection`` -> 1)."""
    return "".join("0" if r == "debate" else "1" for r in rounds)


def build_plan(rounds: list[str], instructions: str) -> list[Protocol]:
    """One protocol per round, round 0 (``initial``) included."""
    table: dict[str, Protocol] = {
        "debate": Debate(instructions),
        "reflection": Reflection(instructions),
    }
    return [Initial(), *(table[r] for r in rounds)]
