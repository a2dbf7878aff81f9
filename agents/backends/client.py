"""The shared wrapper around every provider.

It owns what providers never do themselves: retries (exponential backoff with
jitter, honouring Retry-After), concurrency limits, rate limits, the response
cache and usage accounting. Providers measure their own latency (a simulation
reports its simulated latency).
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
from dataclasses import dataclass, field

from aiolimiter import AsyncLimiter

from agents.backends.base import Provider, RetrySpec
from agents.backends.cache import ResponseCache, cache_key
from agents.backends.secrets import has_secrets, redact
from agents.backends.starting import announce
from agents.errors import BackendConfigError, BackendError, FatalBackendError, GenerationError
from agents.types import ChatRequest, Completion, Usage

log = logging.getLogger("sociolab.backends")

PERMANENT_AFTER = 3
"""Calls failing with the same non-retryable status, before any success, that stop a backend."""

MAX_DETAIL = 300
"""Characters of a server's error text kept in a message."""


@dataclass
class UsageTotals:
    """Running totals of one backend's calls."""

    calls: int = 0
    cache_hits: int = 0
    retries: int = 0
    errors: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    estimated: int = 0  # calls whose usage the server did not report (estimated locally)


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
        self._start_error: BackendConfigError | None = None
        self._fatal: FatalBackendError | None = None
        self._successes = 0
        self._same_failures: tuple[str, int] = ("", 0)
        self._warned_wait = False

    async def complete(self, request: ChatRequest) -> Completion:
        """Complete ``request``: from the cache if possible, else through the provider.

        Raises:
            FatalBackendError: this backend failed permanently (now or on an earlier call).
            GenerationError: the call failed after the retries allowed.
        """
        key = cache_key(self._identity, request) if self.cache is not None else ""
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                self._count(hit)
                self.usage.cache_hits += 1
                return hit
        if self._fatal is not None:
            raise self._fatal
        await self._ensure_started()
        completion = _clean(await self._call_with_retries(request))
        if completion.usage.estimated:
            self.usage.estimated += 1
        if self.cache is not None:
            self.cache.put(key, completion)
        self._count(completion)
        return completion

    async def _ensure_started(self) -> None:
        # Lazy: a rerun served entirely from the cache never loads the model.
        if self._started:
            return
        async with self._start_lock:
            if self._start_error is not None:  # the calls waiting meanwhile fail alike
                raise self._start_error
            if not self._started:
                what = self.provider.start_label()
                announce(self.name, what, done=False)
                try:
                    await self.provider.start()
                except BackendConfigError as exc:  # wrong config: starting again cannot help
                    self._start_error = exc
                    raise
                finally:
                    announce(self.name, what, done=True)
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

        Exponential backoff with jitter on top, never less than what the server
        asked for with Retry-After, and never more than ``retry.max_s`` (a server
        asking for longer is told so once, in a warning).
        """
        r = self.retry
        delay = min(r.max_s, r.initial_s * 2.0 ** (attempt - 1)) + random.uniform(0, r.jitter_s)
        asked = self.provider.retry_after(exc)
        if asked is None or math.isnan(asked) or asked <= delay:
            return delay
        if asked > r.max_s:
            if not self._warned_wait:
                self._warned_wait = True
                log.warning(
                    "backend %r: the server asks to wait %s s (Retry-After); waiting %s s "
                    "(retry.max_s) instead",
                    self.name,
                    f"{asked:g}",
                    f"{r.max_s:g}",
                )
            return max(delay, r.max_s)
        return asked

    async def _call_with_retries(self, request: ChatRequest) -> Completion:
        # A plain loop rather than tenacity: this is the hot path of every call
        # (tens of thousands per second in simulations), and tenacity's per-call
        # set-up cost more than the rest of a simulated turn.
        attempt = 1
        while True:
            try:
                completion = await self._attempt(request)
                self._successes += 1
                return completion
            except BackendError:
                self.usage.errors += 1
                raise
            except Exception as exc:
                if self._fatal is not None:  # another call found it meanwhile
                    raise self._fatal from exc
                if self._is_permanent(exc):
                    self.usage.errors += 1
                    self._fatal = FatalBackendError(
                        f"backend {self.name!r}: {describe(exc)} (a retry cannot fix this: "
                        "the run stops)"
                    )
                    raise self._fatal from exc
                if attempt >= self.retry.attempts or not self.provider.is_retryable(exc):
                    self.usage.errors += 1
                    what = f"gave up after {attempt} attempts" if attempt > 1 else "failed"
                    raise GenerationError(
                        f"backend {self.name!r}: {what}: {describe(exc)}"
                    ) from exc
                self.usage.retries += 1
                await asyncio.sleep(self.backoff(attempt, exc))
                attempt += 1

    def _is_permanent(self, exc: Exception) -> bool:
        """A permanent status, or the same non-retryable failure on every call so far."""
        if self.provider.is_permanent(exc):
            return True
        if self._successes or self.provider.is_retryable(exc):
            return False
        kind = type(exc).__name__ + str(getattr(exc, "status_code", ""))
        same, n = self._same_failures
        self._same_failures = (kind, n + 1 if kind == same else 1)
        return self._same_failures[1] >= PERMANENT_AFTER

    async def _attempt(self, request: ChatRequest) -> Completion:
        if self.semaphore is None:
            return await self._limited(request)
        async with self.semaphore:
            return await self._limited(request)

    async def _limited(self, request: ChatRequest) -> Completion:
        if self.limiter is not None:
            await self.limiter.acquire()
        if self._fatal is not None:  # found while this call waited for its turn
            raise self._fatal
        return await self.provider.generate(request)


def describe(exc: BaseException) -> str:
    """One short line about a failed attempt: its type and text, redacted, on one line, cut."""
    text = " ".join(redact(f"{type(exc).__name__}: {exc}").split())
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 3] + "..."


def estimate_tokens(text: str) -> int:
    """A rough token count of ``text`` (about four characters per token, at least 1)."""
    return max(1, math.ceil(len(text) / 4))


def estimated_usage(request: ChatRequest, reply: str) -> Usage:
    """Usage estimated from the texts (flagged), for a server that reported none.

    Never 0: an unreported call still costs, and a budget must see it.
    """
    prompt = sum(estimate_tokens(m.content) + 4 for m in request.messages)
    return Usage(prompt_tokens=prompt, completion_tokens=estimate_tokens(reply), estimated=True)


def _clean(completion: Completion) -> Completion:
    """Replace lone surrogates (which some servers emit as JSON escapes) so the text is valid UTF-8."""
    text = completion.text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", errors="replace").decode("utf-8")
    if has_secrets():
        text = redact(text)
    return completion if text is completion.text else completion.model_copy(update={"text": text})
