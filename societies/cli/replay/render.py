"""Rich renderables of a replay: the question, each turn's panel, a round's closing line.

A turn is a panel titled ``name · trait · pattern`` (in a coalition run:
``coalition · stage -> member``). Its body holds, when asked, the messages sent
and what each peer said in the round the agent saw it, then the reply, then one
dim line: finish reason, how the answer was read, whether it conformed to
the majority it saw; a coalition stage adds its route (member, skill, why). The bottom border carries the answer (a change shows as
``B -> C``), a correctness mark and visible warnings: ``⚠ truncated`` for a
reply cut at the token limit, ``⚠ fallback`` for an answer read by a last-resort
rule. All model text goes through :mod:`societies.render`, so it prints inert.
"""

from __future__ import annotations

from collections import Counter

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.rule import Rule
from rich.text import Text

from societies.cli.replay.filters import ReplayOptions
from societies.cli.replay.story import EpisodeStory, RoundStory, Story, TurnStory
from societies.render import clean, fold, one_line, safe_text
from societies.transcript import COALITION, RouteRecord

BAR_WIDTH = 12
"""Characters of the consensus bar."""
FOLD_LINES = 12
"""Lines of a reply shown unless ``--full``."""
PEER_LINES = 6
"""Lines of a peer's reply shown unless ``--full``."""
FULL_MAX_LINE = 20_000
"""Even with ``--full``, a single line is cut after this many characters."""
FOLDED_MAX_LINE = 500
SHOW_ALL = " (--full / key e shows them)"
LETTERS = "ABCDEFGHIJ"


def answer_text(a: str | None) -> str:
    """An answer for display: ``no answer`` for None, else one line."""
    return "no answer" if a is None else one_line(a, 60)


def mark(correct: bool) -> Text:
    """✓ or ✗."""
    return Text("✓", style="bold green") if correct else Text("✗", style="bold red")


def _folded(text: str, lines: int, opts: ReplayOptions, hint: str = SHOW_ALL) -> Text:
    if opts.full:
        return Text(clean(text, max_line=FULL_MAX_LINE))
    body, hidden = fold(clean(text, max_line=FOLDED_MAX_LINE), lines)
    out = Text(body)
    if hidden:
        out.append(f"\n… {hidden} more lines{hint}", style="dim italic")
    return out


def _section(title: str) -> Text:
    return Text(f"▸ {title}", style="bold dim")


def _indented(text: Text) -> Padding:
    return Padding(text, (0, 0, 0, 2))


def _messages(s: TurnStory, opts: ReplayOptions) -> list[RenderableType]:
    n = len(s.turn.messages)
    out: list[RenderableType] = [_section(f"sent: {n} message{'s' if n != 1 else ''}")]
    for m in s.turn.messages:
        out.append(Text(f"[{m.role}]", style="cyan"))
        out.append(_indented(_folded(m.content, FOLD_LINES, opts)))
    return out


def _peers(s: TurnStory, opts: ReplayOptions) -> list[RenderableType]:
    if not s.turn.peers:
        return [_section("saw no peers' replies")]
    out: list[RenderableType] = [_section(f"peers' replies it saw (round {s.turn.round - 1})")]
    for p in s.peers:
        head = Text(clean(p.agent, max_line=80), style="bold")
        head.append(f" (answer {answer_text(p.answer)})", style="dim")
        out += [head, _indented(_folded(p.reply, PEER_LINES, opts))]
    missing = [p for p in s.turn.peers if p not in {t.agent for t in s.peers}]
    if missing:
        names = ", ".join(clean(p, max_line=80) for p in missing)
        out.append(Text(f"(not recorded: {names})", style="dim"))
    return out


def _route(r: RouteRecord) -> str:
    facts = [f"policy {r.policy}", f"category {r.category}"]
    if r.accuracy is not None:
        facts.append(f"skill accuracy {r.accuracy:.0%}")
    if r.tokens is not None:
        facts.append(f"{r.tokens:,.0f} tokens/call")
    return f"route -> {r.member} ({', '.join(facts)}): {r.reason}"


def _facts(s: TurnStory) -> Text:
    """The dim line under a reply: finish reason, extraction, conformity."""
    t = s.turn
    finish, method = clean(t.finish_reason, max_line=80), clean(t.extraction, max_line=80)
    out = Text(f"finish {finish} · extraction {method}", style="dim")
    if s.fallback:
        out.append(" (fallback)", style="yellow")
    if s.conformity is not None:
        out.append(f" · conforms to the majority ({s.conformity})", style="magenta")
    return out


def _answer_line(s: TurnStory, scoring_note: bool) -> Text:
    line = Text("answer ")
    if s.previous is not None and s.changed:
        line.append(answer_text(s.previous.answer), style="dim")
        line.append(" -> ")
    a = s.turn.answer
    line.append(answer_text(a), style="bold reverse" if a is not None else "italic")
    line.append(" ")
    line.append_text(mark(s.counted.correct))
    if s.truncated:
        line.append(" ⚠ truncated", style="bold yellow")
        if scoring_note and a is not None:
            line.append(" (counted as no answer)", style="yellow")
    if s.fallback:
        line.append(" ⚠ fallback", style="bold yellow")
    return line


def turn_panel(s: TurnStory, opts: ReplayOptions, story: Story, *, where: str = "") -> Panel:
    """One turn: what was sent and seen (when asked), the reply, its facts and answer."""
    t = s.turn
    if t.agent == COALITION and t.route is not None:
        head = f"{where}{t.agent} · {t.pattern} -> {t.route.member}"
    else:
        head = f"{where}{t.agent} · {t.trait} · {t.pattern}"
    parts: list[RenderableType] = []
    if opts.messages:
        parts += _messages(s, opts)
    if opts.peers:
        parts += _peers(s, opts)
    if opts.messages or opts.peers:
        parts.append(_section("reply"))
    reply = _folded(t.reply, FOLD_LINES, opts)
    if t.peers and not opts.peers:
        reply.append("\nsaw: " + ", ".join(clean(p, max_line=80) for p in t.peers), style="dim")
    parts += [reply, _facts(s)]
    if t.route is not None:
        parts.append(Text(clean(_route(t.route), max_line=FOLDED_MAX_LINE), style="dim"))
    if opts.search:
        for part in parts:
            if isinstance(part, Padding) and isinstance(part.renderable, Text):
                part = part.renderable
            if isinstance(part, Text):
                part.highlight_words([opts.search], style="black on yellow", case_sensitive=False)
    body = Group(*parts)
    return Panel(
        body,
        title=safe_text(head, "bold", max_line=200),
        title_align="left",
        subtitle=_answer_line(s, story.scoring == "no-answer"),
        subtitle_align="right",
        border_style="green" if s.counted.correct else "red",
    )


def _doubts(rnd: RoundStory) -> Text:
    """`` ⚠ 3 truncated, 3 fallback`` when the round's answers stand on such replies, else empty."""
    truncated = sum(s.truncated for s in rnd.turns)
    fallback = sum(s.fallback for s in rnd.turns)
    parts = [f"{truncated} truncated"] * bool(truncated) + [f"{fallback} fallback"] * bool(fallback)
    return Text(f" ⚠ {', '.join(parts)}" if parts else "", style="bold yellow")


def consensus_bar(rnd: RoundStory, *, where: str = "") -> Text:
    """One line: a bar of the largest agreeing share, the count, the decision, distinct answers.

    No answer counts as one more distinct value; the bar fills in proportion to
    the agents giving the most common answer (empty when no two agree). When some
    answers come from truncated replies or fallback rules, the count says how many
    (``3/3 on 8 ⚠ 3 truncated, 3 fallback``), so an agreement on garbage shows as such.
    """
    line = Text(f"{where}consensus ", style="bold")
    n_agents = rnd.n_agents
    answers = [s.counted.answer for s in rnd.turns]
    if not rnd.complete:
        line.append(f"incomplete round ({len(answers)}/{n_agents} agents answered)", style="dim")
        return line
    counts = Counter(a for a in answers if a is not None)
    top, n_top = counts.most_common(1)[0] if counts else (None, 0)
    agreeing = n_top if n_top >= 2 or n_agents == 1 else 0
    filled = round(BAR_WIDTH * agreeing / n_agents) if n_agents else 0
    line.append("█" * filled, style="cyan")
    line.append("░" * (BAR_WIDTH - filled), style="dim")
    if top is None:
        line.append(" no answers")
    elif n_top < 2 <= n_agents:
        line.append(" no two agree")
    else:
        line.append(f" {n_top}/{n_agents} on ")
        line.append(answer_text(top), style="bold")
    line.append_text(_doubts(rnd))
    line.append(" · decision ")
    if rnd.decision is None:
        line.append("none ", style="italic")
    else:
        line.append(answer_text(rnd.decision) + " ", style="bold")
    line.append_text(mark(rnd.decision_correct))
    line.append(f" · {len(set(answers))} distinct")
    line.no_wrap = True
    line.overflow = "ellipsis"
    return line


def coalition_line(rnd: RoundStory, *, where: str = "") -> Text:
    """A coalition stage's closing line: the coalition's answer, then each member alone."""
    line = Text(f"{where}stage answers ", style="bold")
    for i, s in enumerate(rnd.turns):
        if i:
            line.append(" · ")
        name = "coalition" if s.turn.agent == COALITION else f"{s.turn.agent} alone"
        line.append(f"{clean(name, max_line=80)} ")
        line.append(answer_text(s.counted.answer), style="bold")
        line.append(" ")
        line.append_text(mark(s.counted.correct))
    line.no_wrap = True
    line.overflow = "ellipsis"
    return line


def closing_line(rnd: RoundStory, story: Story, *, where: str = "") -> Text:
    """A round's last line: the consensus bar, or a coalition stage's answers."""
    return coalition_line(rnd, where=where) if story.coalition else consensus_bar(rnd, where=where)


def round_rule(rnd: RoundStory, story: Story) -> Rule:
    """The line that opens a round (``stage k · name`` in a coalition run)."""
    word = "stage" if story.coalition else "round"
    return Rule(
        safe_text(f"{word} {rnd.round} · {rnd.pattern}", max_line=100), align="left", style="dim"
    )


def _route_plan(ep: EpisodeStory) -> Text | None:
    routed = [
        s.turn for rnd in ep.rounds for s in rnd.turns if s.turn.agent == COALITION and s.turn.route
    ]
    if not routed:
        return None
    steps = " · ".join(f"{t.pattern} -> {t.route.member}" for t in routed if t.route is not None)
    return Text(clean(f"route: {steps}", max_line=FOLDED_MAX_LINE), style="dim")


def episode_header(
    ep: EpisodeStory, story: Story, opts: ReplayOptions | None = None
) -> RenderableType:
    """The episode's title, its question with the options, the gold answer (and coalition route)."""
    title = f"question {ep.question_id} · repeat {ep.repeat} · episode {ep.episode}"
    parts: list[RenderableType] = [Rule(safe_text(title, "bold", max_line=200), style="blue")]
    q = ep.question
    if q is not None:
        text = _folded(q.prompt, FOLD_LINES, opts or ReplayOptions())
        for i, choice in enumerate(q.choices or ()):
            letter = LETTERS[i] if i < len(LETTERS) else str(i)
            text.append(f"\n({letter}) ", style="bold")
            text.append(one_line(choice, 200))
        text.append("\ngold: ", style="dim")
        text.append(answer_text(q.gold), style="bold")
        if q.choices and q.gold in LETTERS[: len(q.choices)]:
            text.append(f" ({one_line(q.choices[LETTERS.index(q.gold)], 80)})", style="dim")
        parts.append(text)
    route = _route_plan(ep) if story.coalition else None
    if route is not None:
        parts.append(route)
    return Group(*parts)


__all__ = [
    "BAR_WIDTH",
    "FOLD_LINES",
    "answer_text",
    "closing_line",
    "coalition_line",
    "consensus_bar",
    "episode_header",
    "mark",
    "round_rule",
    "turn_panel",
]
