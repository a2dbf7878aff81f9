"""Booleans are not numbers: find where a config gave ``true`` for a number.

pydantic's lax mode reads ``max_tokens: true`` as 1; declaring every numeric
field strict would also refuse ``0.5`` written as ``"0.5"`` and ``Path`` from text. So
the raw data is compared with the validated model instead: a boolean that
became an ``int`` or ``float`` is reported at its path.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

_MISSING = object()


def _child(node: Any, key: Any) -> Any:
    if isinstance(node, BaseModel):
        return getattr(node, key, _MISSING) if isinstance(key, str) else _MISSING
    if isinstance(node, dict):
        return node.get(key, _MISSING)
    if isinstance(node, list | tuple) and isinstance(key, int) and 0 <= key < len(node):
        return node[key]
    return _MISSING


def _walk(raw: Any, value: Any, loc: tuple[str | int, ...]) -> Iterator[tuple[Any, ...]]:
    if isinstance(raw, bool):
        if isinstance(value, int | float) and not isinstance(value, bool):
            yield loc, raw
        return
    items = (
        raw.items() if isinstance(raw, dict) else enumerate(raw) if isinstance(raw, list) else ()
    )
    for key, sub in items:
        if isinstance(sub, bool | dict | list):
            child = _child(value, key)
            if child is not _MISSING:
                yield from _walk(sub, child, (*loc, key))


def bool_numbers(raw: Any, validated: BaseModel) -> list[tuple[tuple[str | int, ...], bool]]:
    """(location, value) of every boolean in ``raw`` that ``validated`` holds as a number."""
    return [(loc, val) for loc, val in _walk(raw, validated, ())]


__all__ = ["bool_numbers"]
