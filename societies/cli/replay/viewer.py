"""The interactive view (``replay --step``): one round per screen, keys to move, filter and unfold.

Keys are listed in :mod:`societies.cli.replay.keys`. A toggle or a filter
rebuilds the pages and stays on the same round, or the first kept one after it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from societies.cli.replay.filters import ReplayOptions
from societies.cli.replay.keys import (
    FOOTER,
    HELP,
    Command,
    KeyReader,
    command_of,
    line_reader,
    read_text,
)
from societies.cli.replay.pages import Page, find, nearest, next_episode, pages, previous_episode
from societies.cli.replay.story import Story
from societies.render import one_line

NOTHING = "nothing to replay: no turn passes the filters"

_TOGGLES = {
    Command.MESSAGES: "messages",
    Command.PEERS: "peers",
    Command.FULL: "full",
    Command.WRONG: "wrong",
    Command.CHANGED: "changed",
    Command.CONFORMITY: "conformity",
}


@dataclass
class _View:
    """The view's state: the options in force, the pages they give, where we are, a note."""

    story: Story
    opts: ReplayOptions
    shown: list[Page]
    i: int = 0
    note: str = ""

    def rebuild(self, opts: ReplayOptions) -> None:
        """Apply new options, staying on the current round or the nearest kept one after it."""
        here = (self.shown[self.i].episode, self.shown[self.i].round) if self.shown else (0, 0)
        self.opts = opts
        self.shown = pages(self.story, opts, headers=True)
        self.i = nearest(self.shown, *here)

    def status(self) -> Text:
        """``[i/n] episode e · round r`` and what is filtered or unfolded."""
        if self.shown:
            p = self.shown[self.i]
            line = Text(f"[{self.i + 1}/{len(self.shown)}] episode {p.episode} · round {p.round}")
        else:
            line = Text(f"[0/0] {NOTHING}")
        filters = self.opts.describe()
        if filters:
            line.append(f" · filters: {filters}", style="bold yellow")
        unfolded = [n for n in ("messages", "peers", "full") if getattr(self.opts, n)]
        if unfolded:
            line.append(f" · showing {', '.join(unfolded)}", style="cyan")
        if self.note:
            line.append(f" · {self.note}", style="bold")
        return line


def _ask(console: Console, prompt: str, read_key: KeyReader, lines: bool) -> str | None:
    console.print(Text(prompt, style="bold"), end="")

    def echo(s: str) -> None:
        console.file.write(s)
        console.file.flush()

    answer = read_text(read_key, echo, lines=lines)
    console.print()
    return answer


def _jump(v: _View, target: str | None) -> None:
    if not target:
        return
    found = find(v.shown, target)
    if found is not None:
        v.i = found
        return
    t = target.strip()
    known = any(str(ep.episode) == t or ep.question_id == t for ep in v.story.episodes)
    why = "hidden by the filters or selections" if known else "no such question or episode"
    v.note = f"{one_line(target, 40)!r}: {why}"


def _help(console: Console) -> None:
    table = Table(title="replay keys", title_justify="left", show_header=False, box=None)
    for keys, cmd in HELP:
        table.add_row(Text(keys, style="bold"), cmd.value)
    console.print(table)
    console.print(Text("any key goes back", style="dim"))


def _move(v: _View, cmd: Command) -> None:
    last = len(v.shown) - 1
    moves: dict[Command, Callable[[], int]] = {
        Command.NEXT: lambda: min(v.i + 1, last),
        Command.BACK: lambda: max(v.i - 1, 0),
        Command.FIRST: lambda: 0,
        Command.LAST: lambda: max(last, 0),
        Command.NEXT_EPISODE: lambda: next_episode(v.shown, v.i),
        Command.PREVIOUS_EPISODE: lambda: previous_episode(v.shown, v.i),
    }
    v.i = moves[cmd]()


def step(
    story: Story,
    console: Console,
    opts: ReplayOptions,
    read_key: KeyReader | None = None,
    *,
    lines: bool | None = None,
) -> int:
    """Show one round at a time until ``q`` (or ``n`` on the last page); returns the screens shown.

    Args:
        story: the replay's story.
        console: where to draw.
        opts: the options to start with.
        read_key: the key reader (default: single keys in a terminal, else typed lines).
        lines: whether ``read_key`` returns whole typed lines (default: when stdin is
            not a terminal and no reader is given).
    """
    if read_key is None:
        import readchar

        tty = sys.stdin.isatty()
        read_key = readchar.readkey if tty else line_reader
        lines = not tty if lines is None else lines
    v = _View(story, opts, pages(story, opts, headers=True))
    if not v.shown and not opts.filtering:
        console.print(Text(NOTHING, style="dim"))
        return 0
    views = 0
    while True:
        _draw(v, console)
        views += 1
        cmd = command_of(read_key())
        if cmd is Command.QUIT or (cmd is Command.NEXT and v.i >= len(v.shown) - 1):
            return views
        _handle(v, cmd, console, read_key, bool(lines))


def _draw(v: _View, console: Console) -> None:
    """One screen: the page, the status line, the keys."""
    if console.is_terminal:
        console.clear()
    if v.shown:
        console.print(v.shown[v.i].renderable)
    console.print(v.status())
    for line in FOOTER:
        console.print(Text(line, style="dim"), no_wrap=True, overflow="ellipsis")
    v.note = ""


def _handle(
    v: _View, cmd: Command | None, console: Console, read_key: KeyReader, lines: bool
) -> None:
    """Carry out every command but quitting."""
    if cmd is None:
        v.note = "unknown key (? shows the keys)"
    elif cmd in _TOGGLES:
        name = _TOGGLES[cmd]
        flipped: dict[str, Any] = {name: not getattr(v.opts, name)}
        v.rebuild(replace(v.opts, **flipped))
    elif cmd is Command.CLEAR:
        v.rebuild(replace(v.opts, wrong=False, changed=False, conformity=False, search=""))
    elif cmd is Command.SEARCH:
        text = _ask(console, "search: ", read_key, lines)
        if text is not None:
            v.rebuild(replace(v.opts, search=text.strip()))
    elif cmd is Command.JUMP:
        _jump(v, _ask(console, "jump to (question id or episode number): ", read_key, lines))
    elif cmd is Command.HELP:
        _help(console)
        read_key()
    elif v.shown:
        _move(v, cmd)


__all__ = ["NOTHING", "step"]
