"""``replay --follow``: print turns as a running experiment appends them, until its end.

Turns of concurrent episodes interleave, so each panel is prefixed with its
question, repeat and round; a round's closing line follows its last turn. With
a filter on, a round is printed whole once it is complete and passes it.
Between turns the view says how far the run is: ``waiting for turns (30/36)``
(a spinner line in a terminal; elsewhere one line each time the count moved).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.status import Status
from rich.text import Text

from societies.analysis.decisions import Rule, rule_of
from societies.analysis.scoring import truncated_mode
from societies.cli.replay.filters import ReplayOptions, check_options, keeps
from societies.cli.replay.render import closing_line, turn_panel
from societies.cli.replay.story import (
    EpisodeStory,
    RoundStory,
    Story,
    is_coalition_run,
    round_story,
)
from societies.render import clean, safe_text
from societies.transcript import EndEvent, HeaderEvent, TranscriptTail, TurnEvent


class _Following:
    """What has been seen of the run so far, and how to print a new turn."""

    def __init__(self, header: HeaderEvent, console: Console, opts: ReplayOptions) -> None:
        self.header, self.console, self.opts = header, console, opts
        self.rule: Rule = rule_of(header, header.name)
        self.story = Story(header, (), is_coalition_run(header), truncated_mode(header), 0)
        self.turns: dict[int, dict[tuple[int, str], TurnEvent]] = {}

    @property
    def recorded(self) -> int:
        """Distinct turns recorded so far."""
        return sum(len(ep) for ep in self.turns.values())

    def waiting(self) -> str:
        """``waiting for turns (30/36)``."""
        return f"waiting for turns ({self.recorded}/{self.story.turns_planned})"

    def add(self, ev: TurnEvent) -> None:
        """Record a turn and print it (and its round's closing line once the round is complete).

        With a filter on (wrong, changed, conformity, search) a round can only be
        judged whole, so its turns are printed together once it is complete and kept.
        """
        ep = self.turns.setdefault(ev.episode, {})
        ep[(ev.round, ev.agent)] = ev
        opts = self.opts
        if not (
            opts.keeps_episode(ev.question_id, ev.repeat, ev.episode) and opts.keeps_round(ev.round)
        ):
            return
        where = f"{ev.question_id} · rep {ev.repeat} · round {ev.round} · "
        chained = not self.story.coalition
        rnd = round_story(self.header, ep, ev.round, self.rule, self.story.scoring, chained=chained)
        if opts.filtering:
            if not (rnd.complete and keeps(self._episode(ev, rnd), rnd, opts)):
                return
            shown = [s for s in rnd.turns if opts.keeps_agent(s.turn.agent)]
        else:
            shown = [
                s for s in rnd.turns if s.turn.agent == ev.agent and opts.keeps_agent(ev.agent)
            ]
        for s in shown:
            self.console.print(turn_panel(s, opts, self.story, where=where))
        if rnd.complete:
            line = closing_line(rnd, self.story, where=where)
            self.console.print(line, no_wrap=True, overflow="ellipsis")

    def _episode(self, ev: TurnEvent, rnd: RoundStory) -> EpisodeStory:
        question = next((q for q in self.header.questions if q.id == ev.question_id), None)
        return EpisodeStory(ev.episode, ev.question_id, ev.repeat, question, (rnd,))


def _announce(ev: HeaderEvent, console: Console) -> None:
    console.print(
        safe_text(
            f"following {ev.name}: {len(ev.agents)} agents, rounds "
            f"{', '.join(ev.rounds)}, {len(ev.questions)} questions x {ev.repeats} repeats",
            "bold",
        )
    )


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

    Returns the end event, or None when ``stop`` returned True first.
    """
    tail = TranscriptTail(path)
    run: _Following | None = None
    status: Status | None = None
    said = ""  # the last waiting line printed (non-terminal consoles)
    if not path.exists():
        console.print(Text(f"waiting for {clean(str(path), max_line=300)} …", style="dim"))
    try:
        while True:
            events = list(tail.poll())
            for ev in events:
                if isinstance(ev, HeaderEvent):
                    check_options(ev, opts)
                    run = _Following(ev, console, opts)
                    _announce(ev, console)
                elif isinstance(ev, TurnEvent) and run is not None:
                    run.add(ev)
                elif isinstance(ev, EndEvent):
                    console.print(
                        safe_text(
                            f"run {ev.status}: {ev.episodes} episodes, {ev.turns} turns", "bold"
                        )
                    )
                    return ev
            if run is not None:
                if console.is_terminal:
                    if status is None:
                        status = console.status(run.waiting(), spinner="dots")
                        status.start()
                    status.update(run.waiting())
                elif not events and run.waiting() != said:
                    said = run.waiting()
                    console.print(Text(f"{said} …", style="dim"))
            if stop is not None and stop():
                return None
            sleep(poll_s)
    finally:
        if status is not None:
            status.stop()


__all__ = ["follow"]
