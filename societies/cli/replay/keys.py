"""The interactive view's keys: what each key does, and reading keys or typed lines.

In a terminal keys are read one at a time (readchar); when stdin is not a
terminal (a pipe, a test) each typed line is one key, and a line longer than
one character after ``j`` or ``/`` is the typed target or search text.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

KeyReader = Callable[[], str]
"""Returns the next key (or typed line); ``EOF`` at the end of input."""

EOF = "\x00eof"


class Command(Enum):
    """What a key asks the interactive view to do."""

    NEXT = "next page"
    BACK = "previous page"
    FIRST = "first page"
    LAST = "last page"
    NEXT_EPISODE = "next question"
    PREVIOUS_EPISODE = "previous question"
    JUMP = "jump to a question id or episode number"
    SEARCH = "search text (empty: clear)"
    MESSAGES = "toggle the messages sent"
    PEERS = "toggle the peers' replies"
    FULL = "toggle long texts in full"
    WRONG = "filter: only wrong decisions"
    CHANGED = "filter: only changed answers"
    CONFORMITY = "filter: only conformity events"
    CLEAR = "clear every filter"
    HELP = "show the keys"
    QUIT = "quit"


def _keys() -> dict[str, Command]:
    import readchar

    k = readchar.key
    table: dict[Command, tuple[str, ...]] = {
        Command.QUIT: ("q", "Q", k.ESC, k.CTRL_C, k.CTRL_D, EOF),
        Command.NEXT: ("n", " ", k.RIGHT, k.DOWN, k.ENTER, k.CR, k.LF, ""),
        Command.BACK: ("b", k.LEFT, k.UP, k.BACKSPACE),
        Command.FIRST: ("g", k.HOME),
        Command.LAST: ("G", k.END),
        Command.NEXT_EPISODE: ("]", k.PAGE_DOWN),
        Command.PREVIOUS_EPISODE: ("[", k.PAGE_UP),
        Command.JUMP: ("j",),
        Command.SEARCH: ("/",),
        Command.MESSAGES: ("m",),
        Command.PEERS: ("p",),
        Command.FULL: ("e",),
        Command.WRONG: ("w",),
        Command.CHANGED: ("c",),
        Command.CONFORMITY: ("f",),
        Command.CLEAR: ("x",),
        Command.HELP: ("?", "h"),
    }
    return {key: cmd for cmd, keys in table.items() for key in keys}


FOOTER = (
    "n/→ next · b/← back · ]/[ next/previous question · j jump · g/G first/last · q quit",
    "m messages · p peers · e full · w wrong · c changed · f conformity · / search · x clear"
    " · ? keys",
)
"""The two-line reminder under each page."""

HELP = [
    ("n → space enter", Command.NEXT),
    ("b ← backspace", Command.BACK),
    ("g Home", Command.FIRST),
    ("G End", Command.LAST),
    ("] PgDn", Command.NEXT_EPISODE),
    ("[ PgUp", Command.PREVIOUS_EPISODE),
    ("j", Command.JUMP),
    ("/", Command.SEARCH),
    ("m", Command.MESSAGES),
    ("p", Command.PEERS),
    ("e", Command.FULL),
    ("w", Command.WRONG),
    ("c", Command.CHANGED),
    ("f", Command.CONFORMITY),
    ("x", Command.CLEAR),
    ("q Esc", Command.QUIT),
]
"""Keys and what they do, for the ``?`` screen."""


def command_of(key: str) -> Command | None:
    """The command a key stands for; None for a key that means nothing."""
    return _keys().get(key)


def line_reader() -> str:
    """A key reader for a non-terminal stdin: one typed line per key."""
    try:
        return input().strip()
    except EOFError:
        return EOF


def read_text(
    read_key: KeyReader, echo: Callable[[str], None], *, lines: bool = False
) -> str | None:
    """Read typed text up to Enter; None when cancelled (Esc, Ctrl-C, end of input).

    With ``lines`` the key reader returns whole lines (:func:`line_reader`): the
    next one is the text.
    """
    import readchar

    k = readchar.key
    typed = ""
    while True:
        key = read_key()
        if key in (k.ESC, k.CTRL_C, k.CTRL_D, EOF):
            return None
        if lines:
            return key
        if key in (k.ENTER, k.CR, k.LF, ""):
            return typed
        if key in (k.BACKSPACE, "\x08"):
            if typed:
                typed = typed[:-1]
                echo("\b \b")
        elif key.isprintable():
            typed += key
            echo(key)


__all__ = [
    "EOF",
    "FOOTER",
    "HELP",
    "Command",
    "KeyReader",
    "command_of",
    "line_reader",
    "read_text",
]
