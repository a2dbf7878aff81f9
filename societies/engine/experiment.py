"""One experiment run: build the parts from the config, run all episodes, keep the transcript."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import platform
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Literal, NamedTuple, Protocol

from aiolimiter import AsyncLimiter

from agents.backends import BackendClient, GenParams, ResponseCache, create_provider
from agents.errors import GenerationError
from benchmarks.base import Question, Task
from protocols.decision import DECISION_RULES
from protocols.strategy import build_plan
from societies.analysis.decisions import society_accuracy
from societies.config import ExperimentConfig
from societies.config.coalition import CoalitionSpec
from societies.engine.budget import Budget, make_budget, with_budget
from societies.engine.clients import ClientPool
from societies.engine.graph import build_graph
from societies.engine.rounds import Episode, Member, Society, TurnKey, first_error, run_episode
from societies.errors import RunError
from societies.transcript import (
    TRANSCRIPT,
    AgentRecord,
    EndEvent,
    HeaderEvent,
    LineRef,
    QuestionRecord,
    Transcript,
    TranscriptWriter,
    TurnEvent,
    index_turns,
    read_transcript,
    rewrite_canonical,
    turn_sort_key,
)

CacheMode = Literal["on", "off", "refresh"]
UNLIMITED = 1_000_000  # a provider allowing this many calls at once gets no semaphore


RunStatus = Literal["complete", "incomplete", "budget"]


class RunMonitor(Protocol):
    """Receives progress events (the CLI draws a progress bar from them)."""

    def started(self, episodes: int, turns: int, already_done: int) -> None:
        """The run starts; ``already_done`` turns come from a resumed transcript."""

    def turn(self, event: TurnEvent) -> None:
        """A turn completed."""

    def episode(self, ok: bool) -> None:
        """An episode finished (``ok`` False: it failed and will be retried on resume)."""


class TurnBrief(NamedTuple):
    """What a run keeps in memory of each turn (for its summary)."""

    episode: int
    round: int
    agent: str
    answer: str | None
    correct: bool

    @classmethod
    def of(cls, t: TurnEvent) -> TurnBrief:
        """The brief of a full turn event."""
        return cls(t.episode, t.round, t.agent, t.answer, t.correct)


@dataclass
class RunResult:
    """What a finished (or stopped) run reports."""

    transcript: Path
    status: RunStatus
    episodes: int
    turns: int
    errors: list[str]
    accuracy_by_round: list[float]
    no_decision_by_round: list[float]
    usage: dict[str, dict[str, int]] = field(default_factory=dict)


@contextlib.contextmanager
def gc_tuned(gen0_threshold: int = 50_000) -> Iterator[None]:
    """Make the garbage collector cheaper while a run is in flight.

    A large society keeps many container objects alive (agents' histories,
    futures); with the default thresholds, repeated collections scanning them
    cost about as much as the turns themselves. Objects created before the run
    are frozen (never scanned), and young collections are made rarer. Both are
    undone afterwards.
    """
    old = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(gen0_threshold, old[1], old[2])
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("sociolab", "pydantic", "openai", "networkx", "xllamacpp", "transformers", "torch"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            continue
    return out


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def build_clients(cfg: ExperimentConfig, cache: ResponseCache | None) -> dict[str, BackendClient]:
    """One shared client per backend spec; providers with one concurrency key share a limit."""
    clients: dict[str, BackendClient] = {}
    semaphores: dict[str, asyncio.Semaphore] = {}
    for name, spec in cfg.backends.items():
        provider = create_provider(spec, name=name)
        key = provider.concurrency_key()
        limit = provider.max_concurrency()
        sem = None if limit >= UNLIMITED else semaphores.setdefault(key, asyncio.Semaphore(limit))
        use_cache = cache if provider.cacheable else None
        limiter = None
        rps = getattr(spec, "requests_per_second", None)
        if rps:
            limiter = AsyncLimiter(max_rate=rps, time_period=1.0)
        clients[name] = BackendClient(
            name=name,
            provider=provider,
            semaphore=sem,
            cache=use_cache,
            limiter=limiter,
            retry=spec.retry,
        )
    return clients


Sink = Callable[[TurnEvent], None]


@dataclass
class RunShape:
    """What a run's episodes look like, and how to run one.

    Attributes:
        agents: the agents the header records.
        edges: the communication graph's edges.
        rounds: the pattern of every round, round 0 first.
        decision: the decision rule's name.
        components: protocol components the header records (merged into its ``components``).
        per_episode: turns per episode.
        run_episode: runs one episode given its recorded turns and the turn sink.
        check_resume: checks a resumed transcript's header components (raises RunError).
    """

    agents: list[AgentRecord]
    edges: list[tuple[str, str]]
    rounds: list[str]
    decision: str
    components: dict[str, Any]
    per_episode: int
    run_episode: Callable[[Episode, Mapping[TurnKey, TurnEvent], Sink], Awaitable[object]]
    check_resume: Callable[[Mapping[str, Any]], None] | None = None


def generation_params(cfg: ExperimentConfig) -> GenParams:
    """The config's generation parameters (each turn gets its own seed)."""
    return GenParams(
        temperature=cfg.generation.temperature,
        max_tokens=cfg.generation.max_tokens,
        top_p=cfg.generation.top_p,
        stop=tuple(cfg.generation.stop),
    )


def build_episodes(cfg: ExperimentConfig, task: Task, questions: list[Question]) -> list[Episode]:
    """Every (repeat, question) episode, in canonical order."""
    return [
        Episode(
            index=rep * len(questions) + qi,
            question=q,
            repeat=rep,
            text=task.format_question(q),
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


def build_shape(
    cfg: ExperimentConfig,
    task: Task,
    questions: list[Question],
    clients: Mapping[str, BackendClient],
) -> RunShape:
    """The society (rounds on a graph) or the coalition (routed stages) the config describes.

    Raises:
        ConfigError: a coalition's skill table is missing or malformed.
    """
    members = build_members(cfg, clients)
    if isinstance(cfg.protocol, CoalitionSpec):
        from societies.engine.coalition import CoalitionRunner, load_table, members_of

        spec = cfg.protocol
        runner = CoalitionRunner(
            spec,
            task,
            members_of(spec, members),
            generation_params(cfg),
            cfg.seed,
            load_table(spec),
        )
        return RunShape(
            agents=runner.agents(),
            edges=[],
            rounds=runner.rounds,
            decision="first",
            components=runner.components(questions),
            per_episode=runner.turns_per_episode,
            run_episode=runner.run_episode,
            check_resume=runner.check_resume,
        )
    names = [m.name for m in members]
    graph = build_graph(cfg.graph, names, cfg.seed)
    rounds = cfg.protocol.rounds
    index = {n: i for i, n in enumerate(names)}
    soc = Society(
        task=task,
        members=members,
        in_neighbours=[sorted(index[p] for p in graph.predecessors(n) if p != n) for n in names],
        plan=build_plan(rounds, task.instructions),
        gen=generation_params(cfg),
        seed=cfg.seed,
    )

    async def one(ep: Episode, done: Mapping[TurnKey, TurnEvent], sink: Sink) -> object:
        return await run_episode(soc, ep, done, sink)

    return RunShape(
        agents=[AgentRecord(name=n, trait=t, backend=b) for n, t, b in cfg.agent_list()],
        edges=[(str(u), str(v)) for u, v in graph.edges()],
        rounds=["initial", *rounds],
        decision=cfg.decision,
        components={"protocol": rounds},
        per_episode=len(names) * len(soc.plan),
        run_episode=one,
    )


def _header(cfg: ExperimentConfig, questions: list[Question], shape: RunShape,
            clients: Mapping[str, BackendClient]) -> HeaderEvent:  # fmt: skip
    return HeaderEvent(
        name=cfg.name,
        config=cfg.resolved(),
        config_digest=cfg.digest(),
        seed=cfg.seed,
        components={
            "task": cfg.task.model_dump(mode="json"),
            "backends": {n: c.provider.identity() for n, c in clients.items()},
            "graph": cfg.graph.model_dump(mode="json"),
            **shape.components,
            "decision": shape.decision,
        },
        versions=_versions(),
        agents=shape.agents,
        edges=shape.edges,
        rounds=shape.rounds,
        decision=shape.decision,
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
        created_at=_now(),
    )


class Experiment:
    """A configured run writing into ``out_dir``.

    Args:
        cfg: the validated config.
        out_dir: the run folder (``transcript.jsonl``, ``cache.sqlite``).
        resume: continue the transcript already in ``out_dir``.
        cache: ``on``, ``off``, or ``refresh`` (ignore stored replies, store new ones).
        monitor: optional progress receiver.
        clients: ready-made backend clients by config name, instead of building them
            from the config's specs (for providers defined in Python, for tests, and for
            sweeps whose cells share backends); the run then opens no cache of its own.
        budget: the budget to spend from (default: one made from ``cfg.budget``).
    """

    def __init__(
        self,
        cfg: ExperimentConfig,
        out_dir: Path,
        *,
        resume: bool = False,
        cache: CacheMode = "on",
        monitor: RunMonitor | None = None,
        clients: Mapping[str, BackendClient] | None = None,
        budget: Budget | None = None,
    ) -> None:
        self.cfg = cfg
        self.budget = budget if budget is not None else make_budget(cfg.budget, cfg.backends)
        self._given_clients = dict(clients) if clients is not None else None
        self.out_dir = out_dir
        self.resume = resume
        self.cache_mode: CacheMode = cache if cfg.cache.enabled else "off"
        self.monitor = monitor

    @property
    def transcript_path(self) -> Path:
        """Where the transcript is written."""
        return self.out_dir / TRANSCRIPT

    def _open_cache(self) -> ResponseCache | None:
        if self.cache_mode == "off":
            return None
        path = self.cfg.cache.path or self.out_dir / "cache.sqlite"
        return ResponseCache(path, refresh=self.cache_mode == "refresh")

    def _previous(self, header: HeaderEvent, shape: RunShape) -> Transcript | None:
        path = self.transcript_path
        if not path.exists() or path.stat().st_size == 0:
            return None
        if not self.resume:
            raise RunError(
                f"{path} already exists: pass --resume to continue that run, or choose another --out"
            )
        old = read_transcript(path)
        if old.header.config_digest != header.config_digest:
            raise RunError(
                f"{path} was written by a different config (digest {old.header.config_digest}, "
                f"now {header.config_digest}): --resume needs the same config"
            )
        if shape.check_resume is not None:
            try:
                shape.check_resume(old.header.components)
            except RunError as exc:
                raise RunError(f"{path}: {exc}") from None
        return old

    async def run(self) -> RunResult:
        """Run every episode not yet recorded; return the summary."""
        cfg = self.cfg
        started = time.perf_counter()
        task: Task = cfg.task.build()
        questions = await asyncio.to_thread(task.questions)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        cache = None if self._given_clients is not None else self._open_cache()
        pool = None
        if self._given_clients is not None:
            clients = self._given_clients
        elif isinstance(cfg.protocol, CoalitionSpec):
            # The coalition's stages and a member's own pipeline often make the same
            # call: shared backends make it once even when both are in flight.
            pool = ClientPool(cache)
            clients = pool.clients(cfg.backends)
        else:
            clients = build_clients(cfg, cache)
        budget = self.budget
        run_clients = with_budget(clients, budget) if budget is not None else clients
        shape = build_shape(cfg, task, questions, run_clients)
        header = _header(cfg, questions, shape, clients)
        old = self._previous(header, shape)
        if old is not None:
            header = old.header
            if budget is not None:
                budget.spend_recorded((t.backend, t.usage, t.cached) for t in old.turns)
        episodes = build_episodes(cfg, task, questions)
        done: dict[int, dict[TurnKey, TurnEvent]] = {}
        # Keep only light records and line positions: holding 50,000 TurnEvents
        # (with their messages) alive made the garbage collector half the cost of a turn.
        all_turns: list[TurnBrief] = []
        refs: list[LineRef] = []
        sort_key = turn_sort_key(header)
        if old is not None:
            for t in old.turns:
                done.setdefault(t.episode, {})[(t.agent, t.round)] = t
            all_turns = [TurnBrief.of(t) for t in old.turns]
        per_episode = shape.per_episode
        if self.monitor:
            self.monitor.started(len(episodes), per_episode * len(episodes), len(all_turns))
        writer = TranscriptWriter(self.transcript_path)
        if old is None:
            writer.write(header)
        else:
            refs = index_turns(self.transcript_path, header)
        errors: list[str] = []
        limit = asyncio.Semaphore(cfg.concurrency)

        def sink(event: TurnEvent) -> None:
            offset, length = writer.write(event)
            refs.append((sort_key(event), offset, length))
            all_turns.append(TurnBrief.of(event))
            if self.monitor:
                self.monitor.turn(event)

        async def one(ep: Episode) -> None:
            prior = done.get(ep.index, {})
            if len(prior) == per_episode:
                if self.monitor:
                    self.monitor.episode(True)
                return
            ok = True
            async with limit:
                try:
                    await shape.run_episode(ep, prior, sink)
                except GenerationError as exc:
                    ok = False
                    errors.append(f"question {ep.question.id} repeat {ep.repeat}: {exc}")
            if self.monitor:
                self.monitor.episode(ok)

        async def run_all() -> None:
            with gc_tuned():
                async with asyncio.TaskGroup() as tg:
                    for ep in episodes:
                        tg.create_task(one(ep))

        stopped = False
        try:
            if budget is None:
                await run_all()
            else:
                stopped = await _until_budget(run_all(), budget)
        except BaseExceptionGroup as group:
            raise first_error(group) from None
        finally:
            await asyncio.gather(*(c.close() for c in clients.values()), return_exceptions=True)
            if pool is not None:
                await pool.close()
            writer.close()
            if cache is not None:
                cache.close()

        finished = len(all_turns) == per_episode * len(episodes)
        status: RunStatus = "complete" if finished else "budget" if stopped else "incomplete"
        usage = {
            name: {
                "calls": c.usage.calls,
                "cache_hits": c.usage.cache_hits,
                "retries": c.usage.retries,
                "prompt_tokens": c.usage.prompt_tokens,
                "completion_tokens": c.usage.completion_tokens,
            }
            for name, c in clients.items()
        }
        end = EndEvent(
            status=status,
            episodes=len(episodes),
            turns=len(all_turns),
            errors=errors,
            session=usage,
            finished_at=_now(),
            wall_s=round(time.perf_counter() - started, 3),
            budget=budget.summary() if budget is not None else None,
        )
        rewrite_canonical(self.transcript_path, refs, end)
        acc, none = society_accuracy(header, all_turns, DECISION_RULES[header.decision])
        return RunResult(
            transcript=self.transcript_path,
            status=status,
            episodes=len(episodes),
            turns=len(all_turns),
            errors=errors,
            accuracy_by_round=acc,
            no_decision_by_round=none,
            usage=usage,
        )


async def _until_budget(work: Awaitable[None], budget: Budget) -> bool:
    """Run ``work`` until it ends or the budget stops it; True when the budget stopped it.

    Once a limit is reached no new call is admitted; when the calls in flight have
    finished (and their turns are written), the remaining work is cancelled.
    """
    main = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(budget.stopped())
    try:
        await asyncio.wait({main, watcher}, return_when=asyncio.FIRST_COMPLETED)
    except BaseException:
        main.cancel()
        raise
    finally:
        watcher.cancel()
    if main.done():
        main.result()  # re-raise its error, if any
        return False
    main.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await main
    return True


def run_experiment(
    cfg: ExperimentConfig, out_dir: Path, *, resume: bool = False, cache: CacheMode = "on",
    monitor: RunMonitor | None = None,
) -> RunResult:  # fmt: skip
    """Synchronous wrapper around :meth:`Experiment.run`."""
    return asyncio.run(Experiment(cfg, out_dir, resume=resume, cache=cache, monitor=monitor).run())


__all__: Sequence[str] = [
    "Experiment",
    "RunMonitor",
    "RunResult",
    "RunShape",
    "RunStatus",
    "build_clients",
    "build_episodes",
    "build_members",
    "build_shape",
    "generation_params",
    "run_experiment",
]
