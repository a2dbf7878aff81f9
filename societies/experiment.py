"""One experiment run: build the parts from the config, run all episodes, keep the transcript."""

from __future__ import annotations

import asyncio
import platform
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Literal, Protocol

from aiolimiter import AsyncLimiter

from agents.backends import BackendClient, GenParams, ResponseCache, create_provider
from agents.errors import GenerationError
from benchmarks.base import Question, Task
from protocols.decision import DECISION_RULES
from protocols.strategy import build_plan
from societies.config import ExperimentConfig
from societies.errors import RunError
from societies.graph import build_graph
from societies.scheduler import Episode, Member, Society, TurnKey, first_error, run_episode
from societies.summary import society_accuracy
from societies.transcript import (
    AgentRecord,
    EndEvent,
    HeaderEvent,
    QuestionRecord,
    Transcript,
    TranscriptWriter,
    TurnEvent,
    read_transcript,
    write_canonical,
)

CacheMode = Literal["on", "off", "refresh"]
TRANSCRIPT = "transcript.jsonl"


class RunMonitor(Protocol):
    """Receives progress events (the CLI draws a progress bar from them)."""

    def started(self, episodes: int, turns: int, already_done: int) -> None:
        """The run starts; ``already_done`` turns come from a resumed transcript."""

    def turn(self, event: TurnEvent) -> None:
        """A turn completed."""

    def episode(self, ok: bool) -> None:
        """An episode finished (``ok`` False: it failed and will be retried on resume)."""


@dataclass
class RunResult:
    """What a finished (or stopped) run reports."""

    transcript: Path
    status: Literal["complete", "incomplete"]
    episodes: int
    turns: int
    errors: list[str]
    accuracy_by_round: list[float]
    no_decision_by_round: list[float]
    usage: dict[str, dict[str, int]] = field(default_factory=dict)


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
        sem = semaphores.setdefault(key, asyncio.Semaphore(provider.max_concurrency()))
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


def _header(cfg: ExperimentConfig, questions: list[Question], edges: list[tuple[str, str]],
            clients: dict[str, BackendClient], rounds: list[str]) -> HeaderEvent:  # fmt: skip
    return HeaderEvent(
        name=cfg.name,
        config=cfg.resolved(),
        config_digest=cfg.digest(),
        seed=cfg.seed,
        components={
            "task": cfg.task.model_dump(mode="json"),
            "backends": {n: c.provider.identity() for n, c in clients.items()},
            "graph": cfg.graph.model_dump(mode="json"),
            "protocol": rounds,
            "decision": cfg.decision,
        },
        versions=_versions(),
        agents=[AgentRecord(name=n, trait=t, backend=b) for n, t, b in cfg.agent_list()],
        edges=edges,
        rounds=["initial", *rounds],
        decision=cfg.decision,
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
            from the config's specs (for providers defined in Python, and for tests).
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
    ) -> None:
        self.cfg = cfg
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

    def _previous(self, header: HeaderEvent) -> Transcript | None:
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
        return old

    async def run(self) -> RunResult:
        """Run every episode not yet recorded; return the summary."""
        cfg = self.cfg
        started = time.perf_counter()
        task: Task = cfg.task.build()
        questions = await asyncio.to_thread(task.questions)
        names = [n for n, _, _ in cfg.agent_list()]
        graph = build_graph(cfg.graph, names, cfg.seed)
        rounds = cfg.protocol.rounds
        self.out_dir.mkdir(parents=True, exist_ok=True)
        cache = self._open_cache()
        clients = self._given_clients or build_clients(cfg, cache)
        header = _header(
            cfg, questions, [(str(u), str(v)) for u, v in graph.edges()], clients, rounds
        )
        old = self._previous(header)
        if old is not None:
            header = old.header
        traits = cfg.all_traits()
        index = {n: i for i, n in enumerate(names)}
        soc = Society(
            task=task,
            members=[
                Member(name=n, trait=traits[t], backend_name=b, client=clients[b])
                for n, t, b in cfg.agent_list()
            ],
            in_neighbours=[
                sorted(index[p] for p in graph.predecessors(n) if p != n) for n in names
            ],
            plan=build_plan(rounds, task.instructions),
            gen=GenParams(
                temperature=cfg.generation.temperature,
                max_tokens=cfg.generation.max_tokens,
                top_p=cfg.generation.top_p,
                stop=tuple(cfg.generation.stop),
            ),
            seed=cfg.seed,
        )
        episodes = [
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
        done: dict[int, dict[TurnKey, TurnEvent]] = {}
        all_turns: list[TurnEvent] = []
        if old is not None:
            for t in old.turns:
                done.setdefault(t.episode, {})[(t.agent, t.round)] = t
            all_turns = list(old.turns)
        per_episode = len(names) * len(soc.plan)
        if self.monitor:
            self.monitor.started(len(episodes), per_episode * len(episodes), len(all_turns))
        writer = TranscriptWriter(self.transcript_path)
        if old is None:
            writer.write(header)
        errors: list[str] = []
        limit = asyncio.Semaphore(cfg.concurrency)

        def sink(event: TurnEvent) -> None:
            writer.write(event)
            all_turns.append(event)
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
                    await run_episode(soc, ep, prior, sink)
                except GenerationError as exc:
                    ok = False
                    errors.append(f"question {ep.question.id} repeat {ep.repeat}: {exc}")
            if self.monitor:
                self.monitor.episode(ok)

        try:
            async with asyncio.TaskGroup() as tg:
                for ep in episodes:
                    tg.create_task(one(ep))
        except BaseExceptionGroup as group:
            raise first_error(group) from None
        finally:
            await asyncio.gather(*(c.close() for c in clients.values()), return_exceptions=True)
            writer.close()
            if cache is not None:
                cache.close()

        status: Literal["complete", "incomplete"] = (
            "complete" if len(all_turns) == per_episode * len(episodes) else "incomplete"
        )
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
        )
        final = Transcript(header=header, turns=all_turns, end=end)
        write_canonical(self.transcript_path, final)
        acc, none = society_accuracy(final.header, final.turns, DECISION_RULES[cfg.decision])
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
    "build_clients",
    "run_experiment",
]
