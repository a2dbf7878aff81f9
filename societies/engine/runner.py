"""What every episode runner shares: the episode, the members, one turn, the runner interface.

An episode is one question asked in one repeat. A runner (rounds of debate and
reflection on a graph, :mod:`societies.engine.rounds`; a coalition's routed
stages, :mod:`societies.engine.coalition`) decides who is asked what and in which
order; :func:`take_turn` makes one call and turns its reply into a transcript turn,
the same way for every runner.
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agents.backends.client import BackendClient
from agents.traits import Trait
from agents.types import ChatRequest, Completion, GenParams, Message
from benchmarks.base import Question, Task
from societies.engine.seeds import turn_seed
from societies.transcript import AgentRecord, OpeningRecord, RouteRecord, TurnEvent
from sociolab.registry import Registry


@dataclass(frozen=True)
class Member:
    """One agent of the society, shared by all episodes."""

    name: str
    trait: Trait
    backend_name: str
    client: BackendClient


@dataclass(frozen=True)
class Episode:
    """One question asked in one repeat."""

    index: int
    question: Question
    repeat: int
    text: str  # the formatted question
    hints: Mapping[str, Any]  # simulation hints that do not change per turn


TurnKey = tuple[str, int]  # (agent, round)
Sink = Callable[[TurnEvent], None]


@dataclass(frozen=True)
class TurnPlan:
    """One call to make: who, in which round and pattern, with which messages.

    Attributes:
        member: the agent whose backend answers.
        label: the agent name the turn is recorded under (a coalition records its
            pipeline under its own name).
        trait: the trait name recorded on the turn.
        round: the round (or stage) index.
        pattern: the round's pattern or the stage's name.
        messages: everything sent (history included).
        peers: the agents whose replies this turn was shown.
        hints: simulation-only facts for the scripted backend (never part of a cache key).
        route: a coalition's routing decision for this stage.
        opening: the role-play opening call made before this (round-0) turn, if any.
    """

    member: Member
    label: str
    trait: str
    round: int
    pattern: str
    messages: Sequence[Message]
    peers: Sequence[str] = ()
    hints: Mapping[str, Any] | None = None
    route: RouteRecord | None = None
    opening: OpeningRecord | None = None


OPENING_ROUND = -1
"""The round a role-play opening's seed is keyed by (before round 0)."""


async def opening_call(
    plan: TurnPlan, ep: Episode, gen: Mapping[str, Any], base_seed: int
) -> OpeningRecord:
    """Send a role-play opening (``plan.messages``) and record the model's reply.

    The reply stays in the agent's history; the opening has no answer to extract.
    """
    m = plan.member
    seed = turn_seed(base_seed, ep.question.id, ep.repeat, m.name, OPENING_ROUND)
    params = GenParams.model_construct(**gen, seed=seed)
    hints = {**(plan.hints or {}), "pattern": "opening"}
    request = ChatRequest(messages=tuple(plan.messages), params=params, hints=hints)
    completion = await m.client.complete(request)
    return OpeningRecord(
        reply=completion.text,
        usage=completion.usage,
        finish_reason=completion.finish_reason,
        seed=seed,
        latency_s=round(completion.latency_s, 6),
        cached=completion.cached,
    )


def reply_fields(
    task: Task, question: Question, completion: Completion, *, seed: int, backend: str
) -> dict[str, Any]:
    """The :class:`TurnEvent` fields that come from one reply.

    The text, the extracted answer and how it was found, correctness, usage,
    finish reason, seed, backend, latency, cache state and the backend's statistics.
    """
    extraction = task.extract(completion.text, question)
    return {
        "reply": completion.text,
        "answer": extraction.answer,
        "extraction": extraction.method,
        "correct": task.is_correct(extraction.answer, question),
        "usage": completion.usage,
        "finish_reason": completion.finish_reason,
        "seed": seed,
        "backend": backend,
        "latency_s": round(completion.latency_s, 6),
        "cached": completion.cached,
        "backend_stats": completion.stats,
    }


async def take_turn(
    plan: TurnPlan, ep: Episode, task: Task, gen: Mapping[str, Any], base_seed: int, sink: Sink
) -> TurnEvent:
    """Make one call, record it as a turn (passed to ``sink`` at once) and return the turn.

    The seed is keyed by (question, repeat, member, round), never by arrival order.

    Args:
        plan: the call to make.
        ep: the episode.
        task: extracts and scores the answer.
        gen: generation parameters without the seed (validated once by the caller).
        base_seed: the config's seed.
        sink: receives the turn as soon as it completes.
    """
    m = plan.member
    seed = turn_seed(base_seed, ep.question.id, ep.repeat, m.name, plan.round)
    # The hot path of simulations: the parameters were validated once, copies skip it.
    params = GenParams.model_construct(**gen, seed=seed)
    request = ChatRequest(
        messages=tuple(plan.messages), params=params, hints=dict(plan.hints or {})
    )
    completion = await m.client.complete(request)
    event = TurnEvent(
        episode=ep.index,
        question_id=ep.question.id,
        repeat=ep.repeat,
        agent=plan.label,
        trait=plan.trait,
        round=plan.round,
        pattern=plan.pattern,
        peers=list(plan.peers),
        messages=list(plan.messages),
        route=plan.route,
        opening=plan.opening,
        **reply_fields(task, ep.question, completion, seed=seed, backend=m.backend_name),
    )
    sink(event)
    return event


def generation_fields(gen: GenParams) -> dict[str, Any]:
    """The generation parameters of every turn, without the per-turn seed."""
    return {k: v for k, v in gen.model_dump().items() if k != "seed"}


class EpisodeRunner(abc.ABC):
    """Runs the turns of one episode; what a run's header records of its shape.

    Attributes:
        agents: the agents the header records, in canonical order.
        edges: the communication graph's edges (none for a coalition).
        rounds: the pattern (or stage) of every round, round 0 first.
        decision: the name of the rule that turns final answers into the society's answer.
        per_episode: turns per episode.
    """

    agents: list[AgentRecord]
    edges: list[tuple[str, str]]
    rounds: list[str]
    decision: str
    per_episode: int

    @abc.abstractmethod
    def components(self, questions: Sequence[Question]) -> dict[str, Any]:
        """Protocol components the header records (merged into its ``components``)."""

    @abc.abstractmethod
    async def run_episode(self, ep: Episode, done: Mapping[TurnKey, TurnEvent], sink: Sink) -> None:
        """Run every turn of ``ep`` not in ``done`` (recorded turns, on resume); new turns go to ``sink``."""

    def check_resume(self, components: Mapping[str, Any]) -> None:  # noqa: B027 - optional hook
        """Refuse to resume a transcript whose recorded components this runner cannot continue.

        Raises:
            RunError: naming what changed.
        """


RunnerFactory = Callable[[Any, Task, list[Member]], EpisodeRunner]
"""Builds a protocol kind's runner from (the validated config, the task, the members)."""

RUNNERS: Registry[RunnerFactory] = Registry("episode runner")
"""``protocol.kind`` -> the factory of its episode runner (``rounds``, ``coalition``, plugins').

A plugin that registers a protocol kind's config model in
:data:`societies.config.protocols.PROTOCOLS` registers its runner here under the same name.
"""


async def settle(coros: Iterable[Coroutine[Any, Any, Any]]) -> list[Any]:
    """Run ``coros`` concurrently until each has finished, then raise the first failure.

    Unlike a TaskGroup, one failure does not cancel the others: calls already in
    flight complete and their turns are recorded. Cancelling the caller cancels all.
    """
    results = await asyncio.gather(*coros, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The first leaf of a (nested) exception group: the error worth reporting."""
    exc: BaseException = group
    while isinstance(exc, BaseExceptionGroup):
        exc = exc.exceptions[0]
    return exc


__all__ = [
    "OPENING_ROUND",
    "RUNNERS",
    "Episode",
    "EpisodeRunner",
    "Member",
    "RunnerFactory",
    "Sink",
    "TurnKey",
    "TurnPlan",
    "first_error",
    "generation_fields",
    "opening_call",
    "reply_fields",
    "settle",
    "take_turn",
]
