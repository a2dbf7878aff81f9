"""A replay as pages (one round of one episode each) and the ways to move between them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

from rich.console import Group, RenderableType
from rich.text import Text

from societies.cli.replay.filters import ReplayOptions, keeps
from societies.cli.replay.render import closing_line, episode_header, round_rule, turn_panel
from societies.cli.replay.story import EpisodeStory, RoundStory, Story


@dataclass(frozen=True)
class Page:
    """One round of one episode: what the interactive view shows at a time.

    Drawn only when shown (``renderable``), so filtering a long run stays quick.
    """

    episode: int
    round: int
    question_id: str
    draw: Callable[[], RenderableType] = field(repr=False, compare=False)

    @property
    def renderable(self) -> RenderableType:
        """The page, drawn now."""
        return self.draw()


def render_round(
    story: Story, ep: EpisodeStory, rnd: RoundStory, opts: ReplayOptions, *, head: bool
) -> RenderableType:
    """A round: the episode's header (when ``head``), the round's rule, its panels, its closing line."""
    parts: list[RenderableType] = [episode_header(ep, story, opts)] if head else []
    parts.append(round_rule(rnd, story))
    parts += [turn_panel(s, opts, story) for s in rnd.turns if opts.keeps_agent(s.turn.agent)]
    parts.append(closing_line(rnd, story))
    return Group(*parts)


def _draw(
    story: Story, ep: EpisodeStory, rnd: RoundStory, opts: ReplayOptions, *, head: bool, gap: bool
) -> RenderableType:
    shown = render_round(story, ep, rnd, opts, head=head)
    return Group(Text(), shown) if gap else shown


def pages(story: Story, opts: ReplayOptions, *, headers: bool = False) -> list[Page]:
    """The replay as pages (episode x round), selections and filters applied.

    The question heads an episode's first shown page, or every page with
    ``headers`` (for the interactive view, where each page is shown alone).
    """
    out: list[Page] = []
    for ep in story.episodes:
        head = True
        for rnd in ep.rounds:
            if not keeps(ep, rnd, opts):
                continue
            gap = bool(out) and not head and not headers  # a blank line between rounds
            draw = partial(_draw, story, ep, rnd, opts, head=head or headers, gap=gap)
            out.append(Page(ep.episode, rnd.round, ep.question_id, draw))
            head = False
    return out


def nearest(shown: Sequence[Page], episode: int, rnd: int) -> int:
    """The index of the page at (episode, round), else the first after it, else the last."""
    for i, p in enumerate(shown):
        if (p.episode, p.round) >= (episode, rnd):
            return i
    return max(len(shown) - 1, 0)


def next_episode(shown: Sequence[Page], i: int) -> int:
    """The first page of the next episode (the same page when there is none)."""
    for j in range(i + 1, len(shown)):
        if shown[j].episode != shown[i].episode:
            return j
    return i


def previous_episode(shown: Sequence[Page], i: int) -> int:
    """The first page of the previous episode, or of this one when ``i`` is not its first page."""
    if not shown:
        return i
    start = i
    while start > 0 and shown[start - 1].episode == shown[i].episode:
        start -= 1
    if start < i:
        return start
    if start == 0:
        return 0
    j = start - 1
    while j > 0 and shown[j - 1].episode == shown[start - 1].episode:
        j -= 1
    return j


def find(shown: Sequence[Page], target: str) -> int | None:
    """The first page of an episode number or a question id (tried in that order); None: neither."""
    target = target.strip()
    if target.isdigit():
        for i, p in enumerate(shown):
            if p.episode == int(target):
                return i
    for i, p in enumerate(shown):
        if p.question_id == target:
            return i
    return None


__all__ = ["Page", "find", "nearest", "next_episode", "pages", "previous_episode", "render_round"]
