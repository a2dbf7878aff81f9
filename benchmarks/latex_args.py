"""Small helpers for reading LaTeX macro arguments (brace groups or single tokens)."""

from __future__ import annotations

import re

_COMMAND = re.compile(r"\\[A-Za-z]+")


def brace_group(text: str, start: int) -> tuple[str, int] | None:
    """The content of the ``{...}`` group opening at ``text[start]`` and the index after it.

    Escaped braces (``\\{``) do not count. None when ``text[start]`` is not ``{`` or the
    group is not closed.
    """
    if start >= len(text) or text[start] != "{":
        return None
    depth = 0
    i = start
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return text[start + 1 : i], i + 1
        i += 1
    return None


def macro_arg(text: str, start: int) -> tuple[str, int] | None:
    """One macro argument at ``start`` (spaces skipped): a brace group, a command or one character.

    Returns the argument without its braces and the index after it, or None at the end.
    """
    i = start
    while i < len(text) and text[i] == " ":
        i += 1
    if i >= len(text):
        return None
    if text[i] == "{":
        return brace_group(text, i)
    command = _COMMAND.match(text, i)
    if command is not None:
        return command.group(0), command.end()
    if text[i] in "}^_":
        return None
    return text[i], i + 1
