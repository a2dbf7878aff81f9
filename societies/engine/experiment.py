"""One experiment run: build the parts from the config, run all episodes, keep the transcript."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NamedTuple, Protocol, runtime_checkable

from agents.backends import BackendClient, ResponseCache
from agents.backends.starting import on_backend_start
from agents.errors import BackendConfigError, FatalBackendError, GenerationError
from benchmarks.base import Task
from protocols.decision import DECISION_RULES
from societies.analysis.decisions import society_accuracy
from societies.analysis.scoring import TruncatedMode, scored_answer, truncated_mode
from societies.config import CoalitionSpec, ExperimentConfig
from societies.engine.budget import Budget, make_budget, with_budget
from societies.engine.build import build_clients, build_episodes, build_header, build_runner, now
from societies.engine.clients import ClientPool
from societies.engine.folder import folder_lock
from societies.engine.resume import amended, header_diff, refusal
from societies.engine.runner import Episode, EpisodeRunner, TurnKey, first_error
from societies.errors import RunError
from societies.transcript import (
    TRANSCRIPT,
    EndEvent,
    HeaderEvent,
    LineRef,
    Transcript,
    TranscriptWriter,
    TurnEvent,
    index_turns,
    read_transcript,
    replace_header,
    rewrite_canonical,
    turn_sort_key,
)

CacheMode = Literal["on", "off", "refresh"]
RunStatus = Literal["complete", "incomplete", "budget"]


class RunMonitor(Protocol):
    """Receives progress events (the CLI draws a progress bar from them)."""

    def started(self, episodes: int, turns: int, already_done: int) -> None:
        """The run starts; ``already_done`` turns come from a resumed transcript."""

    def turn(self, event: TurnEvent) -> None:
        """A turn completed."""

    def episode(self, ok: bool) -> None:
        """An episode finished (``ok`` False: it failed and will be retried on resume)."""


@runtime_checkable
class StartMonitor(Protocol):
    """A monitor that also shows backends starting (models loading, servers starting)."""

    def backend_start(self, name: str, what: str, done: bool) -> None:
        """Backend ``name`` starts doing ``what`` (``done``: it has finished)."""


class TurnBrief(NamedTuple):
    """What a run keeps in memory of each turn (for its summary)."""

    episode: int
    round: int
    agent: str
    answer: str | None
    correct: bool

    @classmethod
    def of(cls, t: TurnEvent, truncated: TruncatedMode = "keep") -> TurnBrief:
        """The brief of a full turn event, its answer scored as ``scoring.truncated`` says."""
        answer, correct = scored_answer(t.answer, t.correct, t.finish_reason, truncated)
        return cls(t.episode, t.round, t.agent, answer, correct)


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
    started: int | None = None
    """Episodes with at least one recorded turn (None: not counted)."""
    changes: list[str] = field(default_factory=list)
    """Config changes this resumed run continued under (recorded in the header's amendments)."""


@dataclass
class _Progress:
    """A run's bookkeeping while it is in flight.

    Only light records and line positions are kept: holding 50,000 TurnEvents (with
    their messages) alive made the garbage collector half the cost of a turn.
    """

    header: HeaderEvent
    runner: EpisodeRunner
    episodes: list[Episode]
    done: dict[int, dict[TurnKey, TurnEvent]] = field(default_factory=dict)
    briefs: list[TurnBrief] = field(default_factory=list)
    refs: list[LineRef] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    resumed: bool = False

    @property
    def complete(self) -> bool:
        """Whether every turn of every episode is recorded."""
        return len(self.briefs) == self.runner.per_episode * len(self.episodes)


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
        self._cache: ResponseCache | None = None
        self._pool: ClientPool | None = None
        self.changes: list[str] = []
        """Config changes this session continued under (one line each; see ``resume``)."""

    @property
    def transcript_path(self) -> Path:
        """Where the transcript is written."""
        return self.out_dir / TRANSCRIPT

    def _open_cache(self) -> ResponseCache | None:
        if self.cache_mode == "off":
            return None
        path = self.cfg.cache.path or self.out_dir / "cache.sqlite"
        return ResponseCache(path, refresh=self.cache_mode == "refresh")

    def _clients(self) -> Mapping[str, BackendClient]:
        """The given clients, or clients over the config's backends (opening the cache)."""
        if self._given_clients is not None:
            return self._given_clients
        self._cache = self._open_cache()
        if isinstance(self.cfg.protocol, CoalitionSpec):
            # The coalition's stages and a member's own pipeline often make the same
            # call: shared backends make it once even when both are in flight.
            self._pool = ClientPool(self._cache)
            return self._pool.clients(self.cfg.backends)
        return build_clients(self.cfg, self._cache)

    def _previous(self, header: HeaderEvent, runner: EpisodeRunner) -> Transcript | None:
        """The transcript to continue (None: start afresh); its header amended if the config
        changed in ways that leave its turns valid.

        Raises:
            RunError: no --resume, or a change that would alter the recorded results
                (:class:`~societies.engine.resume.ConfigChangedError`, naming each field).
        """
        path = self.transcript_path
        if not path.exists() or path.stat().st_size == 0:
            return None
        if _header_cut(path):
            if not self.resume:
                raise RunError(
                    f"{path}: the header is cut (the run stopped while starting) and no turn "
                    "was recorded: pass --resume to start it over"
                )
            path.write_bytes(b"")  # nothing to keep: start over
            return None
        if not self.resume:
            raise RunError(
                f"{path} already exists: pass --resume to continue that run, or choose another --out"
            )
        old = read_transcript(path)
        diff = header_diff(old.header, header)
        if diff.changes_results:
            raise refusal(str(path), diff)
        try:
            runner.check_resume(old.header.components)
        except RunError as exc:
            raise RunError(f"{path}: {exc}") from None
        if diff:
            old.header = amended(old.header, header, diff)  # written once the run can start
            self.changes = diff.lines()
        return old

    async def _prepare(self, task: Task, clients: Mapping[str, BackendClient]) -> _Progress:
        """Questions, runner, header (or the resumed transcript's) and episodes."""
        questions = await asyncio.to_thread(task.questions)
        run_clients = with_budget(clients, self.budget) if self.budget is not None else clients
        runner = build_runner(self.cfg, task, run_clients)
        header = build_header(self.cfg, questions, runner, clients)
        old = self._previous(header, runner)
        episodes = build_episodes(self.cfg, task, questions)
        if old is None:
            return _Progress(header, runner, episodes)
        if self.changes:
            replace_header(self.transcript_path, old.header)
        progress = _Progress(old.header, runner, episodes, resumed=True)
        if self.budget is not None:
            self.budget.spend_recorded(
                (t.backend, u, c)
                for t in old.turns
                for u, c in [(t.usage, t.cached)]
                + ([(t.opening.usage, t.opening.cached)] if t.opening else [])
            )
        for t in old.turns:
            progress.done.setdefault(t.episode, {})[(t.agent, t.round)] = t
        mode = truncated_mode(old.header)
        progress.briefs = [TurnBrief.of(t, mode) for t in old.turns]
        return progress

    async def _run_episodes(self, p: _Progress, writer: TranscriptWriter) -> bool:
        """Run every unfinished episode; True when the budget stopped the run."""
        sort_key = turn_sort_key(p.header)
        limit = asyncio.Semaphore(self.cfg.episodes_in_flight())
        monitor = self.monitor
        mode = truncated_mode(p.header)

        def sink(event: TurnEvent) -> None:
            offset, length = writer.write(event)
            p.refs.append((sort_key(event), offset, length))
            p.briefs.append(TurnBrief.of(event, mode))
            if monitor:
                monitor.turn(event)

        async def one(ep: Episode) -> None:
            prior = p.done.get(ep.index, {})
            ok = True
            if len(prior) < p.runner.per_episode:
                async with limit:
                    try:
                        await p.runner.run_episode(ep, prior, sink)
                    except FatalBackendError as exc:
                        raise FatalBackendError(
                            f"{exc}; the transcript so far is kept: fix it and continue "
                            "with --resume"
                        ) from None
                    except GenerationError as exc:
                        ok = False
                        p.errors.append(f"question {ep.question.id} repeat {ep.repeat}: {exc}")
            if monitor:
                monitor.episode(ok)

        async def run_all() -> None:
            # No GC tuning here: GC state is the process owner's (see engine.gctune).
            async with asyncio.TaskGroup() as tg:
                for ep in p.episodes:
                    tg.create_task(one(ep))

        try:
            if self.budget is None:
                await run_all()
                return False
            return await _until_budget(run_all(), self.budget)
        except BaseExceptionGroup as group:
            raise first_error(group) from None

    async def _close(self, clients: Mapping[str, BackendClient]) -> None:
        await asyncio.gather(*(c.close() for c in clients.values()), return_exceptions=True)
        if self._pool is not None:
            await self._pool.close()
        if self._cache is not None:
            self._cache.close()

    async def run(self) -> RunResult:
        """Run every episode not yet recorded; return the summary."""
        started = time.perf_counter()
        task: Task = self.cfg.task.build()
        with folder_lock(self.out_dir):  # one writer per run folder
            return await self._run_locked(task, started)

    def _starts_shown(self) -> contextlib.AbstractContextManager[None]:
        """Backends starting during the run are shown by the monitor, if it can."""
        if isinstance(self.monitor, StartMonitor):
            return on_backend_start(self.monitor.backend_start)
        return contextlib.nullcontext()

    async def _run_locked(self, task: Task, started: float) -> RunResult:
        clients = self._clients()
        writer: TranscriptWriter | None = None
        try:
            p = await self._prepare(task, clients)
            if self.monitor:
                total = p.runner.per_episode * len(p.episodes)
                self.monitor.started(len(p.episodes), total, len(p.briefs))
            writer = TranscriptWriter(self.transcript_path)
            if p.resumed:
                p.refs = index_turns(self.transcript_path, p.header)
            else:
                writer.write(p.header)
            with self._starts_shown():
                stopped = await self._run_episodes(p, writer)
        except BackendConfigError:
            # Refused before its first turn (endpoint down, model not served): leave no
            # transcript behind, so the fixed config starts afresh without --resume.
            if writer is not None and not p.resumed and not p.refs:
                writer.close()
                writer = None
                self.transcript_path.unlink(missing_ok=True)
            raise
        finally:
            await self._close(clients)
            if writer is not None:
                writer.close()
        return self._finish(p, clients, stopped, time.perf_counter() - started)

    def _finish(
        self, p: _Progress, clients: Mapping[str, BackendClient], stopped: bool, wall_s: float
    ) -> RunResult:
        """Write the end line, rewrite the transcript in canonical order, summarise."""
        status: RunStatus = "complete" if p.complete else "budget" if stopped else "incomplete"
        usage = {name: _usage(c) for name, c in clients.items()}
        end = EndEvent(
            status=status,
            episodes=len(p.episodes),
            turns=len(p.briefs),
            errors=p.errors,
            session=usage,
            finished_at=now(),
            wall_s=round(wall_s, 3),
            budget=self.budget.summary() if self.budget is not None else None,
        )
        rewrite_canonical(self.transcript_path, p.refs, end)
        acc, none = society_accuracy(p.header, p.briefs, DECISION_RULES[p.header.decision])
        return RunResult(
            transcript=self.transcript_path,
            status=status,
            episodes=len(p.episodes),
            turns=len(p.briefs),
            errors=p.errors,
            accuracy_by_round=acc,
            no_decision_by_round=none,
            usage=usage,
            started=len({b.episode for b in p.briefs}),
            changes=self.changes,
        )


def _header_cut(path: Path) -> bool:
    """Whether the transcript holds no complete line (its header was cut)."""
    with path.open("rb") as fh:
        return b"\n" not in fh.read(1 << 20) and path.stat().st_size < (1 << 20)


def _usage(c: BackendClient) -> dict[str, int]:
    u = c.usage
    return {
        "calls": u.calls,
        "cache_hits": u.cache_hits,
        "retries": u.retries,
        "prompt_tokens": u.prompt_tokens,
        "completion_tokens": u.completion_tokens,
    }


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


__all__ = [
    "CacheMode",
    "Experiment",
    "RunMonitor",
    "RunResult",
    "RunStatus",
    "StartMonitor",
    "TurnBrief",
    "run_experiment",
]
