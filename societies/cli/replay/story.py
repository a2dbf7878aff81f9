"""The story a replay tells, as plain data: episodes, rounds, and what each turn meant.

Built from a transcript alone. Each turn is paired with the agent's previous
turn, the previous-round turns of the peers it was shown, and the facts a
researcher filters on: whether the answer changed, whether it conformed (the
report's MachineSoM rule, so the replay shows exactly the turns the report
counts), whether the reply was truncated or the answer read by a fallback rule.
Decisions and conformity use the answers as the run scores them (``scoring``),
so a truncated reply under ``truncated: no-answer`` counts as no answer here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from societies.analysis.decisions import Rule, decide, rule_of
from societies.analysis.metrics.conformity import (
    machinesom_majority,
    machinesom_value,
    transition,
)
from societies.analysis.scoring import TruncatedMode, is_fallback, is_truncated, scored
from societies.analysis.scoring import truncated_mode as scoring_mode
from societies.transcript import COALITION, HeaderEvent, QuestionRecord, Transcript, TurnEvent


@dataclass(frozen=True)
class TurnStory:
    """One turn with what it saw and what it meant.

    Attributes:
        turn: the turn as recorded.
        counted: the turn as the run scores it (under ``truncated: no-answer`` a
            truncated reply counts as no answer).
        previous: the agent's own turn of the previous round, if recorded.
        peers: the previous-round turns of the peers this turn was shown, in its
            ``peers`` order (a peer whose turn is not recorded is left out).
        conformity: ``T->F`` etc. when the turn conforms to the majority of what it
            saw (MachineSoM's rule, as in the report); None otherwise or when it
            saw no peers.
    """

    turn: TurnEvent
    counted: TurnEvent
    previous: TurnEvent | None
    peers: tuple[TurnEvent, ...]
    conformity: str | None

    @property
    def changed(self) -> bool:
        """Whether the answer differs from the agent's previous answer."""
        return self.previous is not None and self.previous.answer != self.turn.answer

    @property
    def truncated(self) -> bool:
        """Whether the reply was cut at the token limit."""
        return is_truncated(self.turn.finish_reason)

    @property
    def fallback(self) -> bool:
        """Whether the answer was read by a last-resort extraction rule."""
        return is_fallback(self.turn.extraction)


@dataclass(frozen=True)
class RoundStory:
    """One round of one episode (one stage, in a coalition run)."""

    round: int
    pattern: str
    turns: tuple[TurnStory, ...]
    n_agents: int
    decision: str | None
    decision_correct: bool

    @property
    def complete(self) -> bool:
        """Whether every agent of the run has a turn in this round."""
        return len(self.turns) == self.n_agents


@dataclass(frozen=True)
class EpisodeStory:
    """One episode: a question in one repeat, round by round."""

    episode: int
    question_id: str
    repeat: int
    question: QuestionRecord | None
    rounds: tuple[RoundStory, ...]


@dataclass(frozen=True)
class Story:
    """A whole transcript as a replay shows it."""

    header: HeaderEvent
    episodes: tuple[EpisodeStory, ...]
    coalition: bool
    scoring: TruncatedMode
    turns_recorded: int

    @property
    def turns_planned(self) -> int:
        """Turns a complete run records: questions x repeats x agents x rounds."""
        h = self.header
        return len(h.questions) * h.repeats * len(h.agents) * len(h.rounds)


def is_coalition_run(header: HeaderEvent) -> bool:
    """Whether the run's protocol is a coalition (stages routed to members)."""
    protocol = header.components.get("protocol")
    return isinstance(protocol, dict) and protocol.get("kind") == COALITION


def _conformity(story_turn: TurnEvent, seen: list[TurnEvent]) -> str | None:
    """The report's conformity (MachineSoM) of a debate turn, or None when it does not conform."""
    majority = machinesom_majority([t.answer for t in seen])
    if machinesom_value(story_turn.answer) not in majority:
        return None
    own = next(t for t in seen if t.agent == story_turn.agent)
    return transition(own.correct, story_turn.correct)


def turn_story(
    raws: Mapping[tuple[int, str], TurnEvent],
    key: tuple[int, str],
    mode: TruncatedMode,
    *,
    chained: bool = True,
) -> TurnStory:
    """The story of turn ``key`` = (round, agent) among an episode's recorded turns ``raws``.

    ``chained`` False (coalition stages, each a fresh call): no previous turn, so no change.
    """
    raw = raws[key]
    r, agent = key
    peers = tuple(raws[(r - 1, p)] for p in raw.peers if (r - 1, p) in raws)
    turn = scored(raw, mode)
    conformity = None
    if r > 0 and (raw.pattern == "debate" or raw.peers):
        # As the report: only when the agent's own and every peer's previous turn is recorded.
        visible = [agent, *(p for p in raw.peers if p != agent)]
        seen = [raws.get((r - 1, a)) for a in visible]
        if all(x is not None for x in seen):
            conformity = _conformity(turn, [scored(x, mode) for x in seen if x is not None])
    previous = raws.get((r - 1, agent)) if chained else None
    return TurnStory(raw, turn, previous, peers, conformity)


def round_story(
    header: HeaderEvent,
    raws: Mapping[tuple[int, str], TurnEvent],
    r: int,
    rule: Rule,
    mode: TruncatedMode,
    *,
    chained: bool = True,
) -> RoundStory:
    """Round ``r`` of an episode whose recorded turns are ``raws``, in the header's agent order.

    ``chained``: see :func:`turn_story`.
    """
    order = {a.name: i for i, a in enumerate(header.agents)}
    keys = sorted((k for k in raws if k[0] == r), key=lambda k: (order.get(k[1], len(order)), k[1]))
    stories = tuple(turn_story(raws, k, mode, chained=chained) for k in keys)
    decision, correct = decide([s.counted for s in stories], rule)
    pattern = header.rounds[r] if r < len(header.rounds) else "?"
    return RoundStory(r, pattern, stories, len(header.agents), decision, correct)


def _episode(
    header: HeaderEvent, raws: dict[tuple[int, str], TurnEvent], rule: Rule, mode: TruncatedMode
) -> EpisodeStory:
    first = next(iter(raws.values()))
    chained = not is_coalition_run(header)
    rounds = tuple(
        round_story(header, raws, r, rule, mode, chained=chained)
        for r in sorted({r for r, _ in raws})
    )
    question = next((q for q in header.questions if q.id == first.question_id), None)
    return EpisodeStory(first.episode, first.question_id, first.repeat, question, rounds)


def build_story(t: Transcript, where: str = "") -> Story:
    """The story of a transcript (turns recorded twice keep their last record).

    Raises:
        TranscriptError: the header names a decision rule this sociolab does not know.
    """
    header = t.header
    rule = rule_of(header, where or header.name)
    mode = scoring_mode(header)
    by_ep: dict[int, dict[tuple[int, str], TurnEvent]] = {}
    for turn in t.turns:
        by_ep.setdefault(turn.episode, {})[(turn.round, turn.agent)] = turn
    episodes = tuple(_episode(header, by_ep[ep], rule, mode) for ep in sorted(by_ep))
    recorded = sum(len(v) for v in by_ep.values())
    return Story(header, episodes, is_coalition_run(header), mode, recorded)


__all__ = [
    "EpisodeStory",
    "RoundStory",
    "Story",
    "TurnStory",
    "build_story",
    "is_coalition_run",
    "round_story",
    "turn_story",
]
