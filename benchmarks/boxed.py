"""Finding ``\\boxed{...}`` (and ``\\fbox{...}``) answers in LaTeX text, nested braces included."""

from __future__ import annotations

import re

from benchmarks.latex_args import brace_group

_OPEN = re.compile(r"\\(?:boxed|fbox)(?![A-Za-z])")


def boxed_all(text: str) -> list[str]:
    """The contents of every complete ``\\boxed``/``\\fbox`` in ``text``, in order.

    ``\\boxed{...}`` may nest braces; ``\\boxed 5`` (no braces) takes the next token.
    An unclosed ``\\boxed{`` is ignored.
    """
    out: list[str] = []
    for m in _OPEN.finditer(text):
        i = m.end()
        while i < len(text) and text[i] in " \t":
            i += 1
        if i < len(text) and text[i] == "{":
            group = brace_group(text, i)
            if group is not None:
                out.append(group[0])
        else:
            token = re.match(r"[^\s$.,;]+", text[i:])
            if token is not None and i > m.end():
                out.append(token.group(0))
    return out


def last_boxed(text: str) -> str | None:
    """The content of the last ``\\boxed{...}`` or ``\\fbox{...}`` in ``text``, or None."""
    found = boxed_all(text)
    return found[-1] if found else None
