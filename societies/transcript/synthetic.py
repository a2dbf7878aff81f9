"""Build transcripts from answer tables, without running anything.

Useful to check metrics against hand-computed values and to import results of
other tools: give, for each episode, the answer of every agent in every round,
and get a :class:`~societies.transcript.schema.Transcript` whose turns carry those
answers (a turn is correct when its answer equals the gold answer).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from agents.types import Message, Usage
from societies.transcript.io import dump_event
from societies.transcript.schema import (
    AgentRecord,
    EndEvent,
    HeaderEvent,
    QuestionRecord,
    Transcript,
    TurnEvent,
)


@dataclass(frozen=True)
class EpisodeAnswers:
    """One episode: its question, gold answer and ``answers[round][agent]``.

    ``replies`` optionally gives the reply text of some turns, keyed by
    ``(round, agent index)``; other replies read ``Answer: <answer>``. Likewise
    ``finish`` gives finish reasons (default ``stop``) and ``extraction`` the
    extraction methods (default ``synthetic``, ``none`` without an answer);
    ``choices`` are the question's options (multiple choice).
    """

    question_id: str
    gold: str
    answers: Sequence[Sequence[str | None]]
    repeat: int = 0
    replies: dict[tuple[int, int], str] = field(default_factory=dict)
    finish: dict[tuple[int, int], str] = field(default_factory=dict)
    extraction: dict[tuple[int, int], str] = field(default_factory=dict)
    choices: Sequence[str] | None = None


UsageFn = Callable[[int, int, int], Usage]
"""Token usage of a turn from (episode, round, agent index)."""


def _default_usage(episode: int, rnd: int, agent: int) -> Usage:
    return Usage(prompt_tokens=10 * (rnd + 1), completion_tokens=5)


def build_transcript(
    agents: Sequence[tuple[str, str]],
    rounds: Sequence[str],
    episodes: Sequence[EpisodeAnswers],
    *,
    edges: Sequence[tuple[str, str]] | None = None,
    decision: str = "majority",
    name: str = "synthetic",
    task: str = "synthetic",
    model: str = "synthetic",
    usage: UsageFn = _default_usage,
    complete: bool = True,
) -> Transcript:
    """A transcript with the given answers.

    Args:
        agents: ``(name, trait)`` of each agent, in order.
        rounds: the pattern of each round, ``"initial"`` first.
        episodes: the answers; episode numbers follow this order.
        edges: who sees whom (``u -> v``: v sees u); default: everyone sees everyone.
        decision: the decision rule's name, recorded in the header.
        name: the run's name.
        task: the task name recorded in the config.
        model: the model name recorded for the single backend ``main``.
        usage: token usage of each turn.
        complete: whether to add an ``end`` event.

    Returns:
        The transcript; turns of a ``debate`` round list the agent's in-neighbours as peers.
    """
    names = [a for a, _ in agents]
    if edges is None:
        edges = [(u, v) for u in names for v in names if u != v]
    edge_set = set(edges)
    seen_by = {v: [u for u in names if (u, v) in edge_set] for v in names}
    header = _header(agents, rounds, episodes, edges, decision, name, task, model)
    turns = [
        turn
        for e, ep in enumerate(episodes)
        for turn in _turns(e, ep, agents, rounds, seen_by, usage)
    ]
    end = None
    if complete:
        end = EndEvent(
            status="complete",
            episodes=len(episodes),
            turns=len(turns),
            finished_at="2024-01-01T00:00:01+00:00",
            wall_s=1.0,
        )
    return Transcript(header=header, turns=turns, end=end)


def _header(
    agents: Sequence[tuple[str, str]],
    rounds: Sequence[str],
    episodes: Sequence[EpisodeAnswers],
    edges: Sequence[tuple[str, str]],
    decision: str,
    name: str,
    task: str,
    model: str,
) -> HeaderEvent:
    questions: dict[str, QuestionRecord] = {}
    for ep in episodes:
        questions.setdefault(
            ep.question_id,
            QuestionRecord(
                id=ep.question_id,
                prompt=f"question {ep.question_id}?",
                gold=ep.gold,
                choices=list(ep.choices) if ep.choices is not None else None,
            ),
        )
    return HeaderEvent(
        name=name,
        config={
            "name": name,
            "task": {"name": task},
            "backends": {"main": {"kind": "synthetic", "model": model}},
            "decision": decision,
        },
        config_digest="0" * 16,
        seed=0,
        components={"task": {"name": task}, "backends": {"main": {"kind": "synthetic"}}},
        versions={},
        agents=[AgentRecord(name=n, trait=t, backend="main") for n, t in agents],
        edges=[(u, v) for u, v in edges],
        rounds=list(rounds),
        decision=decision,
        repeats=max((ep.repeat for ep in episodes), default=0) + 1,
        questions=list(questions.values()),
        created_at="2024-01-01T00:00:00+00:00",
    )


def _turns(
    e: int,
    ep: EpisodeAnswers,
    agents: Sequence[tuple[str, str]],
    rounds: Sequence[str],
    seen_by: dict[str, list[str]],
    usage: UsageFn,
) -> list[TurnEvent]:
    """The turns of episode number ``e``."""
    out: list[TurnEvent] = []
    for r, row in enumerate(ep.answers):
        if len(row) != len(agents):
            raise ValueError(f"episode {e} round {r}: {len(row)} answers for {len(agents)} agents")
        pattern = rounds[r]
        for i, ((agent, trait), answer) in enumerate(zip(agents, row, strict=True)):
            reply = ep.replies.get(
                (r, i), "I am not sure." if answer is None else f"Answer: {answer}"
            )
            out.append(
                TurnEvent(
                    episode=e,
                    question_id=ep.question_id,
                    repeat=ep.repeat,
                    agent=agent,
                    trait=trait,
                    round=r,
                    pattern=pattern,
                    peers=seen_by[agent] if pattern == "debate" else [],
                    messages=[Message(role="user", content=f"question {ep.question_id}?")],
                    reply=reply,
                    answer=answer,
                    extraction=ep.extraction.get((r, i), "none" if answer is None else "synthetic"),
                    correct=answer is not None and answer == ep.gold,
                    usage=usage(e, r, i),
                    finish_reason=ep.finish.get((r, i), "stop"),
                    seed=0,
                    backend="main",
                    latency_s=0.0,
                )
            )
    return out


def write_transcript(t: Transcript, path: Path) -> Path:
    """Write ``t`` as JSON Lines (header, turns in order, end) and return ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        fh.write(dump_event(t.header) + "\n")
        for turn in t.turns:
            fh.write(dump_event(turn) + "\n")
        if t.end is not None:
            fh.write(dump_event(t.end) + "\n")
    return path


__all__ = ["EpisodeAnswers", "UsageFn", "build_transcript", "write_transcript"]
