"""``sociolab replay``: a transcript, episode by episode and round by round, in the terminal.

Each reply is a panel titled ``name · trait · pattern`` whose bottom line shows
the extracted answer (highlighted), a change from the agent's previous answer
(``B -> C``) and a correctness mark; each round ends with a one-line consensus
bar. All model text goes through :mod:`societies.render`, so replies print as
inert text. Colour is used only when the console is a terminal.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.rule import Rule
from rich.text import Text

from societies.analysis.decisions import Rule as DecisionRule
from societies.analysis.decisions import decide, rule_of
from societies.errors import ConfigError, TranscriptError
from societies.render import clean, fold, one_line, safe_text
from societies.transcript import (
    TRANSCRIPT,
    EndEvent,
    HeaderEvent,
    Transcript,
    TranscriptTail,
    TurnEvent,
    find_transcripts,
)

BAR_WIDTH = 12
"""Characters of the consensus bar."""
FOLD_LINES = 12
"""Lines of a reply shown unless ``--full``."""
FULL_MAX_LINE = 20_000
"""Even with ``--full``, a single line is cut after this many characters."""
FOLDED_MAX_LINE = 500


@dataclass(frozen=True)
class ReplayOptions:
    """What to show: filters (None: everything) and whether to fold long replies."""

    questions: frozenset[str] | None = None
    repeats: frozenset[int] | None = None
    agents: frozenset[str] | None = None
    rounds: frozenset[int] | None = None
    full: bool = False

    def keeps_episode(self, question_id: str, repeat: int) -> bool:
        """Whether an episode passes the question and repeat filters."""
        return (self.questions is None or question_id in self.questions) and (
            self.repeats is None or repeat in self.repeats
        )

    def keeps_round(self, rnd: int) -> bool:
        """Whether a round passes the round filter."""
        return self.rounds is None or rnd in self.rounds

    def keeps_agent(self, agent: str) -> bool:
        """Whether an agent passes the agent filter."""
        return self.agents is None or agent in self.agents


def _known(values: Iterable[object]) -> str:
    shown = [str(v) for v in values]
    more = f", … ({len(shown) - 12} more)" if len(shown) > 12 else ""
    return ", ".join(one_line(s, 80) for s in shown[:12]) + more


def check_options(header: HeaderEvent, opts: ReplayOptions) -> None:
    """Check that every filter value exists in the run.

    Raises:
        ConfigError: naming the unknown value and the known ones.
    """
    checks: list[tuple[str, frozenset[str] | frozenset[int] | None, list[object]]] = [
        ("--question", opts.questions, [q.id for q in header.questions]),
        ("--repeat", opts.repeats, list(range(header.repeats))),
        ("--agent", opts.agents, [a.name for a in header.agents]),
        ("--round", opts.rounds, list(range(len(header.rounds)))),
    ]
    problems = []
    for flag, wanted, known in checks:
        for value in sorted(wanted or (), key=str):
            if value not in known:
                problems.append(
                    f"{flag}: unknown value {one_line(str(value), 80)!r} (known: {_known(known)})"
                )
    if problems:
        raise ConfigError(problems)


def _answer(a: str | None) -> str:
    return "no answer" if a is None else one_line(a, 60)


def _mark(correct: bool) -> Text:
    return Text("✓", style="bold green") if correct else Text("✗", style="bold red")


def turn_panel(
    turn: TurnEvent,
    previous: TurnEvent | None,
    opts: ReplayOptions,
    *,
    where: str = "",
) -> Panel:
    """One reply: titled ``name · trait · pattern``, the answer line at the bottom."""
    title = safe_text(f"{where}{turn.agent} · {turn.trait} · {turn.pattern}", "bold", max_line=200)
    if opts.full:
        body_text = clean(turn.reply, max_line=FULL_MAX_LINE)
        hidden = 0
    else:
        body_text, hidden = fold(clean(turn.reply, max_line=FOLDED_MAX_LINE), FOLD_LINES)
    body = Text(body_text)
    if hidden:
        body.append(f"\n… {hidden} more lines (--full shows them)", style="dim italic")
    if turn.peers:
        body.append("\nsaw: " + ", ".join(clean(p, max_line=80) for p in turn.peers), style="dim")
    line = Text("answer ")
    if previous is not None and previous.answer != turn.answer:
        line.append(_answer(previous.answer), style="dim")
        line.append(" -> ")
    line.append(_answer(turn.answer), style="bold reverse" if turn.answer is not None else "italic")
    line.append(" ")
    line.append_text(_mark(turn.correct))
    return Panel(
        body,
        title=title,
        title_align="left",
        subtitle=line,
        subtitle_align="right",
        border_style="green" if turn.correct else "red",
    )


def consensus_bar(
    turns: Sequence[TurnEvent], n_agents: int, rule: DecisionRule, *, where: str = ""
) -> Text:
    """One line: a bar of the largest agreeing share, the count, the decision, distinct answers.

    No answer counts as one more distinct value; the bar fills in proportion to
    the agents giving the most common answer (empty when no two agree).
    """
    line = Text(f"{where}consensus ", style="bold")
    if len(turns) < n_agents:
        line.append(f"incomplete round ({len(turns)}/{n_agents} agents answered)", style="dim")
        return line
    counts = Counter(t.answer for t in turns if t.answer is not None)
    top, n_top = counts.most_common(1)[0] if counts else (None, 0)
    agreeing = n_top if n_top >= 2 or n_agents == 1 else 0
    filled = round(BAR_WIDTH * agreeing / n_agents) if n_agents else 0
    line.append("█" * filled, style="cyan")
    line.append("░" * (BAR_WIDTH - filled), style="dim")
    distinct = len({t.answer for t in turns})
    if top is None:
        line.append(" no answers")
    elif n_top < 2 <= n_agents:
        line.append(" no two agree")
    else:
        line.append(f" {n_top}/{n_agents} on ")
        line.append(_answer(top), style="bold")
    decision, correct = decide(turns, rule)
    line.append(" · decision ")
    if decision is None:
        line.append("none ", style="italic")
    else:
        line.append(_answer(decision) + " ", style="bold")
    line.append_text(_mark(correct))
    line.append(f" · {distinct} distinct")
    line.no_wrap = True
    line.overflow = "ellipsis"
    return line


@dataclass(frozen=True)
class Page:
    """One round of one episode: what ``--step`` shows at a time."""

    episode: int
    round: int
    renderable: RenderableType


def _episode_header(header: HeaderEvent, first: TurnEvent) -> RenderableType:
    q = next((q for q in header.questions if q.id == first.question_id), None)
    title = safe_text(
        f"question {first.question_id} · repeat {first.repeat} · episode {first.episode}",
        "bold",
        max_line=200,
    )
    parts: list[RenderableType] = [Rule(title, style="blue")]
    if q is not None:
        prompt, hidden = fold(clean(q.prompt, max_line=FOLDED_MAX_LINE), FOLD_LINES)
        text = Text(prompt)
        if hidden:
            text.append(f"\n… {hidden} more lines", style="dim italic")
        text.append("\ngold: ", style="dim")
        text.append(_answer(q.gold), style="bold")
        parts.append(text)
    return Group(*parts)


def pages(t: Transcript, opts: ReplayOptions, *, headers: bool = False) -> list[Page]:
    """The replay of a transcript as pages (episode x round), filters applied.

    The question heads an episode's first page, or every page with ``headers``
    (for ``--step``, where each page is shown alone).
    """
    header = t.header
    rule = _rule(header)
    by_ep: dict[int, dict[tuple[int, str], TurnEvent]] = {}
    for turn in t.turns:
        by_ep.setdefault(turn.episode, {})[(turn.round, turn.agent)] = turn
    names = [a.name for a in header.agents]
    out = []
    for ep in sorted(by_ep):
        turns = by_ep[ep]
        first = next(iter(turns.values()))
        if not opts.keeps_episode(first.question_id, first.repeat):
            continue
        rounds = sorted({r for r, _ in turns})
        head = _episode_header(header, first)
        for r in rounds:
            if not opts.keeps_round(r):
                continue
            pattern = header.rounds[r] if r < len(header.rounds) else "?"
            parts: list[RenderableType] = [
                head,
                Rule(safe_text(f"round {r} · {pattern}", max_line=100), align="left", style="dim"),
            ]
            in_round = [turns[(r, a)] for a in names if (r, a) in turns]
            for turn in in_round:
                if opts.keeps_agent(turn.agent):
                    parts.append(turn_panel(turn, turns.get((r - 1, turn.agent)), opts))
            parts.append(consensus_bar(in_round, len(names), rule))
            out.append(Page(ep, r, Group(*parts)))
            if not headers:
                head = Text()
    return out


def _rule(header: HeaderEvent) -> DecisionRule:
    return rule_of(header, header.name)


def replay(t: Transcript, console: Console, opts: ReplayOptions) -> int:
    """Print the whole replay; returns the number of pages shown."""
    check_options(t.header, opts)
    shown = pages(t, opts)
    for page in shown:
        console.print(page.renderable)
    if not shown:
        console.print(Text("nothing to replay: no turn passes the filters", style="dim"))
    return len(shown)


KeyReader = Callable[[], str]
NEXT, BACK, FIRST, LAST, QUIT = "next", "back", "first", "last", "quit"


def read_command(read_key: KeyReader) -> str:
    """Map a key (or a typed line) to next/back/first/last/quit."""
    import readchar

    k = read_key()
    if k in ("q", "Q", readchar.key.ESC, readchar.key.CTRL_C, readchar.key.CTRL_D, "\x00eof"):
        return QUIT
    if k in ("p", "b", "k", readchar.key.LEFT, readchar.key.UP, readchar.key.BACKSPACE):
        return BACK
    if k in ("g", readchar.key.HOME):
        return FIRST
    if k in ("G", readchar.key.END):
        return LAST
    return NEXT


def line_reader() -> str:
    """A key reader for a non-terminal stdin: one typed line per command."""
    try:
        return input().strip() or "n"
    except EOFError:
        return "\x00eof"


def step(shown: Sequence[Page], console: Console, read_key: KeyReader | None = None) -> int:
    """Show one page at a time; keys: n/→/space next, p/←/b back, g first, G last, q quit.

    Returns the number of page views.
    """
    if read_key is None:
        import readchar

        read_key = readchar.readkey if sys.stdin.isatty() else line_reader
    if not shown:
        console.print(Text("nothing to replay: no turn passes the filters", style="dim"))
        return 0
    i, views = 0, 0
    while True:
        if console.is_terminal:
            console.clear()
        console.print(shown[i].renderable)
        views += 1
        console.print(
            Text(
                f"[{i + 1}/{len(shown)}] n/→ next · p/← back · g first · G last · q quit",
                style="dim",
            )
        )
        cmd = read_command(read_key)
        if cmd == QUIT or (cmd == NEXT and i == len(shown) - 1):
            return views
        i = {NEXT: i + 1, BACK: max(i - 1, 0), FIRST: 0, LAST: len(shown) - 1}[cmd]


def follow(
    path: Path,
    console: Console,
    opts: ReplayOptions,
    *,
    poll_s: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
    stop: Callable[[], bool] | None = None,
) -> EndEvent | None:
    """Print turns as a running experiment appends them, until its ``end`` event.

    Turns of concurrent episodes interleave, so each panel is prefixed with its
    question, repeat and round; a round's consensus bar follows its last turn.
    Returns the end event, or None when ``stop`` returned True first.
    """
    tail = TranscriptTail(path)
    header: HeaderEvent | None = None
    rule: DecisionRule | None = None
    turns: dict[int, dict[tuple[int, str], TurnEvent]] = {}
    if not path.exists():
        console.print(Text(f"waiting for {clean(str(path), max_line=300)} …", style="dim"))
    while True:
        for ev in tail.poll():
            if isinstance(ev, HeaderEvent):
                header, rule = ev, _rule(ev)
                check_options(ev, opts)
                console.print(
                    safe_text(
                        f"following {ev.name}: {len(ev.agents)} agents, rounds "
                        f"{', '.join(ev.rounds)}, {len(ev.questions)} questions x {ev.repeats} repeats",
                        "bold",
                    )
                )
            elif isinstance(ev, TurnEvent) and header is not None and rule is not None:
                ep = turns.setdefault(ev.episode, {})
                ep[(ev.round, ev.agent)] = ev
                if not (
                    opts.keeps_episode(ev.question_id, ev.repeat) and opts.keeps_round(ev.round)
                ):
                    continue
                where = f"{ev.question_id} · rep {ev.repeat} · round {ev.round} · "
                if opts.keeps_agent(ev.agent):
                    console.print(
                        turn_panel(ev, ep.get((ev.round - 1, ev.agent)), opts, where=where)
                    )
                in_round = [
                    ep[(ev.round, a.name)] for a in header.agents if (ev.round, a.name) in ep
                ]
                if len(in_round) == len(header.agents):
                    bar = consensus_bar(in_round, len(header.agents), rule, where=where)
                    console.print(bar, no_wrap=True, overflow="ellipsis")
            elif isinstance(ev, EndEvent):
                console.print(
                    safe_text(f"run {ev.status}: {ev.episodes} episodes, {ev.turns} turns", "bold")
                )
                return ev
        if stop is not None and stop():
            return None
        sleep(poll_s)


def resolve_transcript(path: Path, *, must_exist: bool = True) -> Path:
    """The transcript a replay reads: the file itself, or the one in a run folder.

    With ``must_exist`` False (``--follow``), a path that is not a file yet is
    taken as the transcript when it ends in ``.jsonl``, else as its run folder.

    Raises:
        TranscriptError: no transcript there, or a sweep folder with several.
    """
    if not must_exist and not path.is_file():
        return path if path.suffix == ".jsonl" else path / TRANSCRIPT
    found = find_transcripts([path])
    if len(found) > 1:
        raise TranscriptError(f"{path}: holds {len(found)} transcripts; name one (e.g. {found[0]})")
    return found[0]


__all__ = [
    "Page",
    "ReplayOptions",
    "check_options",
    "consensus_bar",
    "follow",
    "line_reader",
    "pages",
    "read_command",
    "replay",
    "resolve_transcript",
    "step",
    "turn_panel",
]
