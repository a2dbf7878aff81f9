"""Strategies: which round pattern each round after the first uses.

Round patterns live in :data:`PATTERNS`: a name -> a factory that gets the
task's answer instructions and returns the :class:`~protocols.base.Protocol`
of one round. Plugins add patterns the same way the built-ins are added::

    PATTERNS.register("critique", Critique)
"""

from __future__ import annotations

import re
from collections.abc import Callable

from protocols.base import Protocol
from protocols.turns import Debate, Initial, Reflection
from sociolab.registry import Registry

PatternFactory = Callable[[str], Protocol]
"""Builds one round's protocol from the task's answer instructions."""

PATTERNS: Registry[PatternFactory] = Registry("round pattern")
PATTERNS.register("debate", Debate)
PATTERNS.register("reflection", Reflection)

ROUND_PROTOCOLS = ("debate", "reflection")  # the built-in patterns (MachineSoM's two)
_BITS = {"0": "debate", "1": "reflection"}


def parse_strategy(value: str | list[str]) -> list[str]:
    """Normalise a strategy to protocol names, one per round after round 0.

    Accepts a list of names (``[debate, reflection]``), a MachineSoM bit string
    (``"001"``: 0 = debate, 1 = reflection) or its ``p0p0p1`` spelling. ``[]`` or
    ``""`` is no round after round 0 (independent answers only, e.g. self-consistency).

    Raises:
        ValueError: naming the bad entry and the valid options.
    """
    if value == "":
        return []
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
        if key not in PATTERNS:
            raise ValueError(f"strategy[{i}]: {PATTERNS.unknown(name)}")
        out.append(key)
    return out


def strategy_bits(rounds: list[str]) -> str:
    """The MachineSoM bit string of a strategy (``debate`` -> 0, ``reflection`` -> 1).

    Raises:
        ValueError: a round uses another pattern (it has no bit).
    """
    bits = {v: k for k, v in _BITS.items()}
    other = [r for r in rounds if r not in bits]
    if other:
        raise ValueError(f"pattern {other[0]!r} has no MachineSoM bit (only debate, reflection)")
    return "".join(bits[r] for r in rounds)


def build_plan(rounds: list[str], instructions: str) -> list[Protocol]:
    """One protocol per round, round 0 (``initial``) included; each pattern built once."""
    built = {name: PATTERNS[name](instructions) for name in dict.fromkeys(rounds)}
    return [Initial(), *(built[r] for r in rounds)]
