"""Safe rendering of untrusted text (model replies, answers, names from transcripts).

Model output may hold rich markup (``[bold red]``), ANSI and OSC escape
sequences, other control characters, bidirectional overrides, lone surrogates,
invalid UTF-8 and lines of megabytes. :func:`clean` turns any of it into inert,
printable text: control characters become visible (``␛``, ``<U+202E>``) so
nobody can change the terminal, and over-long lines are cut. Rich output is
built from :class:`rich.text.Text` objects, which never interpret markup; use
:func:`safe_text` for them, :func:`md_text` for Markdown and :func:`plot_text`
for matplotlib labels.
"""

from __future__ import annotations

import re

from rich.text import Text

MAX_LINE = 2000
"""Characters kept of one line before it is cut."""

_C0 = {c: chr(0x2400 + c) for c in range(0x20)}  # control pictures ␀..␟
_C0[0x7F] = "\u2421"  # ␡
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_INVISIBLE = {ord(ch): f"<U+{ord(ch):04X}>" for ch in _BIDI}
_TABLE: dict[int, str] = {
    **{c: p for c, p in _C0.items() if c not in (0x09, 0x0A)},
    **{c: f"<U+{c:04X}>" for c in range(0x80, 0xA0)},  # C1 controls, CSI 0x9b included
    **_INVISIBLE,
    0x2028: "\n",
    0x2029: "\n",
}
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean(text: str | bytes, *, max_line: int | None = MAX_LINE, tab_size: int = 4) -> str:
    """Inert, printable text: nothing in it can style, move or reset a terminal.

    Bytes are decoded as UTF-8 with invalid sequences replaced by U+FFFD (as are
    lone surrogates in ``str``); CR LF and CR become newlines, tabs spaces; every
    other control character becomes its visible symbol (``␛`` for ESC,
    ``<U+009B>`` for C1 codes, ``<U+202E>`` for bidirectional overrides); lines
    longer than ``max_line`` characters are cut with a note of what was cut.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    text = _SURROGATE.sub("\ufffd", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").expandtabs(tab_size)
    text = text.translate(_TABLE)
    if max_line is None:
        return text
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if len(line) > max_line:
            lines[i] = f"{line[:max_line]}… [{len(line) - max_line:,} more characters]"
    return "\n".join(lines)


def safe_text(text: str | bytes, style: str = "", *, max_line: int | None = MAX_LINE) -> Text:
    """A rich :class:`~rich.text.Text` of :func:`clean` text (markup is never parsed)."""
    return Text(clean(text, max_line=max_line), style=style)


def one_line(text: str | bytes, limit: int = 80) -> str:
    """:func:`clean` text on one line (newlines as ``⏎``), cut to ``limit`` characters."""
    flat = clean(text, max_line=None).replace("\n", "⏎")
    return flat if len(flat) <= limit else flat[: max(limit - 1, 0)] + "…"


def fold(text: str, max_lines: int) -> tuple[str, int]:
    """The first ``max_lines`` lines of ``text`` and how many lines were left out."""
    lines = text.split("\n")
    if len(lines) <= max_lines:
        return text, 0
    return "\n".join(lines[:max_lines]), len(lines) - max_lines


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def md_text(text: str | bytes, limit: int = 200) -> str:
    """Text for one Markdown table cell: :func:`one_line`, Markdown and HTML escaped."""
    return _MD_SPECIAL.sub(r"\\\1", one_line(text, limit))


_PICTURES = re.compile("[\u2400-\u2421]")


def plot_text(text: str | bytes, limit: int = 60) -> str:
    """Text for a matplotlib label: :func:`one_line`, ``$`` escaped (no mathtext).

    Control characters show as ``?`` (plot fonts lack the control pictures).
    """
    return _PICTURES.sub("?", one_line(text, limit)).replace("$", r"\$")


__all__ = ["MAX_LINE", "clean", "fold", "md_text", "one_line", "plot_text", "safe_text"]
