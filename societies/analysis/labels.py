"""Group labels that fit a plot or a table without hiding the part that tells groups apart."""

from __future__ import annotations

from collections.abc import Sequence

ELLIPSIS = "…"


def _shared_prefix(labels: Sequence[str]) -> str:
    """The labels' common prefix, back to a word boundary, leaving every label some text."""
    first, last = min(labels), max(labels)  # the common prefix of all is theirs
    n = next((i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), len(first))
    prefix = first[:n]
    cut = prefix.rfind(" ") + 1  # keep whole words of the differing part
    prefix = prefix[:cut]
    return prefix if all(len(x) > len(prefix) for x in labels) else ""


def distinct_labels(labels: Sequence[str], limit: int) -> list[str]:
    """The labels, shortened towards ``limit`` characters only by eliding what they all share.

    When a label is longer than ``limit``, the words every label starts with, and then
    those every label ends with, become ``…``. The part that differs is never cut, so a
    label may stay longer than ``limit``; a single label is cut at its end.
    """
    if all(len(x) <= limit for x in labels):
        return list(labels)
    if len(labels) < 2:
        return [x[: limit - 1] + ELLIPSIS if len(x) > limit else x for x in labels]
    prefix = _shared_prefix(labels)
    rest = [x[len(prefix) :] for x in labels]
    suffix = _shared_prefix([x[::-1] for x in rest])[::-1]
    core = [x[: len(x) - len(suffix)] for x in rest]
    return [(ELLIPSIS if prefix else "") + c.strip() + (ELLIPSIS if suffix else "") for c in core]


__all__ = ["ELLIPSIS", "distinct_labels"]
