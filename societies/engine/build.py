"""Building a run's parts from its config: clients, members, episodes, the runner, the header."""

from __future__ import annotations

import asyncio
import platform
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import metadata

from aiolimiter import AsyncLimiter

from agents.backends import BackendClient, GenParams, ResponseCache, create_provider
from benchmarks.base import Question, Task
from protocols.prompts import TaskPrompts, render_question
from protocols.strategy import build_plan
from societies.config import CoalitionSpec, ExperimentConfig, ProtocolSpec
from societies.config.bounds import check_scale
from societies.engine.graph import build_graph
from societies.engine.rounds import RoundsRunner, Society
from societies.engine.runner import RUNNERS, Episode, EpisodeRunner, Member
from societies.errors import ConfigError
from societies.transcript import HeaderEvent, QuestionRecord

UNLIMITED = 1_000_000
"""A provider allowing this many calls at once gets no semaphore."""


def build_clients(cfg: ExperimentConfig, cache: ResponseCache | None) -> dict[str, BackendClient]:
    """One shared client per backend spec; providers with one concurrency key share a limit."""
    clients: dict[str, BackendClient] = {}
    semaphores: dict[str, asyncio.Semaphore] = {}
    for name, spec in cfg.backends.items():
        provider = create_provider(spec, name=name)
        key = provider.concurrency_key()
        limit = provider.max_concurrency()
        sem = None if limit >= UNLIMITED else semaphores.setdefault(key, asyncio.Semaphore(limit))
        rps = getattr(spec, "requests_per_second", None)
        clients[name] = BackendClient(
            name=name,
            provider=provider,
            semaphore=sem,
            cache=cache if provider.cacheable else None,
            limiter=AsyncLimiter(max_rate=rps, time_period=1.0) if rps else None,
            retry=spec.retry,
        )
    return clients


def generation_params(cfg: ExperimentConfig) -> GenParams:
    """The config's generation parameters (each turn gets its own seed)."""
    return GenParams(
        temperature=cfg.generation.temperature,
        max_tokens=cfg.generation.max_tokens,
        top_p=cfg.generation.top_p,
        stop=tuple(cfg.generation.stop),
    )


def instructions(cfg: ExperimentConfig, task: Task) -> str:
    """The answer instruction: the config's ``task.instructions``, else the prompt set's, else the task's."""
    return cfg.task.instructions or cfg.texts.instruction_text() or task.instructions


def question_text(texts: TaskPrompts, instruction: str, q: Question) -> str:
    """A question as the agents are shown it, laid out by the prompt set."""
    return render_question(texts, q.prompt, q.choices, instruction, q.role, q.metadata)


def build_episodes(cfg: ExperimentConfig, task: Task, questions: list[Question]) -> list[Episode]:
    """Every (repeat, question) episode, in canonical order.

    Raises:
        PromptFillError: the prompt set's layout needs a question field this task lacks.
        ConfigError: the run would exceed a bound of :mod:`societies.config.bounds`
            with this many questions (checked before anything is built).
    """
    scale = check_scale(cfg, len(questions))
    if scale:
        raise ConfigError([f"{cfg.name}: {field}: {msg}" for field, msg in scale])
    instruction = instructions(cfg, task)
    texts = [question_text(cfg.texts, instruction, q) for q in questions]
    return [
        Episode(
            index=rep * len(questions) + qi,
            question=q,
            repeat=rep,
            text=texts[qi],
            hints={
                "gold": q.gold,
                "wrong": task.wrong_answers(q),
                "template": task.render_answer("{answer}"),
            },
        )
        for rep in range(cfg.repeats)
        for qi, q in enumerate(questions)
    ]


def build_members(cfg: ExperimentConfig, clients: Mapping[str, BackendClient]) -> list[Member]:
    """Every agent of the config, with its trait and client."""
    traits = cfg.all_traits()
    return [
        Member(name=n, trait=traits[t], backend_name=b, client=clients[b])
        for n, t, b in cfg.agent_list()
    ]


def build_runner(
    cfg: ExperimentConfig, task: Task, clients: Mapping[str, BackendClient]
) -> EpisodeRunner:
    """The episode runner of the config's protocol kind (rounds, coalition, or a plugin's).

    Raises:
        ConfigError: no runner is registered for the kind, or the runner refuses the config
            (e.g. a coalition's skill table is missing or malformed).
    """
    kind = getattr(cfg.protocol, "kind", "rounds")
    if kind not in RUNNERS:
        raise ConfigError(
            [
                f"protocol.kind: {kind!r} has a config model but no episode runner "
                f"(runners: {', '.join(RUNNERS.names())}); a plugin registers one in "
                "societies.engine.runner.RUNNERS"
            ]
        )
    return RUNNERS[kind](cfg, task, build_members(cfg, clients))


@RUNNERS.register("rounds")
def rounds_runner(cfg: ExperimentConfig, task: Task, members: list[Member]) -> EpisodeRunner:
    """Debate and reflection rounds on the config's graph."""
    assert isinstance(cfg.protocol, ProtocolSpec)
    names = [m.name for m in members]
    graph = build_graph(cfg.graph, names, cfg.seed)
    index = {n: i for i, n in enumerate(names)}
    rounds = cfg.protocol.rounds
    soc = Society(
        task=task,
        members=members,
        in_neighbours=[sorted(index[p] for p in graph.predecessors(n) if p != n) for n in names],
        plan=build_plan(rounds, instructions(cfg, task)),
        gen=generation_params(cfg),
        seed=cfg.seed,
        prompts=cfg.texts,
    )
    edges = [(str(u), str(v)) for u, v in graph.edges()]
    return RoundsRunner(soc, edges=edges, rounds=rounds, decision=cfg.decision)


@RUNNERS.register("coalition")
def coalition_runner(cfg: ExperimentConfig, task: Task, members: list[Member]) -> EpisodeRunner:
    """A coalition's routed stages (its skill table is read here)."""
    from societies.engine.coalition import CoalitionRunner, members_of
    from societies.engine.skills import load_table

    spec = cfg.protocol
    assert isinstance(spec, CoalitionSpec)
    return CoalitionRunner(spec, task, members_of(spec, members), generation_params(cfg),
                           cfg.seed, load_table(spec), cfg.texts, instructions(cfg, task))  # fmt: skip


def versions() -> dict[str, str]:
    """Versions of Python and of the packages that shape results."""
    out = {"python": platform.python_version()}
    for pkg in ("sociolab", "pydantic", "openai", "networkx", "xllamacpp", "transformers", "torch"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            continue
    return out


def now() -> str:
    """The current UTC time, to the second, in ISO format."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def build_header(
    cfg: ExperimentConfig,
    questions: list[Question],
    runner: EpisodeRunner,
    clients: Mapping[str, BackendClient],
) -> HeaderEvent:
    """The transcript's first line: the resolved config, components, versions, the questions."""
    return HeaderEvent(
        name=cfg.name,
        config=cfg.resolved(),
        config_digest=cfg.digest(),
        seed=cfg.seed,
        components={
            "task": cfg.task.model_dump(mode="json"),
            "backends": {n: c.provider.identity() for n, c in clients.items()},
            "graph": cfg.graph.model_dump(mode="json"),
            **runner.components(questions),
            "decision": runner.decision,
            "prompts": {
                "set": cfg.texts.name,
                "digest": cfg.texts.digest(),
                "templates": cfg.texts.templates(),
            },
        },
        versions=versions(),
        agents=runner.agents,
        edges=runner.edges,
        rounds=runner.rounds,
        decision=runner.decision,
        repeats=cfg.repeats,
        questions=[
            QuestionRecord(
                id=q.id,
                prompt=q.prompt,
                gold=q.gold,
                choices=list(q.choices) if q.choices else None,
                metadata=q.metadata,
            )
            for q in questions
        ],
        created_at=now(),
    )


__all__ = [
    "UNLIMITED",
    "build_clients",
    "build_episodes",
    "build_header",
    "build_members",
    "build_runner",
    "coalition_runner",
    "generation_params",
    "instructions",
    "now",
    "question_text",
    "rounds_runner",
    "versions",
]
