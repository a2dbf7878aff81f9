"""The shared wrapper: retries, Retry-After, concurrency, cache, lazy start."""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from pathlib import Path

import pytest

from agents.backends import (
    BackendClient,
    ChatRequest,
    Completion,
    GenParams,
    Message,
    ResponseCache,
    RetrySpec,
    cache_key,
    simulation_key,
)
from agents.backends.base import BackendSpec, Provider
from agents.errors import GenerationError

REQ = ChatRequest(messages=(Message(role="user", content="hi"),), params=GenParams(seed=1))


class Flaky(Provider):
    """Fails ``failures`` times with a retryable error, then answers."""

    kind = "flaky"

    def __init__(
        self, failures: int, retryable: bool = True, retry_after: float | None = None
    ) -> None:
        self.failures = failures
        self.retryable = retryable
        self.after = retry_after
        self.calls = 0
        self.starts = 0
        self.in_flight = 0
        self.peak = 0

    @classmethod
    def from_spec(cls, spec: BackendSpec, *, name: str) -> Flaky:
        raise NotImplementedError

    async def start(self) -> None:
        self.starts += 1

    async def generate(self, request: ChatRequest) -> Completion:
        self.calls += 1
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        await asyncio.sleep(0.001)
        self.in_flight -= 1
        if self.calls <= self.failures:
            raise ConnectionError("boom")
        return Completion(text=f"reply {request.messages[-1].content}")

    def is_retryable(self, exc: BaseException) -> bool:
        return self.retryable

    def retry_after(self, exc: BaseException) -> float | None:
        return self.after


FAST = RetrySpec(attempts=4, initial_s=0.001, max_s=0.002, jitter_s=0.0)


def client(p: Provider, cache: ResponseCache | None = None, limit: int = 100) -> BackendClient:
    return BackendClient(
        name="b", provider=p, semaphore=asyncio.Semaphore(limit), cache=cache, retry=FAST
    )


async def test_retries_until_success_and_counts_them() -> None:
    p = Flaky(failures=3)
    c = client(p)
    assert (await c.complete(REQ)).text == "reply hi"
    assert p.calls == 4 and c.usage.retries == 3 and c.usage.errors == 0


async def test_gives_up_after_the_configured_attempts() -> None:
    c = client(Flaky(failures=10))
    with pytest.raises(GenerationError, match="gave up after 4 attempts"):
        await c.complete(REQ)
    assert c.usage.errors == 1


async def test_non_retryable_errors_fail_at_once() -> None:
    p = Flaky(failures=1, retryable=False)
    with pytest.raises(GenerationError, match="failed: ConnectionError"):
        await client(p).complete(REQ)
    assert p.calls == 1


def test_backoff_grows_and_honours_retry_after() -> None:
    c = BackendClient(
        name="b",
        provider=Flaky(0),
        semaphore=asyncio.Semaphore(1),
        retry=RetrySpec(attempts=9, initial_s=0.5, max_s=4.0, jitter_s=0.0),
    )
    assert [c.backoff(a, RuntimeError()) for a in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    slow = BackendClient(
        name="b", provider=Flaky(0, retry_after=7.0), semaphore=asyncio.Semaphore(1)
    )
    assert slow.backoff(1, RuntimeError()) == 7.0


async def test_concurrency_limit_is_respected() -> None:
    p = Flaky(0)
    c = client(p, limit=3)
    await asyncio.gather(*(c.complete(REQ) for _ in range(20)))
    assert p.peak == 3


async def test_cache_hit_skips_the_provider_and_its_start(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite")
    p = Flaky(0)
    first = await client(p, cache).complete(REQ)
    assert not first.cached and p.calls == 1 and p.starts == 1
    p2 = Flaky(0)
    second = await client(p2, cache).complete(REQ)
    assert second.cached and second.text == first.text
    assert p2.calls == 0 and p2.starts == 0  # a full cache never starts the model
    other = REQ.model_copy(update={"params": GenParams(seed=2)})
    assert not (await client(p2, cache).complete(other)).cached  # the seed is part of the key


async def test_refresh_ignores_stored_replies_but_stores_new_ones(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    await client(Flaky(0), ResponseCache(path)).complete(REQ)
    p = Flaky(0)
    assert not (await client(p, ResponseCache(path, refresh=True)).complete(REQ)).cached
    assert p.calls == 1


def test_cache_key_depends_on_backend_messages_params_and_sample() -> None:
    ident = {"kind": "x", "model": "m"}
    base = cache_key(ident, REQ)
    assert base == cache_key(dict(ident), REQ)
    assert base != cache_key({"kind": "x", "model": "n"}, REQ)
    assert base != cache_key(
        ident, REQ.model_copy(update={"params": GenParams(seed=1, temperature=0.5)})
    )
    assert base != cache_key(ident, REQ, sample=1)
    other = REQ.model_copy(update={"messages": (Message(role="user", content="other"),)})
    assert base != cache_key(ident, other)


def test_cache_key_ignores_simulation_hints_and_carries_its_version() -> None:
    ident = {"kind": "x", "model": "m"}
    a = REQ.model_copy(update={"hints": {"gold": "1", "neighbour_answers": ["2"]}})
    b = REQ.model_copy(update={"hints": {"gold": "7", "neighbour_answers": [None]}})
    assert cache_key(ident, a) == cache_key(ident, b) == cache_key(ident, REQ)
    # Simulations answer from the hints: their in-flight sharing key keeps them.
    assert simulation_key(ident, a) != simulation_key(ident, b)
    # The version-1 key of the same request (hints included, no version) differs, so
    # entries stored under the old scheme miss once instead of being misread.
    v1 = {
        "backend": ident,
        "messages": [m.model_dump() for m in REQ.messages],
        "params": REQ.params.model_dump(),
        "hints": REQ.hints,
        "sample": 0,
    }
    blob = json.dumps(v1, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert cache_key(ident, REQ) != hashlib.sha256(blob.encode()).hexdigest()


def test_cache_is_safe_with_concurrent_writers(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"

    def writer(i: int) -> None:
        cache = ResponseCache(path)
        for j in range(50):
            cache.put(f"{i}-{j}", Completion(text=str(j)))
        cache.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cache = ResponseCache(path)
    assert len(cache) == 200
    hit = cache.get("3-49")
    assert hit is not None and hit.text == "49" and hit.cached


async def test_lone_surrogates_are_replaced() -> None:
    class Bad(Flaky):
        async def generate(self, request: ChatRequest) -> Completion:
            return Completion(text="ok \ud800 end")

    out = await client(Bad(0)).complete(REQ)
    out.text.encode("utf-8")  # would raise on a lone surrogate
    assert out.text.startswith("ok ") and out.text.endswith(" end")
