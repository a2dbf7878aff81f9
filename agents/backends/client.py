"""The shared wrapper around every provider.

It owns what providers never do themselves: retries (exponential backoff with
jitter, honouring Retry-After), concurrency limits, rate limits, the response
cache and usage accounting.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from aiolimiter import AsyncLimiter
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    RetryError,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from agents.backends.base import Provider
from agents.backends.cache import ResponseCache, cache_key
from agents.backends.types import ChatRequest, Completion
from agents.errors import BackendError, GenerationError


@dataclass(frozen=True)
class RetryPolicy:
    """How failed attempts are retried."""

    attempts: int = 6
    initial_s: float = 0.5
    max_s: float = 30.0
    jitter_s: float = 0.5


@dataclass
class UsageTotals:
    """Running totals of one backend's calls."""

    calls: int = 0
    cache_hits: int = 0
    retries: int = 0
    errors: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass
class BackendClient:
    """What agents talk to: one provider plus the shared policies.

    Args:
        name: the backend's key in the config.
        provider: the implementation.
        semaphore: the concurrency limit (shared by clients with one concurrency key).
        cache: the response cache, or None to disable caching.
        limiter: an optional requests-per-second limiter.
        retry: the retry policy.
    """

    name: str
    provider: Provider
    semaphore: asyncio.Semaphore
    cache: ResponseCache | None = None
    limiter: AsyncLimiter | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    usage: UsageTotals = field(default_factory=UsageTotals)

    def __post_init__(self) -> None:
        self._identity = self.provider.identity()
        self._start_lock = asyncio.Lock()
        self._started = False
        self._backoff = wait_exponential_jitter(
            initial=self.retry.initial_s, max=self.retry.max_s, jitter=self.retry.jitter_s
        )

    async def complete(self, request: ChatRequest) -> Completion:
        """Complete ``request``: from the cache if possible, else through the provider."""
        key = cache_key(self._identity, request) if self.cache is not None else ""
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                self._count(hit)
                self.usage.cache_hits += 1
                return hit
        await self._ensure_started()
        completion = await self._call_with_retries(request)
        if self.cache is not None:
            self.cache.put(key, completion)
        self._count(completion)
        return completion

    async def _ensure_started(self) -> None:
        # Lazy: a rerun served entirely from the cache never loads the model.
        if self._started:
            return
        async with self._start_lock:
            if not self._started:
                await self.provider.start()
                self._started = True

    async def close(self) -> None:
        """Release the provider if it was started."""
        if self._started:
            await self.provider.close()
            self._started = False

    def _count(self, completion: Completion) -> None:
        self.usage.calls += 1
        self.usage.prompt_tokens += completion.usage.prompt_tokens
        self.usage.completion_tokens += completion.usage.completion_tokens

    def _wait(self, state: RetryCallState) -> float:
        backoff = float(self._backoff(state))
        exc = state.outcome.exception() if state.outcome is not None else None
        asked = self.provider.retry_after(exc) if exc is not None else None
        return max(backoff, asked) if asked is not None else backoff

    def _before_sleep(self, state: RetryCallState) -> None:
        self.usage.retries += 1

    async def _call_with_retries(self, request: ChatRequest) -> Completion:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.retry.attempts),
            wait=self._wait,
            retry=retry_if_exception(self.provider.is_retryable),
            before_sleep=self._before_sleep,
            reraise=False,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._attempt(request)
        except RetryError as exc:
            self.usage.errors += 1
            last = exc.last_attempt.exception()
            raise GenerationError(
                f"backend {self.name!r}: gave up after {self.retry.attempts} attempts: {last}"
            ) from last
        except BackendError:
            self.usage.errors += 1
            raise
        except Exception as exc:
            self.usage.errors += 1
            raise GenerationError(f"backend {self.name!r}: {type(exc).__name__}: {exc}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    async def _attempt(self, request: ChatRequest) -> Completion:
        async with self.semaphore:
            if self.limiter is not None:
                await self.limiter.acquire()
            start = time.perf_counter()
            completion = await self.provider.generate(request)
            if completion.latency_s == 0.0:
                completion = completion.model_copy(
                    update={"latency_s": time.perf_counter() - start}
                )
            return completion
