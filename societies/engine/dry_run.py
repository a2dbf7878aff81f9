"""``--dry-run``: how many calls a run or a sweep will make, and what they may cost, before spending.

The estimate runs the real episode machinery (the scheduler, the protocols,
the coalition's routing) against a symbolic backend that calls no model: each
reply is a placeholder derived from the request's cache key, so two requests
are counted as one call exactly when the response cache (and a sweep's shared
backends) would make them once, because they carry the same backend, messages,
parameters and seed (and, for a simulation, the same hints). Replies of real models that happen to coincide can
only save more.

Tokens are estimated from the prompt texts (the templates filled with the
task's questions) at about four characters per token, with every reply, as it
reappears in later prompts and as completion, counted at ``reply_tokens``
(default: the config's ``max_tokens``, an upper bound). Cost uses the
backends' ``price_per_1m_*`` fields; the other backends are counted as free.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rich.console import Console
from rich.table import Table

from agents.backends import BackendClient, BackendSpec, Provider, create_provider
from agents.backends.cache import cache_key, simulation_key
from agents.errors import BackendError
from agents.types import ChatRequest, Completion, Usage
from societies.config import ExperimentConfig
from societies.engine.budget import Price, price_of
from societies.engine.build import build_episodes, build_runner
from societies.engine.runner import Episode

MARK = "\u27e6reply "
"""How a placeholder reply starts (it ends with ``\u27e7``)."""

_MARK_LEN = len(MARK) + 16 + 1


@dataclass
class BackendTally:
    """Calls and estimated tokens of one backend.

    Attributes:
        label: the backend's config name and model.
        requests: calls asked for.
        calls: distinct calls (what is actually made).
        prompt_tokens: estimated prompt tokens of the distinct calls.
        completion_tokens: estimated completion tokens of the distinct calls.
        price: its price per million tokens (zero when unknown).
    """

    label: str
    requests: int = 0
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    price: Price = field(default_factory=Price)

    @property
    def cost_usd(self) -> float:
        """Estimated cost of the distinct calls."""
        usage = Usage(prompt_tokens=self.prompt_tokens, completion_tokens=self.completion_tokens)
        return self.price.cost(usage)


@dataclass
class Estimate:
    """The dry-run figures of one run (a config or a sweep cell).

    Attributes:
        label: the run's name or cell name.
        requests: turns, i.e. calls asked for.
        calls: distinct calls within the run (what it makes alone, with a cache).
        prompt_tokens: estimated prompt tokens of those calls.
        completion_tokens: estimated completion tokens of those calls.
    """

    label: str
    requests: int = 0
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    keys: set[str] = field(default_factory=set, repr=False)


@dataclass
class DryRun:
    """The dry-run figures of one or more runs.

    Attributes:
        runs: per run, its own figures.
        backends: per backend (by spec), the distinct calls over all runs and their tokens.
        reply_tokens: the reply lengths the token estimate assumed.
    """

    runs: list[Estimate]
    backends: list[BackendTally]
    reply_tokens: list[int]

    @property
    def requests(self) -> int:
        """Turns over all runs."""
        return sum(r.requests for r in self.runs)

    @property
    def calls(self) -> int:
        """Distinct calls over all runs: what they make together, sharing one cache."""
        return sum(b.calls for b in self.backends)

    @property
    def within_runs(self) -> int:
        """Calls saved inside single runs (e.g. a coalition sharing a member's stages)."""
        return self.requests - sum(r.calls for r in self.runs)

    @property
    def between_runs(self) -> int:
        """Calls that several runs make identically, counted once: a sweep's saving."""
        return sum(r.calls for r in self.runs) - self.calls

    @property
    def prompt_tokens(self) -> int:
        """Estimated prompt tokens of every distinct call."""
        return sum(b.prompt_tokens for b in self.backends)

    @property
    def completion_tokens(self) -> int:
        """Estimated completion tokens of every distinct call."""
        return sum(b.completion_tokens for b in self.backends)

    @property
    def cost_usd(self) -> float:
        """Estimated cost of every distinct call."""
        return sum(b.cost_usd for b in self.backends)

    @property
    def priced(self) -> bool:
        """Whether any backend has a price."""
        return any(b.price.known for b in self.backends)


def estimate_tokens(request: ChatRequest, reply_tokens: int) -> int:
    """Prompt tokens of a request: characters / 4, each placeholder reply as ``reply_tokens``."""
    chars, marks = 0, 0
    for m in request.messages:
        n = m.content.count(MARK)
        marks += n
        chars += len(m.content) - n * _MARK_LEN
    return -(-max(chars, 0) // 4) + marks * reply_tokens


class SymbolicProvider(Provider):
    """Replies with a placeholder named after the request's cache key; calls no model.

    Args:
        identity: the identity of the real provider (so keys match the real ones).
        tally: the backend's overall tally (distinct calls over every run).
        run: the figures of the run being estimated.
        seen: every key seen so far, over all runs.
        reply_tokens: the assumed reply length.
        simulation: the real provider is a simulation, whose identical calls are
            those with the same hints too.
    """

    kind: ClassVar[str] = "dry-run"
    cacheable: ClassVar[bool] = False

    def __init__(
        self, identity: dict[str, Any], tally: BackendTally, run: Estimate, seen: set[str],
        reply_tokens: int, *, simulation: bool = False,
    ) -> None:  # fmt: skip
        self._identity = identity
        self._key = simulation_key if simulation else cache_key
        self.tally = tally
        self.run = run
        self.seen = seen
        self.reply_tokens = reply_tokens

    @classmethod
    def from_spec(cls, spec: BackendSpec, *, name: str) -> SymbolicProvider:
        """Not built from a spec."""
        raise TypeError("built by estimate_runs")

    def identity(self) -> dict[str, Any]:
        """The real provider's identity."""
        return self._identity

    def max_concurrency(self) -> int:
        """No limit."""
        return 1_000_000

    async def generate(self, request: ChatRequest) -> Completion:
        """Record the request; reply with its placeholder."""
        key = self._key(self._identity, request)
        run, tally = self.run, self.tally
        run.requests += 1
        tally.requests += 1
        if key not in run.keys:
            prompt = estimate_tokens(request, self.reply_tokens)
            run.keys.add(key)
            run.calls += 1
            run.prompt_tokens += prompt
            run.completion_tokens += self.reply_tokens
            if key not in self.seen:
                self.seen.add(key)
                tally.calls += 1
                tally.prompt_tokens += prompt
                tally.completion_tokens += self.reply_tokens
        return Completion(text=f"{MARK}{key[:16]}\u27e7")


def _identity(name: str, spec: BackendSpec) -> tuple[dict[str, Any], bool]:
    """The identity the real provider would have (its spec when it cannot be built here),
    and whether that provider is cacheable (a model, not a simulation)."""
    try:
        provider = create_provider(spec, name=name)
    except (BackendError, OSError):  # e.g. an API key not set: the dry run does not need it
        return {"spec": spec.model_dump(mode="json")}, True
    return provider.identity(), provider.cacheable


def _label(name: str, spec: BackendSpec) -> str:
    model = getattr(spec, "model", None)
    return f"{name} ({spec.kind}{':' + str(model) if model else ''})"


@dataclass
class _State:
    seen: set[str] = field(default_factory=set)
    tallies: dict[str, BackendTally] = field(default_factory=dict)
    identities: dict[str, tuple[dict[str, Any], bool]] = field(default_factory=dict)


async def _estimate_one(
    label: str, cfg: ExperimentConfig, state: _State, reply_tokens: int
) -> Estimate:
    run = Estimate(label)
    clients: dict[str, BackendClient] = {}
    for name, spec in cfg.backends.items():
        key = spec.model_dump_json()
        if key not in state.identities:
            state.identities[key] = await asyncio.to_thread(_identity, name, spec)
            state.tallies[key] = BackendTally(_label(name, spec), price=price_of(spec))
        identity, cacheable = state.identities[key]
        provider = SymbolicProvider(
            identity, state.tallies[key], run, state.seen, reply_tokens, simulation=not cacheable
        )
        clients[name] = BackendClient(name=name, provider=provider, semaphore=None)
    task = cfg.task.build()
    questions = await asyncio.to_thread(task.questions)
    runner = build_runner(cfg, task, clients)
    limit = asyncio.Semaphore(256)

    def sink(_: object) -> None:
        return None

    async def one(ep: Episode) -> None:
        async with limit:
            await runner.run_episode(ep, {}, sink)

    async with asyncio.TaskGroup() as tg:
        for ep in build_episodes(cfg, task, questions):
            tg.create_task(one(ep))
    return run


async def estimate_runs(
    runs: Sequence[tuple[str, ExperimentConfig]], *, reply_tokens: int | None = None
) -> DryRun:
    """Dry-run every (label, config); calls identical across runs are counted once overall.

    Args:
        runs: the runs, each with a label.
        reply_tokens: the assumed reply length (default: each config's ``max_tokens``).

    Raises:
        ConfigError, TaskError: a config's task or skill table cannot be loaded.
    """
    state = _State()
    estimates = []
    replies = []
    for label, cfg in runs:
        n = reply_tokens or cfg.generation.max_tokens
        replies.append(n)
        estimates.append(await _estimate_one(label, cfg, state, n))
    return DryRun(estimates, list(state.tallies.values()), sorted(set(replies)))


def dry_run(
    runs: Sequence[tuple[str, ExperimentConfig]], *, reply_tokens: int | None = None
) -> DryRun:
    """Synchronous :func:`estimate_runs`."""
    return asyncio.run(estimate_runs(runs, reply_tokens=reply_tokens))


__all__ = [
    "BackendTally",
    "DryRun",
    "Estimate",
    "SymbolicProvider",
    "dry_run",
    "estimate_runs",
    "estimate_tokens",
    "render_dry_run",
]


def render_dry_run(d: DryRun, console: Console, *, title: str, per_run: bool = False) -> None:
    """Print the estimate: calls (and shared ones), tokens, cost."""
    if per_run and len(d.runs) > 1:
        table = Table(title=f"{title}: per cell", title_justify="left")
        table.add_column("cell")
        table.add_column("calls", justify="right")
        table.add_column("alone", justify="right")
        for r in d.runs:
            table.add_row(r.label, f"{r.requests:,}", f"{r.calls:,}")
        console.print(table)
    replies = "/".join(str(n) for n in d.reply_tokens)
    lines = [f"{title}: {d.requests:,} calls in {len(d.runs)} run{'s' * (len(d.runs) != 1)}"]
    if d.within_runs:
        lines.append(f"  shared within runs: {d.within_runs:,} (made once each)")
    if len(d.runs) > 1:
        lines.append(
            f"  shared between cells: {d.between_runs:,} (made once, through the shared cache)"
        )
    lines.append(f"  model calls: {d.calls:,}")
    lines.append(
        f"  tokens (estimate, replies of {replies} tokens): prompt ~{d.prompt_tokens:,}, "
        f"completion ~{d.completion_tokens:,}"
    )
    for b in d.backends:
        if b.price.known:
            cost = f"~${b.cost_usd:,.4f}"
        else:
            cost = "no price in the config (local or unknown)"
        lines.append(f"  {b.label}: {b.calls:,} calls, {cost}")
    if d.priced:
        lines.append(f"  cost (estimate): ~${d.cost_usd:,.4f}")
    for line in lines:
        console.print(line, markup=False, highlight=False)
