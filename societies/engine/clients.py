"""Backends shared by several runs in one event loop (sweep cells, coalition pipelines).

A :class:`ClientPool` keeps one :class:`SharedProvider` per distinct backend spec:
the provider is started once (one llama.cpp server for the whole sweep), one
concurrency limit spans every run, and a call that several runs make
identically (same backend, messages, parameters and seed: the response cache's
key; for a simulation, which answers from the hints, also the same hints) is
made once. Calls already made come from the shared response
cache; calls in flight are awaited by the later askers. Each run gets its own
:class:`~agents.backends.client.BackendClient` over the shared provider, so its
usage (calls, cache hits, retries, tokens) is its own; a reply it got from
another run's call counts as one of its cache hits.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from aiolimiter import AsyncLimiter

from agents.backends import (
    BackendClient,
    BackendSpec,
    Provider,
    ResponseCache,
    UsageTotals,
    create_provider,
)
from agents.backends.cache import cache_key, simulation_key
from agents.types import ChatRequest, Completion

UNLIMITED = 1_000_000
"""A provider allowing this many calls at once gets no semaphore."""

RECENT_S = 1.0
"""How long a finished call of a cached provider stays in memory (until the cache has it)."""


class SharedProvider(Provider):
    """One real provider behind many clients: started once, each distinct call made once.

    Args:
        inner: the real provider.
        semaphore: the concurrency limit of every run together (None: no limit).
        limiter: an optional requests-per-second limiter.
        keep: keep every completion in memory (for providers the response cache does
            not store, e.g. simulations, or when caching is off); otherwise a finished
            call is kept only for :data:`RECENT_S` seconds, until the cache has it.
    """

    kind: ClassVar[str] = "shared"

    def __init__(
        self,
        inner: Provider,
        *,
        semaphore: asyncio.Semaphore | None,
        limiter: AsyncLimiter | None = None,
        keep: bool = False,
    ) -> None:
        self.inner = inner
        self._identity = inner.identity()
        self._key = cache_key if inner.cacheable else simulation_key
        self._semaphore = semaphore
        self._limiter = limiter
        self._keep = keep
        self._inflight: dict[str, asyncio.Future[Completion]] = {}
        self._done: dict[str, Completion] = {}
        self._start_lock: asyncio.Lock | None = None
        self._started = False
        self.calls = 0
        self.shared = 0

    @classmethod
    def from_spec(cls, spec: BackendSpec, *, name: str) -> SharedProvider:
        """Not built from a spec: see :class:`ClientPool`."""
        raise TypeError("a SharedProvider wraps a provider; build it through ClientPool")

    def identity(self) -> dict[str, Any]:
        """The real provider's identity (so cache keys match unshared runs)."""
        return self._identity

    def max_concurrency(self) -> int:
        """The limit is applied here, once for every run, not by each run's client."""
        return UNLIMITED

    def is_retryable(self, exc: BaseException) -> bool:
        """The real provider's rule."""
        return self.inner.is_retryable(exc)

    def retry_after(self, exc: BaseException) -> float | None:
        """The real provider's rule."""
        return self.inner.retry_after(exc)

    def start_label(self) -> str:
        """The real provider's."""
        return self.inner.start_label()

    async def start(self) -> None:
        """Start the real provider once, whichever run asks first."""
        if self._started:
            return
        if self._start_lock is None:
            self._start_lock = asyncio.Lock()
        async with self._start_lock:
            if not self._started:
                await self.inner.start()
                self._started = True

    async def close(self) -> None:
        """A run finishing does not stop the shared provider (see :meth:`shutdown`)."""

    async def shutdown(self) -> None:
        """Stop the real provider (the pool's owner calls this at the end)."""
        if self._started:
            await self.inner.close()
            self._started = False

    async def generate(self, request: ChatRequest) -> Completion:
        """Make the call, or share the identical call made or in flight."""
        key = self._key(self._identity, request)
        done = self._done.get(key)
        if done is not None:
            self.shared += 1
            return done.model_copy(update={"cached": True})
        pending = self._inflight.get(key)
        if pending is not None:
            self.shared += 1
            result = await asyncio.shield(pending)
            return result.model_copy(update={"cached": True})
        task = asyncio.ensure_future(self._call(key, request))
        self._inflight[key] = task
        task.add_done_callback(lambda t: self._finished(key, t))
        return await asyncio.shield(task)

    def _finished(self, key: str, task: asyncio.Future[Completion]) -> None:
        self._inflight.pop(key, None)
        if not task.cancelled():
            task.exception()  # retrieved here, so an unawaited failure is not logged

    async def _call(self, key: str, request: ChatRequest) -> Completion:
        if self._semaphore is None:
            completion = await self._limited(request)
        else:
            async with self._semaphore:
                completion = await self._limited(request)
        self.calls += 1
        self._done[key] = completion
        if not self._keep:
            asyncio.get_running_loop().call_later(RECENT_S, self._done.pop, key, None)
        return completion

    async def _limited(self, request: ChatRequest) -> Completion:
        if self._limiter is not None:
            await self._limiter.acquire()
        return await self.inner.generate(request)


class _RunView(Provider):
    """One run's handle on a shared provider: counts the calls it got from another run's call."""

    kind: ClassVar[str] = "shared"

    def __init__(self, shared: SharedProvider) -> None:
        self.shared = shared
        self.usage: UsageTotals | None = None

    @classmethod
    def from_spec(cls, spec: BackendSpec, *, name: str) -> _RunView:
        """Not built from a spec."""
        raise TypeError("built by ClientPool")

    def identity(self) -> dict[str, Any]:
        """The real provider's identity."""
        return self.shared.identity()

    def max_concurrency(self) -> int:
        """The shared provider applies the limit."""
        return UNLIMITED

    def is_retryable(self, exc: BaseException) -> bool:
        """The real provider's rule."""
        return self.shared.is_retryable(exc)

    def retry_after(self, exc: BaseException) -> float | None:
        """The real provider's rule."""
        return self.shared.retry_after(exc)

    def start_label(self) -> str:
        """The real provider's."""
        return self.shared.start_label()

    async def start(self) -> None:
        """Start the shared provider (once for every run)."""
        await self.shared.start()

    async def generate(self, request: ChatRequest) -> Completion:
        """Through the shared provider; a shared reply counts as a cache hit of this run."""
        completion = await self.shared.generate(request)
        if completion.cached and self.usage is not None:
            self.usage.cache_hits += 1
        return completion


@dataclass
class PoolStats:
    """What the shared providers did: calls made, and calls answered by another run's call."""

    calls: int = 0
    shared: int = 0


def _spec_key(spec: BackendSpec) -> str:
    return json.dumps(spec.model_dump(mode="json"), sort_keys=True)


class ClientPool:
    """Shared providers by backend spec, and per-run clients over them.

    Args:
        cache: the response cache every run shares (None: no cache).
    """

    def __init__(self, cache: ResponseCache | None) -> None:
        self.cache = cache
        self._providers: dict[str, SharedProvider] = {}
        self._semaphores: dict[str, asyncio.Semaphore] = {}

    def provider(self, name: str, spec: BackendSpec) -> SharedProvider:
        """The shared provider of ``spec`` (built on first use; ``name`` is for its messages)."""
        key = _spec_key(spec)
        shared = self._providers.get(key)
        if shared is None:
            inner = create_provider(spec, name=name)
            limit = inner.max_concurrency()
            sem = None
            if limit < UNLIMITED:
                sem = self._semaphores.setdefault(inner.concurrency_key(), asyncio.Semaphore(limit))
            rps = getattr(spec, "requests_per_second", None)
            limiter = AsyncLimiter(max_rate=rps, time_period=1.0) if rps else None
            keep = self.cache is None or not inner.cacheable
            shared = SharedProvider(inner, semaphore=sem, limiter=limiter, keep=keep)
            self._providers[key] = shared
        return shared

    def clients(self, backends: Mapping[str, BackendSpec]) -> dict[str, BackendClient]:
        """Fresh clients (own usage counts) over the shared providers, by backend name."""
        out: dict[str, BackendClient] = {}
        for name, spec in backends.items():
            shared = self.provider(name, spec)
            view = _RunView(shared)
            client = BackendClient(
                name=name,
                provider=view,
                semaphore=None,
                cache=self.cache if shared.inner.cacheable else None,
                retry=spec.retry,
            )
            view.usage = client.usage
            out[name] = client
        return out

    def stats(self) -> PoolStats:
        """Calls made and shared so far, over every provider."""
        return PoolStats(
            calls=sum(p.calls for p in self._providers.values()),
            shared=sum(p.shared for p in self._providers.values()),
        )

    async def close(self) -> None:
        """Stop every shared provider."""
        await asyncio.gather(
            *(p.shutdown() for p in self._providers.values()), return_exceptions=True
        )

    async def run(self, work: Iterable[Coroutine[Any, Any, None]]) -> None:
        """Run ``work`` concurrently in one task group; then, however it ended, stop
        every shared provider and close the response cache."""
        try:
            async with asyncio.TaskGroup() as tg:
                for coro in work:
                    tg.create_task(coro)
        finally:
            await self.close()
            if self.cache is not None:
                self.cache.close()


__all__ = ["ClientPool", "PoolStats", "SharedProvider"]
