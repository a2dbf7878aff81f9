"""Rounds of debate and reflection on a graph: dependency-aware scheduling of one episode.

Turn (agent a, round r) waits only for the round r-1 turns of a and of its
in-neighbours; a synchronous round is the special case of a complete graph.
Each agent runs as one coroutine that walks its rounds; per-round futures carry
replies between agents. Seeds come from the turn's coordinates, so results
never depend on which turn finishes first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agents.agent import Agent
from agents.types import GenParams, Message
from benchmarks.base import Question, Task
from protocols.base import PeerReply, Protocol, TurnContext
from protocols.prompts import TaskPrompts
from societies.engine.runner import (
    Episode,
    EpisodeRunner,
    Member,
    Sink,
    TurnKey,
    TurnPlan,
    generation_fields,
    opening_call,
    settle,
    take_turn,
)
from societies.transcript import AgentRecord, OpeningRecord, TurnEvent

Result = tuple[str, str | None]  # (reply, answer) of one turn


@dataclass(frozen=True)
class Society:
    """What every episode of a run shares."""

    task: Task
    members: list[Member]
    in_neighbours: list[list[int]]  # per agent: indices of agents it sees (not itself), sorted
    plan: list[Protocol]  # one per round, round 0 first
    gen: GenParams  # without seed; each turn gets its own
    seed: int
    prompts: TaskPrompts | None = None  # None: the sociolab set


class _Episode:
    """The state of one episode in flight: one future per (round, agent)."""

    def __init__(self, soc: Society, ep: Episode, done: Mapping[TurnKey, TurnEvent], sink: Sink):
        self.soc, self.ep, self.done, self.sink = soc, ep, done, sink
        loop = asyncio.get_running_loop()
        n = len(soc.members)
        self.futures: list[list[asyncio.Future[Result]]] = [
            [loop.create_future() for _ in range(n)] for _ in soc.plan
        ]
        self.gen = generation_fields(soc.gen)

    async def _seen(self, i: int, r: int, proto: Protocol) -> list[tuple[int, Result]]:
        """Wait for what agent ``i`` sees in round ``r``: its own and its peers' last replies."""
        if r == 0:
            return []
        prev = self.futures[r - 1]
        await prev[i]
        peers = self.soc.in_neighbours[i] if proto.uses_peers else []
        return [(j, await prev[j]) for j in peers]

    async def agent_loop(self, i: int) -> None:
        """Walk agent ``i`` through its rounds; on failure its later rounds fail too."""
        try:
            await self._walk(i)
        except BaseException as exc:
            for row in self.futures:
                if not row[i].done():
                    row[i].set_exception(exc)
                    row[i].exception()  # retrieved: agents that wait on it re-raise it
            raise

    async def _walk(self, i: int) -> None:
        soc, ep = self.soc, self.ep
        m = soc.members[i]
        agent = Agent(name=m.name, trait=m.trait, backend=m.client)
        own: Result = ("", None)
        for r, proto in enumerate(soc.plan):
            seen = await self._seen(i, r, proto)
            ctx = TurnContext(
                question=ep.text,
                trait=m.trait,
                round=r,
                role=ep.question.role,
                own_previous=own[0] if r else None,
                peers=tuple(PeerReply(soc.members[j].name, res[0]) for j, res in seen),
                prompts=soc.prompts,
            )
            new = proto.build(ctx)
            recorded = self.done.get((m.name, r))
            preamble = proto.preamble(ctx)
            opening = await self._opening(m, r, preamble, recorded)
            if opening is not None:
                # The opening and the model's own reply to it stay in the history.
                new = [*preamble, Message(role="assistant", content=opening.reply), *new]
            if recorded is None:
                recorded = await self._turn(m, r, proto, agent, new, own, seen, opening)
            agent.remember(new, recorded.reply)
            own = (recorded.reply, recorded.answer)
            self.futures[r][i].set_result(own)

    async def _opening(
        self, m: Member, r: int, preamble: list[Message], recorded: TurnEvent | None
    ) -> OpeningRecord | None:
        """The role-play opening's reply: recorded (resume), else asked now; None without one."""
        if not preamble:
            return None
        if recorded is not None:
            return recorded.opening
        hints = {**self.ep.hints, "agent": m.name, "trait": m.trait.name, "round": r}
        plan = TurnPlan(member=m, label=m.name, trait=m.trait.name, round=r,
                        pattern="opening", messages=preamble, hints=hints)  # fmt: skip
        return await opening_call(plan, self.ep, self.gen, self.soc.seed)

    async def _turn(
        self,
        m: Member,
        r: int,
        proto: Protocol,
        agent: Agent,
        new: list[Message],
        own: Result,
        seen: Sequence[tuple[int, Result]],
        opening: OpeningRecord | None = None,
    ) -> TurnEvent:
        hints = {
            **self.ep.hints,
            "agent": m.name,
            "trait": m.trait.name,
            "round": r,
            "pattern": proto.name,
            "own_answer": own[1],
            "neighbour_answers": [res[1] for _, res in seen],
        }
        plan = TurnPlan(
            member=m,
            label=m.name,
            trait=m.trait.name,
            round=r,
            pattern=proto.name,
            messages=(*agent.history, *new),
            peers=[self.soc.members[j].name for j, _ in seen],
            hints=hints,
            opening=opening,
        )
        return await take_turn(plan, self.ep, self.soc.task, self.gen, self.soc.seed, self.sink)

    def answers(self) -> list[list[str | None]]:
        """The answers as [round][agent]."""
        return [[f.result()[1] for f in row] for row in self.futures]


async def run_episode(
    soc: Society, ep: Episode, done: Mapping[TurnKey, TurnEvent], sink: Sink
) -> list[list[str | None]]:
    """Run every turn of one episode; returns the answers as [round][agent].

    ``done`` holds turns already recorded (resume): they are replayed into the
    agents' histories and not generated again. Each new turn is passed to ``sink``
    as soon as it completes.
    """
    state = _Episode(soc, ep, done, sink)
    # Not a TaskGroup: one agent's failed call must not cancel the others' calls in
    # flight; their replies are recorded, so a resume does not ask for them again.
    await settle([state.agent_loop(i) for i in range(len(soc.members))])
    return state.answers()


class RoundsRunner(EpisodeRunner):
    """The ``rounds`` protocol: an independent first answer, then debate or reflection rounds.

    Args:
        soc: the society (members, graph, plan, generation parameters, seed).
        edges: the graph's edges, for the header.
        rounds: the pattern names of rounds 1..R.
        decision: the decision rule's name.
    """

    def __init__(
        self, soc: Society, *, edges: list[tuple[str, str]], rounds: list[str], decision: str
    ) -> None:
        self.soc = soc
        self.agents = [AgentRecord(name=m.name, trait=m.trait.name, backend=m.backend_name)
                       for m in soc.members]  # fmt: skip
        self.edges = edges
        self.rounds = ["initial", *rounds]
        self.decision = decision
        self.per_episode = len(soc.members) * len(soc.plan)

    def components(self, questions: Sequence[Question]) -> dict[str, Any]:
        """The strategy (the pattern of rounds 1..R)."""
        return {"protocol": self.rounds[1:]}

    async def run_episode(self, ep: Episode, done: Mapping[TurnKey, TurnEvent], sink: Sink) -> None:
        """Every agent's turns of one episode."""
        await run_episode(self.soc, ep, done, sink)


__all__ = ["RoundsRunner", "Society", "run_episode"]
