"""The shared wrapper around every provider.

It owns what providers never do themselves: retries (exponential backoff with
jitter, honouring Retry-After), concurrency limits, rate limits, the response
cache and usage accounting. Providers measure their own latency (a simulation
reports its simulated latency).
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field

from aiolimiter import AsyncLimiter

from agents.backends.base import Provider, RetrySpec
from agents.backends.cache import ResponseCache, cache_key
from agents.errors import BackendError, GenerationError
from agents.types import ChatRequest, Completion


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
        semaphore: the concurrency limit (shared by clients with one concurrency key);
            None for no limit.
        cache: the response cache, or None to disable caching.
        limiter: an optional requests-per-second limiter.
        retry: the retry policy.
    """

    name: str
    provider: Provider
    semaphore: asyncio.Semaphore | None
    cache: ResponseCache | None = None
    limiter: AsyncLimiter | None = None
    retry: RetrySpec = field(default_factory=RetrySpec)
    usage: UsageTotals = field(default_factory=UsageTotals)

    def __post_init__(self) -> None:
        self._identity = self.provider.identity()
        self._start_lock = asyncio.Lock()
        self._started = False

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
        completion = _clean(await self._call_with_retries(request))
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

    def backoff(self, attempt: int, exc: BaseException) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based).

        Exponential backoff with full jitter on top, never less than what the
        server asked for with Retry-After.
        """
        r = self.retry
        delay = min(r.max_s, r.initial_s * 2.0 ** (attempt - 1)) + random.uniform(0, r.jitter_s)
        asked = self.provider.retry_after(exc)
        return max(delay, asked) if asked is not None else delay

    async def _call_with_retries(self, request: ChatRequest) -> Completion:
        # A plain loop rather than tenacity: this is the hot path of every call
        # (tens of thousands per second in simulations), and tenacity's per-call
        # set-up cost more than the rest of a simulated turn.
        attempt = 1
        while True:
            try:
                return await self._attempt(request)
            except BackendError:
                self.usage.errors += 1
                raise
            except Exception as exc:
                if attempt >= self.retry.attempts or not self.provider.is_retryable(exc):
                    self.usage.errors += 1
                    what = f"gave up after {attempt} attempts" if attempt > 1 else "failed"
                    raise GenerationError(
                        f"backend {self.name!r}: {what}: {type(exc).__name__}: {exc}"
                    ) from exc
                self.usage.retries += 1
                await asyncio.sleep(self.backoff(attempt, exc))
                attempt += 1

    async def _attempt(self, request: ChatRequest) -> Completion:
        if self.semaphore is None:
            return await self._limited(request)
        async with self.semaphore:
            return await self._limited(request)

    async def _limited(self, request: ChatRequest) -> Completion:
        if self.limiter is not None:
            await self.limiter.acquire()
        return await self.provider.generate(request)


def _clean(completion: Completion) -> Completion:
    """Replace lone surrogates (which some servers emit as JSON escapes) so the text is valid UTF-8."""
    text = completion.text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        fixed = text.encode("utf-8", errors="replace").decode("utf-8")
        return completion.model_copy(update={"text": fixed})
    return completion
