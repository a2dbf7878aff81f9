"""Replies that must be retried, waits that must be capped, errors that must stop: a fake server.

The server (tests.helpers.fake_openai) speaks the OpenAI chat API on 127.0.0.1 and
injects one fault per request as told; the real ``openai`` client and the shared
wrapper handle them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from agents.backends import BackendClient, RetrySpec
from agents.backends.cache import ResponseCache
from agents.backends.openai import OpenAIProvider
from agents.errors import FatalBackendError, GenerationError
from agents.types import ChatRequest, Completion, Message
from tests.helpers.fake_openai import FakeServer, Fault, reply_text, running_server

QUICK = RetrySpec(attempts=4, initial_s=0.0, max_s=0.05, jitter_s=0.0)
REQUEST = ChatRequest(messages=(Message(role="user", content="What is 2+2?"),))


def _client(server: FakeServer, retry: RetrySpec = QUICK, **kw: object) -> BackendClient:
    provider = OpenAIProvider(
        model="m", base_url=f"http://127.0.0.1:{server.port}/v1", api_key="k", timeout_s=10
    )
    return BackendClient(name="api", provider=provider, semaphore=None, retry=retry, **kw)  # type: ignore[arg-type]


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with running_server(FakeServer()) as s:
        yield s


def _first(fault: Fault) -> object:
    return lambda index, body: fault if index == 0 else "ok"


@pytest.mark.parametrize("fault", ["invalid_json", "empty_choices", "null_content", 503, "drop"])
def test_an_unusable_reply_is_retried_and_the_retry_answers(
    server: FakeServer, fault: Fault
) -> None:
    server.faults = _first(fault)  # type: ignore[assignment]
    client = _client(server)
    completion = asyncio.run(_complete(client))
    assert completion.text == reply_text([{"role": "user", "content": "What is 2+2?"}])
    assert (server.requests, client.usage.retries, client.usage.errors) == (2, 1, 0)


def test_an_empty_reply_after_every_retry_is_a_failed_call_and_is_not_cached(
    server: FakeServer, tmp_path: Path
) -> None:
    server.faults = lambda index, body: "null_content"
    cache = ResponseCache(tmp_path / "c.sqlite")
    client = _client(server, cache=cache)

    async def twice() -> None:
        error = await _failing(client)
        assert "gave up after 4 attempts" in str(error) and "content is null" in str(error)
        assert server.requests == 4
        server.faults = lambda index, body: "ok"
        assert (await client.complete(REQUEST)).text  # asked again: nothing was cached
        await client.close()

    asyncio.run(twice())
    assert server.requests == 5
    cache.close()


def test_a_reply_without_usage_is_estimated_and_flagged_never_zero(server: FakeServer) -> None:
    server.faults = lambda index, body: "no_usage" if index == 0 else "ok"
    client = _client(server)

    async def twice() -> tuple[Completion, Completion]:
        first = await client.complete(REQUEST)
        second = await client.complete(REQUEST)
        await client.close()
        return first, second

    completion, again = asyncio.run(twice())
    assert completion.usage.estimated
    assert completion.usage.prompt_tokens > 0 and completion.usage.completion_tokens > 0
    assert client.usage.estimated == 1 and client.usage.prompt_tokens > 0
    assert "estimated" in completion.usage.model_dump_json()
    reported = again.usage
    assert (reported.prompt_tokens, reported.completion_tokens, reported.estimated) == (
        11,
        7,
        False,
    )
    assert "estimated" not in reported.model_dump_json()  # transcripts unchanged when reported


@pytest.mark.parametrize("asked", ["3600", "inf"])
def test_a_long_retry_after_is_capped_by_max_s_and_said_once(
    server: FakeServer, asked: str, caplog: pytest.LogCaptureFixture
) -> None:
    server.faults = lambda index, body: 429 if index < 2 else "ok"
    server.headers = {"Retry-After": asked}
    client = _client(server)
    with caplog.at_level(logging.WARNING, logger="sociolab.backends"):
        assert asyncio.run(_complete(client)).text
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and asked in warnings[0] and "retry.max_s" in warnings[0]
    assert server.requests == 3
    # What the server asked is read from the reply; the wait is capped whatever it was.
    asked_s = float(asked)
    client.provider.retry_after = lambda exc: asked_s  # type: ignore[method-assign]
    assert all(client.backoff(a, RuntimeError()) <= QUICK.max_s for a in (1, 2, 5))


@pytest.mark.parametrize("status", [401, 403, 404])
def test_a_permanent_error_stops_the_backend_at_the_first_call(
    server: FakeServer, status: int
) -> None:
    server.faults = lambda index, body: status
    client = _client(server)

    async def many() -> list[BaseException]:
        first = await _failing(client)
        rest = await asyncio.gather(*(_failing(client) for _ in range(9)))
        await client.close()
        return [first, *rest]

    results = asyncio.run(many())
    assert all(isinstance(r, FatalBackendError) for r in results)
    assert server.requests == 1  # no retry, and no later call reached the server
    assert str(status) in str(results[0]) and "run stops" in str(results[0])


def test_the_same_400_on_every_call_stops_the_backend_a_400_after_a_success_does_not(
    server: FakeServer,
) -> None:
    server.faults = lambda index, body: 400
    client = _client(server)

    async def calls(c: BackendClient, n: int, ok: bool = False) -> list[BaseException]:
        if ok:
            await c.complete(REQUEST)
        errors = [await _failing(c) for _ in range(n)]
        await c.close()
        return errors

    errors = asyncio.run(calls(client, 4))
    assert [type(e).__name__ for e in errors] == [
        "GenerationError",
        "GenerationError",
        "FatalBackendError",
        "FatalBackendError",
    ]
    assert server.requests == 3
    server.faults = lambda index, body: "ok" if index == 3 else 400
    later = asyncio.run(calls(_client(server), 4, ok=True))
    assert all(type(e) is GenerationError for e in later)


def test_error_text_from_the_server_is_redacted(server: FakeServer) -> None:
    server.faults = lambda index, body: 400
    server.body = (
        b'{"error": {"message": "bad key Bearer abcdef123456 for '
        b'http://user:pw@host/v1 sk-proj-ABCDEFGH12345678"}}'
    )
    client = _client(server)

    async def one() -> BaseException:
        error = await _failing(client)
        await client.close()
        return error

    text = str(asyncio.run(one()))
    assert "abcdef123456" not in text and "user:pw" not in text and "ABCDEFGH" not in text
    assert "Bearer ***" in text and "http://***@host" in text


async def _complete(client: BackendClient) -> Completion:
    try:
        return await client.complete(REQUEST)
    finally:
        await client.close()


async def _failing(client: BackendClient) -> BaseException:
    try:
        await client.complete(REQUEST)
    except GenerationError as exc:
        return exc
    raise AssertionError("the call succeeded")
