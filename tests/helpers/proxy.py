"""A small fault-injecting HTTP proxy in front of a real server (for retry tests).

It answers the first requests from a list of scripted faults (a status code with
headers, or a dropped connection) and passes the rest through unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx


@dataclass
class Fault:
    """One injected failure: an HTTP status (with headers) or ``status=0`` to drop the connection."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FaultProxy:
    """Listens on 127.0.0.1; the i-th chat request gets ``faults[i]`` if there is one.

    ``GET /models`` passes through and is not counted.
    """

    upstream: str  # e.g. http://127.0.0.1:8080
    faults: list[Fault]
    poison: bytes | None = None  # requests whose body contains this always get a 500
    requests: int = 0
    passed: int = 0
    port: int = 0

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = dict(h.split(": ", 1) for h in lines[1:] if ": " in h)
            length = int(headers.get("Content-Length", headers.get("content-length", "0")))
            body = await reader.readexactly(length) if length else b""
            # The backend's models check before its first call passes uncounted: the
            # faults and counts are about chat calls.
            listing = method == "GET" and path.endswith("/models")
            index = self.requests
            self.requests += 0 if listing else 1
            fault = self.faults[index] if index < len(self.faults) and not listing else None
            if self.poison is not None and self.poison in body:
                fault = Fault(500)
            if fault is not None:
                if fault.status == 0:
                    writer.close()
                    return
                extra = "".join(f"{k}: {v}\r\n" for k, v in fault.headers.items())
                payload = b'{"error": {"message": "injected fault"}}'
                writer.write(
                    f"HTTP/1.1 {fault.status} Injected\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(payload)}\r\n{extra}Connection: close\r\n\r\n".encode()
                    + payload
                )
            else:
                async with httpx.AsyncClient(timeout=300) as client:
                    resp = await client.request(
                        method, self.upstream + path, content=body,
                        headers={"Content-Type": headers.get("Content-Type", "application/json")},
                    )  # fmt: skip
                self.passed += 0 if listing else 1
                writer.write(
                    f"HTTP/1.1 {resp.status_code} OK\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(resp.content)}\r\nConnection: close\r\n\r\n".encode()
                    + resp.content
                )
            await writer.drain()
        finally:
            with contextlib.suppress(Exception):
                writer.close()


@contextlib.contextmanager
def running_proxy(proxy: FaultProxy) -> Iterator[FaultProxy]:
    """Run the proxy in a background thread with its own event loop."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    stop: asyncio.Future[None] | None = None

    async def main() -> None:
        nonlocal stop
        server = await asyncio.start_server(proxy._handle, "127.0.0.1", 0)
        proxy.port = server.sockets[0].getsockname()[1]
        stop = loop.create_future()
        ready.set()
        async with server:
            await stop

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield proxy
    finally:

        def finish() -> None:
            if stop is not None:
                stop.set_result(None)

        loop.call_soon_threadsafe(finish)
        thread.join(10)
