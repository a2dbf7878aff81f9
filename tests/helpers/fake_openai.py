"""A fake OpenAI-compatible chat server on 127.0.0.1 that injects faults (for unit tests).

It stands in for a real server where only the HTTP behaviour matters: each
reply is a fixed function of the request (``The answer is N.``, N from a hash of
the messages), so a retried request gets the same reply. ``faults`` decides,
per request (its 0-based index and body), what goes wrong instead:

- ``ok``: a normal reply; ``no_usage``: a normal reply without ``usage``;
- ``invalid_json``: a 200 whose body is not JSON; ``empty_choices``: ``choices: []``;
- ``null_content``: ``message.content`` is null;
- ``drop``: the connection is closed without a reply;
- an ``int``: that HTTP status, with ``headers`` and ``body`` (a JSON error by default).

``GET /models`` (the backend's check before its first call) lists ``models`` and is
counted in ``model_lists``, not in ``requests``, so fault plans index chat requests only.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

Fault = str | int
FaultPlan = Callable[[int, bytes], Fault]


def reply_text(messages: list[dict[str, Any]]) -> str:
    """The fake model's reply to ``messages`` (deterministic)."""
    digest = hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).digest()
    return f"I think about it. The answer is {digest[0] % 50}."


@dataclass
class FakeServer:
    """Listens on 127.0.0.1:``port`` once running (see :func:`running_server`).

    Attributes:
        faults: what to do with each request (default: always ``ok``).
        headers: extra headers of injected status replies.
        delay_s: how long a good reply takes.
        body: the body of injected status replies.
        requests: requests received; ``faulted``: those answered with a fault.
        models: the model names ``GET /models`` lists (when ``models_status`` is 200, else
            that status); ``model_lists``: how often it was asked.
        in_flight: requests being answered now; ``peak_in_flight``: the most at once.
        hold_for: if set, a good reply waits until this many requests were in flight at
            once (at most ``delay_s``), so a test of concurrency does not depend on timing.
    """

    faults: FaultPlan = lambda index, body: "ok"
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b'{"error": {"message": "injected fault"}}'
    delay_s: float = 0.0
    requests: int = 0
    faulted: int = 0
    models: tuple[str, ...] = ("fake", "m")
    models_status: int = 200
    model_lists: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0
    hold_for: int = 0
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _reply(self, fault: Fault, body: bytes) -> tuple[int, bytes, dict[str, str]]:
        if isinstance(fault, int):
            return fault, self.body, self.headers
        if fault == "invalid_json":
            return 200, b'{"id": "x", "choices": [{"mess', {}
        request = json.loads(body or b"{}")
        content: str | None = reply_text(request.get("messages", []))
        reply: dict[str, Any] = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 0,
            "model": request.get("model", "fake"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
        }
        if fault == "empty_choices":
            reply["choices"] = []
        elif fault == "null_content":
            reply["choices"][0]["message"]["content"] = None
        elif fault == "no_usage":
            del reply["usage"]
        return 200, json.dumps(reply).encode(), {}

    @staticmethod
    def _write(
        writer: asyncio.StreamWriter, status: int, payload: bytes, extra: dict[str, str]
    ) -> None:
        more = "".join(f"{k}: {v}\r\n" for k, v in extra.items())
        writer.write(
            f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n{more}Connection: close\r\n\r\n".encode()
            + payload
        )

    async def _wait(self) -> None:
        if not self.hold_for:
            await asyncio.sleep(self.delay_s)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.delay_s
        while self.peak_in_flight < self.hold_for and loop.time() < deadline:
            await asyncio.sleep(0.01)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        counted = False
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = {k.lower(): v for k, v in (h.split(": ", 1) for h in lines[1:] if ": " in h)}
            length = int(headers.get("content-length", "0"))
            body = await reader.readexactly(length) if length else b""
            if lines[0].startswith("GET ") and lines[0].split()[1].endswith("/models"):
                with self.lock:
                    self.model_lists += 1
                listed = {
                    "object": "list",
                    "data": [{"id": m, "object": "model"} for m in self.models],
                }
                if self.models_status == 200:
                    self._write(writer, 200, json.dumps(listed).encode(), {})
                else:
                    self._write(writer, self.models_status, self.body, {})
                await writer.drain()
                return
            with self.lock:
                index = self.requests
                self.requests += 1
                self.in_flight += 1
                self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
                counted = True
            fault = self.faults(index, body)
            if fault != "ok":
                with self.lock:
                    self.faulted += 1
            if fault == "drop":
                return
            if fault in ("ok", "no_usage") and self.delay_s:
                await self._wait()
            self._write(writer, *self._reply(fault, body))
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            if counted:
                with self.lock:
                    self.in_flight -= 1
            with contextlib.suppress(Exception):
                writer.close()


@contextlib.contextmanager
def running_server(server: FakeServer) -> Iterator[FakeServer]:
    """Serve ``server`` from a background thread with its own event loop."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    stop: asyncio.Future[None] | None = None

    async def main() -> None:
        nonlocal stop
        srv = await asyncio.start_server(server._handle, "127.0.0.1", 0)
        server.port = srv.sockets[0].getsockname()[1]
        stop = loop.create_future()
        ready.set()
        async with srv:
            await stop

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield server
    finally:

        def finish() -> None:
            if stop is not None and not stop.done():
                stop.set_result(None)

        loop.call_soon_threadsafe(finish)
        thread.join(10)
        loop.close()


__all__ = ["FakeServer", "Fault", "FaultPlan", "reply_text", "running_server"]
