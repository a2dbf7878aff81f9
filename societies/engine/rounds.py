"""Dependency-aware scheduling of one episode (one question, one repeat).

Turn (agent a, round r) waits only for the round r-1 turns of a and of its
in-neighbours; a synchronous round is the special case of a complete graph.
Each agent runs as one coroutine that walks its rounds; per-round futures carry
replies between agents. Seeds come from the turn's coordinates, so results
never depend on which turn finishes first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from agents.agent import Agent
from agents.backends.client import BackendClient
from agents.traits import Trait
from agents.types import Completion, GenParams
from benchmarks.base import Question, Task
from protocols.base import PeerReply, Protocol, TurnContext
from societies.engine.seeds import turn_seed
from societies.transcript import TurnEvent


@dataclass(frozen=True)
class Member:
    """One agent of the society, shared by all episodes."""

    name: str
    trait: Trait
    backend_name: str
    client: BackendClient


@dataclass(frozen=True)
class Society:
    """What every episode of a run shares."""

    task: Task
    members: list[Member]
    in_neighbours: list[list[int]]  # per agent: indices of agents it sees (not itself), sorted
    plan: list[Protocol]  # one per round, round 0 first
    gen: GenParams  # without seed; each turn gets its own
    seed: int


@dataclass(frozen=True)
class Episode:
    """One question asked in one repeat."""

    index: int
    question: Question
    repeat: int
    text: str  # the formatted question
    hints: Mapping[str, Any]  # simulation hints that do not change per turn


TurnKey = tuple[str, int]  # (agent, round)


def reply_fields(
    task: Task, question: Question, completion: Completion, *, seed: int, backend: str
) -> dict[str, Any]:
    """The :class:`TurnEvent` fields that come from one reply.

    The text, the extracted answer and how it was found, correctness, usage,
    finish reason, seed, backend, latency and cache state: shared by every
    place that turns a completion into a transcript turn.
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
    }


async def run_episode(
    soc: Society,
    ep: Episode,
    done: Mapping[TurnKey, TurnEvent],
    sink: Callable[[TurnEvent], None],
) -> list[list[str | None]]:
    """Run every turn of one episode; returns the answers as [round][agent].

    ``done`` holds turns already recorded (resume): they are replayed into the
    agents' histories and not generated again. Each new turn is passed to ``sink``
    as soon as it completes.
    """
    loop = asyncio.get_running_loop()
    # Validated once here; per-turn copies skip validation (this is the hot path).
    gen_fields = {k: v for k, v in soc.gen.model_dump().items() if k != "seed"}
    n_rounds, n_agents = len(soc.plan), len(soc.members)
    futures = [[loop.create_future() for _ in range(n_agents)] for _ in range(n_rounds)]
    answers: list[list[str | None]] = [[None] * n_agents for _ in range(n_rounds)]

    async def agent_loop(i: int) -> None:
        m = soc.members[i]
        agent = Agent(name=m.name, trait=m.trait, backend=m.client)
        own_reply: str | None = None
        own_answer: str | None = None
        for r, proto in enumerate(soc.plan):
            peers: list[int] = []
            if r > 0:
                prev = futures[r - 1]
                if not prev[i].done():
                    await prev[i]
                if proto.uses_peers:
                    peers = soc.in_neighbours[i]
                    for j in peers:
                        if not prev[j].done():
                            await prev[j]
            peer_results = [futures[r - 1][j].result() for j in peers]
            ctx = TurnContext(
                question=ep.text,
                trait=m.trait,
                round=r,
                role=ep.question.role,
                own_previous=own_reply,
                peers=tuple(
                    PeerReply(soc.members[j].name, res[0])
                    for j, res in zip(peers, peer_results, strict=True)
                ),
            )
            new_messages = proto.build(ctx)
            recorded = done.get((m.name, r))
            if recorded is not None:
                agent.remember(new_messages, recorded.reply)
                own_reply, own_answer = recorded.reply, recorded.answer
            else:
                seed = turn_seed(soc.seed, ep.question.id, ep.repeat, m.name, r)
                hints = {
                    **ep.hints,
                    "agent": m.name,
                    "trait": m.trait.name,
                    "round": r,
                    "pattern": proto.name,
                    "own_answer": own_answer,
                    "neighbour_answers": [res[1] for res in peer_results],
                }
                sent, completion = await agent.respond(
                    new_messages, GenParams.model_construct(**gen_fields, seed=seed), hints
                )
                fields = reply_fields(
                    soc.task, ep.question, completion, seed=seed, backend=m.backend_name
                )
                own_reply, own_answer = completion.text, fields["answer"]
                sink(
                    TurnEvent(
                        episode=ep.index,
                        question_id=ep.question.id,
                        repeat=ep.repeat,
                        agent=m.name,
                        trait=m.trait.name,
                        round=r,
                        pattern=proto.name,
                        peers=[soc.members[j].name for j in peers],
                        messages=list(sent),
                        **fields,
                    )
                )
            answers[r][i] = own_answer
            futures[r][i].set_result((own_reply, own_answer))

    try:
        async with asyncio.TaskGroup() as tg:
            for i in range(n_agents):
                tg.create_task(agent_loop(i))
    except BaseExceptionGroup as group:
        raise first_error(group) from None
    return answers


def first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The first leaf of a (nested) exception group: the error worth reporting."""
    exc: BaseException = group
    while isinstance(exc, BaseExceptionGroup):
        exc = exc.exceptions[0]
    return exc
