"""Multiple-choice answer extraction."""

from __future__ import annotations

import re

from benchmarks.base import Extraction

LETTERS = "ABCDEFGHIJ"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("answer-is", re.compile(r"answer\s*(?:is|:)\s*\**\(?([A-J])\)?\**(?![A-Za-z])", re.I)),
    ("parenthesised", re.compile(r"\(([A-J])\)")),
    ("bold", re.compile(r"\*\*([A-J])\*\*")),
    ("letter-paren", re.compile(r"(?:^|\s)([A-J])\)")),
]


def extract_choice(reply: str, choices: tuple[str, ...] | None) -> Extraction:
    """Find the chosen option letter in ``reply``: the last explicit statement wins."""
    n = len(choices) if choices else 4
    valid = set(LETTERS[:n])
    for method, pattern in _PATTERNS:
        found = [m.group(1).upper() for m in pattern.finditer(reply)]
        found = [f for f in found if f in valid]
        if found:
            return Extraction(answer=found[-1], method=method)
    if choices:
        lowered = reply.lower()
        hits = [LETTERS[i] for i, c in enumerate(choices) if c.strip() and c.lower() in lowered]
        if len(hits) == 1:
            return Extraction(answer=hits[0], method="option-text")
    return Extraction(answer=None, method="none")
