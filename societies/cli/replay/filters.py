"""What a replay shows: the options (selections, filters, what to unfold) and their checks.

Selections (question, repeat, episode, agent, round) pick episodes, rounds and
panels by name. Filters keep a round when something in it is of interest:
``wrong`` its society decision is wrong (or none), ``changed`` an agent changed
its answer, ``conformity`` a turn conformed to the majority it saw, ``search`` a
reply, answer or the question holds the text (case-insensitive). Filters combine
with "and", and ``changed`` with ``conformity`` on one turn: both together keep a
round where an agent changed its answer to join the majority. A kept round is
shown whole, so the turn of interest keeps its context.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from societies.cli.replay.story import EpisodeStory, RoundStory, TurnStory
from societies.errors import ConfigError
from societies.render import one_line
from societies.transcript import HeaderEvent


@dataclass(frozen=True)
class ReplayOptions:
    """What to show: selections (None: everything), filters, and what to unfold.

    Attributes:
        questions, repeats, episodes, agents, rounds: only these (None: all).
        wrong: only rounds whose society decision is wrong or missing.
        changed: only rounds where an agent changed its answer.
        conformity: only rounds with a turn that conformed to the majority it saw.
        search: only rounds whose replies, answers or question hold this text.
        messages: show the messages sent with each turn.
        peers: show what each peer said in the round the agent saw it.
        full: show long texts in full (else folded).
    """

    questions: frozenset[str] | None = None
    repeats: frozenset[int] | None = None
    agents: frozenset[str] | None = None
    rounds: frozenset[int] | None = None
    episodes: frozenset[int] | None = None
    wrong: bool = False
    changed: bool = False
    conformity: bool = False
    search: str = ""
    messages: bool = False
    peers: bool = False
    full: bool = False

    def keeps_episode(self, question_id: str, repeat: int, episode: int | None = None) -> bool:
        """Whether an episode passes the question, repeat and episode selections."""
        return (
            (self.questions is None or question_id in self.questions)
            and (self.repeats is None or repeat in self.repeats)
            and (self.episodes is None or episode is None or episode in self.episodes)
        )

    def keeps_round(self, rnd: int) -> bool:
        """Whether a round passes the round selection."""
        return self.rounds is None or rnd in self.rounds

    def keeps_agent(self, agent: str) -> bool:
        """Whether an agent passes the agent selection."""
        return self.agents is None or agent in self.agents

    @property
    def filtering(self) -> bool:
        """Whether any filter (not a selection) is on."""
        return self.wrong or self.changed or self.conformity or bool(self.search)

    def describe(self) -> str:
        """The filters that are on, e.g. ``wrong · changed · "paris"`` (empty when none)."""
        on = [name for name in ("wrong", "changed", "conformity") if getattr(self, name)]
        if self.search:
            on.append(f"search {one_line(self.search, 40)!r}")
        return " · ".join(on)


def _holds(text: str | None, needle: str) -> bool:
    return text is not None and needle in text.casefold()


def turn_matches_search(s: TurnStory, needle: str) -> bool:
    """Whether a turn's reply or answer holds ``needle`` (already case-folded)."""
    return _holds(s.turn.reply, needle) or _holds(s.turn.answer, needle)


def question_matches_search(ep: EpisodeStory, needle: str) -> bool:
    """Whether the episode's question (prompt, options, gold) holds ``needle`` (case-folded)."""
    q = ep.question
    if q is None:
        return False
    return any(_holds(x, needle) for x in (q.prompt, q.gold, *(q.choices or ())))


def _of_interest(s: TurnStory, opts: ReplayOptions) -> bool:
    """Whether one turn passes both turn filters that are on (changed, conformity)."""
    return (not opts.changed or s.changed) and (not opts.conformity or s.conformity is not None)


def keeps(ep: EpisodeStory, rnd: RoundStory, opts: ReplayOptions) -> bool:
    """Whether a round of an episode passes the selections and the filters."""
    if not (
        opts.keeps_episode(ep.question_id, ep.repeat, ep.episode) and opts.keeps_round(rnd.round)
    ):
        return False
    turns = [s for s in rnd.turns if opts.keeps_agent(s.turn.agent)]
    if opts.wrong and not (rnd.complete and not rnd.decision_correct):
        return False
    if (opts.changed or opts.conformity) and not any(_of_interest(s, opts) for s in turns):
        return False
    if opts.search:
        needle = opts.search.casefold()
        if not (
            question_matches_search(ep, needle)
            or any(turn_matches_search(s, needle) for s in turns)
        ):
            return False
    return True


def _known(values: Iterable[object]) -> str:
    shown = [str(v) for v in values]
    more = f", … ({len(shown) - 12} more)" if len(shown) > 12 else ""
    return ", ".join(one_line(s, 80) for s in shown[:12]) + more


def _span(known: list[int]) -> str:
    """``0-149`` for a run of consecutive numbers, else the list."""
    if known and known == list(range(known[0], known[-1] + 1)) and len(known) > 2:
        return f"{known[0]}-{known[-1]}"
    return _known(known)


def check_options(
    header: HeaderEvent, opts: ReplayOptions, episodes: Sequence[int] | None = None
) -> None:
    """Check that every selected value exists in the run.

    Args:
        header: the run's header.
        opts: the options.
        episodes: the run's episode numbers (default: those planned, questions x repeats).

    Raises:
        ConfigError: naming the unknown value and the known ones.
    """
    if episodes is None:
        episodes = range(len(header.questions) * header.repeats)
    known_episodes = sorted(set(episodes))
    checks: list[tuple[str, frozenset[str] | frozenset[int] | None, list[object], str]] = [
        ("--question", opts.questions, [q.id for q in header.questions], ""),
        ("--repeat", opts.repeats, list(range(header.repeats)), ""),
        ("--episode", opts.episodes, list(known_episodes), _span(known_episodes)),
        ("--agent", opts.agents, [a.name for a in header.agents], ""),
        ("--round", opts.rounds, list(range(len(header.rounds))), ""),
    ]
    problems = []
    for flag, wanted, known, shown in checks:
        for value in sorted(wanted or (), key=str):
            if value not in known:
                problems.append(
                    f"{flag}: unknown value {one_line(str(value), 80)!r}"
                    f" (known: {shown or _known(known)})"
                )
    if problems:
        raise ConfigError(problems)


__all__ = [
    "ReplayOptions",
    "check_options",
    "keeps",
    "question_matches_search",
    "turn_matches_search",
]
