"""Dependency-aware scheduling, concurrency across episodes, order independence."""

from __future__ import annotations

import asyncio
import json
import random
import time
from pathlib import Path
from typing import Any

from agents.backends import BackendClient, GenParams, ScriptedProvider, ScriptedSpec
from agents.backends.base import BackendSpec, Provider
from agents.traits import BUILTIN_TRAITS
from agents.types import ChatRequest, Completion
from benchmarks import ArithmeticSpec
from protocols.strategy import build_plan
from societies.config import GraphSpec, parse_config
from societies.engine.experiment import Experiment, run_experiment
from societies.engine.graph import build_graph
from societies.engine.rounds import Society, run_episode
from societies.engine.runner import Episode, Member
from societies.transcript import TurnEvent, read_transcript, strip_volatile
from tests.helpers.configs import sim_config


class Recorder(Provider):
    """Scripted answers, a per-agent delay, and a log of (agent, round, start, end)."""

    kind = "recorder"

    def __init__(self, delays: dict[str, float]) -> None:
        self.inner = ScriptedProvider(ScriptedSpec())
        self.delays = delays
        self.log: list[tuple[str, int, float, float]] = []
        self.in_flight = 0
        self.max_in_flight = 0

    @classmethod
    def from_spec(cls, spec: BackendSpec, *, name: str) -> Recorder:
        raise NotImplementedError

    async def generate(self, request: ChatRequest) -> Completion:
        start = time.perf_counter()
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        agent = str(request.hints["agent"])
        await asyncio.sleep(self.delays.get(agent, random.uniform(0, 0.004)))
        self.in_flight -= 1
        self.log.append((agent, int(request.hints["round"]), start, time.perf_counter()))
        return await self.inner.generate(request)


def society(
    names: list[str], edges: list[tuple[str, str]] | None, provider: Provider, rounds: int
) -> Society:
    task = ArithmeticSpec(limit=1).build()
    client = BackendClient(name="rec", provider=provider, semaphore=asyncio.Semaphore(1000))
    spec = GraphSpec(kind="edges", edges=edges) if edges else GraphSpec(kind="complete")
    g = build_graph(spec, names, 0)
    index = {n: i for i, n in enumerate(names)}
    return Society(
        task=task,
        members=[Member(n, BUILTIN_TRAITS["neutral"], "rec", client) for n in names],
        in_neighbours=[sorted(index[p] for p in g.predecessors(n)) for n in names],
        plan=build_plan(["debate"] * rounds, task.instructions),
        gen=GenParams(),
        seed=0,
    )


def episode(soc: Society) -> Episode:
    q = soc.task.questions()[0]
    return Episode(
        0,
        q,
        0,
        soc.task.format_question(q),
        {"gold": q.gold, "wrong": ["1"], "template": "Answer: {answer}"},
    )


async def test_agent_moves_on_when_its_in_neighbours_are_done() -> None:
    # b sees a; c is isolated and slow. b's round 1 must not wait for c's round 0.
    rec = Recorder({"a": 0.0, "b": 0.0, "c": 0.3})
    soc = society(["a", "b", "c"], [("a", "b")], rec, rounds=2)
    events: list[TurnEvent] = []
    await run_episode(soc, episode(soc), {}, events.append)
    spans = {(a, r): (s, e) for a, r, s, e in rec.log}
    assert spans[("b", 1)][0] < spans[("c", 0)][1]
    assert spans[("b", 2)][0] < spans[("c", 0)][1]
    assert len(events) == 9


async def test_no_turn_starts_before_its_dependencies_finish() -> None:
    names = [f"n{i}" for i in range(8)]
    edges = [(names[i], names[(i + 1) % 8]) for i in range(8)] + [("n0", "n4"), ("n6", "n2")]
    rec = Recorder({})
    soc = society(names, edges, rec, rounds=3)
    await run_episode(soc, episode(soc), {}, lambda e: None)
    spans = {(a, r): (s, e) for a, r, s, e in rec.log}
    preds = {n: {u for u, v in edges if v == n} | {n} for n in names}
    for (agent, r), (start, _) in spans.items():
        for dep in preds[agent] if r else ():
            assert start >= spans[(dep, r - 1)][1], (agent, r, dep)


def test_debate_prompt_holds_exactly_the_in_neighbours_previous_replies(tmp_path: Path) -> None:
    data = sim_config(
        agents=[{"name": n, "backend": "sim"} for n in ("a", "b", "c", "d")],
        graph={"kind": "edges", "edges": [["a", "c"], ["b", "c"], ["c", "d"]]},
        protocol={"strategy": ["debate", "reflection"]},
        repeats=1,
    )
    run_experiment(parse_config(data), tmp_path)
    t = read_transcript(tmp_path / "transcript.jsonl")
    by_key = {(x.episode, x.agent, x.round): x for x in t.turns}
    for turn in t.turns:
        last = turn.messages[-1].content
        if turn.pattern == "debate":
            expected = {"a": [], "b": [], "c": ["a", "b"], "d": ["c"]}[turn.agent]
            assert turn.peers == expected
            for peer in expected:
                assert (
                    f"Answer from {peer}:\n```\n{by_key[(turn.episode, peer, 0)].reply}\n```"
                    in last
                )
            assert last.count("Answer from") == len(expected)
        elif turn.pattern == "reflection":
            assert turn.peers == [] and "Answer from" not in last
        # history: every turn after round 0 starts with the agent's own earlier messages
        if turn.round:
            prev = by_key[(turn.episode, turn.agent, turn.round - 1)]
            assert turn.messages[: len(prev.messages)] == prev.messages
            assert turn.messages[len(prev.messages)].content == prev.reply


def run_with(provider: Provider, data: dict[str, Any], out: Path) -> None:
    client = BackendClient(name="sim", provider=provider, semaphore=asyncio.Semaphore(1000))
    asyncio.run(Experiment(parse_config(data), out, clients={"sim": client}).run())


def test_many_episodes_in_flight_up_to_the_bound(tmp_path: Path) -> None:
    rec = Recorder({})
    run_with(
        rec,
        sim_config(concurrency=4, task={"name": "arithmetic", "limit": 12}, repeats=1),
        tmp_path,
    )
    assert 3 < rec.max_in_flight <= 4 * 3  # several episodes at once, never more than the bound


def test_results_do_not_depend_on_completion_order(tmp_path: Path) -> None:
    data = sim_config(
        agents=[{"name": "x", "trait": "easy-going", "backend": "sim", "count": 5}],
        graph={"kind": "small-world", "k": 2, "p": 0.5},
    )
    orders, transcripts = [], []
    for i in range(2):
        rec = Recorder({})
        run_with(rec, data, tmp_path / str(i))
        orders.append([(a, r) for a, r, _, _ in rec.log])
        lines = (tmp_path / str(i) / "transcript.jsonl").read_text().splitlines()
        transcripts.append([json.dumps(strip_volatile(json.loads(ln))) for ln in lines])
    assert orders[0] != orders[1], "completion orders should differ between the two runs"
    assert transcripts[0] == transcripts[1]
