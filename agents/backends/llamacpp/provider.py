"""A local llama.cpp server (``xllamacpp``) started for the run, used through ``openai``."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from agents.backends.base import BackendSpec, Provider
from agents.backends.llamacpp.slots import SlotRouter
from agents.backends.model_store import (
    DEFAULT_MODEL,
    EMBEDDED_MODELS,
    resolve_model_file,
    sha256_file,
)
from agents.backends.openai import OpenAIProvider
from agents.backends.registry import register
from agents.backends.templates import NEEDS_TEMPLATE_HINT, template_text, with_template_stops
from agents.errors import BackendConfigError, BackendError
from agents.types import ChatRequest, Completion


class LlamaCppSpec(BackendSpec):
    """Config of the ``llamacpp`` backend."""

    kind: Literal["llamacpp"] = "llamacpp"
    model: str = Field(DEFAULT_MODEL, description="an embedded model name or a path to a .gguf")
    n_parallel: int = Field(8, ge=1, le=256, description="server slots (concurrent requests)")
    ctx_per_slot: int = Field(4096, ge=256, le=131072)
    threads: int | None = Field(None, ge=1, description="CPU threads (default: all cores)")
    chat_template: str | None = Field(
        None,
        description=(
            "Jinja chat template text overriding the GGUF's own, or `plain` (role-labelled "
            "plain text, for base models without a template)"
        ),
    )
    startup_timeout_s: float = Field(120.0, gt=0)
    slot_affinity: Literal["off", "server", "pin"] = Field(
        "off",
        description="how a conversation's next turn finds its cached prompt: 'off': "
        "n_parallel slots of ctx_per_slot tokens, chosen by the server; 'server': one "
        "shared key/value store whose idle slots the server moves to its host-memory "
        "prompt cache and reloads for the prompt that continues them (prefills least; "
        "its speed is not measured yet, see benchmarks/perf/README.md); 'pin': each turn "
        "is sent to the slot holding its conversation (4 x n_parallel slots kept in the "
        "shared store; measured slower)",
    )
    slots: int | None = Field(
        None,
        ge=1,
        le=1024,
        description="server slots (default: 4 x n_parallel when pinning, else n_parallel); "
        "at most n_parallel requests run at once",
    )

    def calls_in_flight(self) -> int:
        """One call per running slot."""
        return self.n_parallel

    def server_slots(self) -> int:
        """How many slots the server gets."""
        if self.slots is not None:
            return max(self.slots, self.n_parallel)
        return 4 * self.n_parallel if self.slot_affinity == "pin" else self.n_parallel

    def preflight(self, name: str) -> list[str]:
        """The model must be an embedded one or an existing, readable ``.gguf`` file."""
        try:
            LlamaCppProvider.from_spec(self, name=name)
        except BackendConfigError as exc:
            return [str(exc)]
        path = Path(self.model).expanduser()
        if self.model not in EMBEDDED_MODELS and not (path.is_file() and os.access(path, os.R_OK)):
            return [f"backends.{name}.model: file {self.model!r} does not exist or is not readable"]
        return []


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@register("llamacpp", LlamaCppSpec)
class LlamaCppProvider(Provider):
    """Starts ``xllamacpp``'s server in a child process on a free port of 127.0.0.1."""

    def __init__(self, spec: LlamaCppSpec, *, name: str) -> None:
        self.spec = spec
        self.name = name
        self._proc: asyncio.subprocess.Process | None = None
        self._api: OpenAIProvider | None = None
        self._template_dir: tempfile.TemporaryDirectory[str] | None = None
        self._router: SlotRouter | None = None

    @classmethod
    def from_spec(cls, spec: BackendSpec, *, name: str) -> LlamaCppProvider:
        """Build from a :class:`LlamaCppSpec`."""
        assert isinstance(spec, LlamaCppSpec)
        if spec.model not in EMBEDDED_MODELS and not spec.model.endswith(".gguf"):
            known = ", ".join(sorted(EMBEDDED_MODELS))
            raise BackendConfigError(
                f"backends.{name}.model: {spec.model!r} is neither an embedded model "
                f"(known: {known}) nor a path to a .gguf file"
            )
        embedded = EMBEDDED_MODELS.get(spec.model)
        if embedded is not None and not embedded.has_chat_template and spec.chat_template is None:
            raise BackendConfigError(
                f"backends.{name}.chat_template: {spec.model!r} is a base model without a "
                f"chat template: {NEEDS_TEMPLATE_HINT}"
            )
        return cls(spec, name=name)

    def identity(self) -> dict[str, Any]:
        """Kind plus the model file's sha256 (known in advance for embedded models)."""
        embedded = EMBEDDED_MODELS.get(self.spec.model)
        digest = embedded.sha256 if embedded else sha256_file(resolve_model_file(self.spec.model))
        template = template_text(self.spec.chat_template)
        return {"kind": self.kind, "model_sha256": digest, "chat_template": template}

    @property
    def url(self) -> str:
        """The running server's address (``http://127.0.0.1:PORT``)."""
        if self._api is None or self._api.base_url is None:
            raise BackendError(f"backends.{self.name}: server not started")
        return self._api.base_url.removesuffix("/v1")

    def max_concurrency(self) -> int:
        """One request per server slot."""
        return self.spec.n_parallel

    async def start(self) -> None:
        """Fetch the model if needed, start the server and wait until it listens."""
        model_path = await asyncio.to_thread(resolve_model_file, self.spec.model)
        port = _free_port()
        cmd = [
            sys.executable, "-m", "agents.backends.llamacpp.server",
            "--model", str(model_path), "--alias", "local", "--port", str(port),
            "--n-parallel", str(self.spec.server_slots()),
            "--ctx-per-slot", str(self.spec.ctx_per_slot),
            "--n-ctx", str(self.spec.n_parallel * self.spec.ctx_per_slot),
            "--threads", str(self.spec.threads or os.cpu_count() or 2),
        ]  # fmt: skip
        if self.spec.slot_affinity != "off":
            cmd += ["--kv-unified"]
        if self.spec.slot_affinity == "pin":
            cmd += ["--keep-idle-slots"]
            self._router = SlotRouter(self.spec.server_slots())
        template = template_text(self.spec.chat_template)
        if template:
            self._template_dir = tempfile.TemporaryDirectory()
            tpl = Path(self._template_dir.name) / "template.jinja"
            tpl.write_text(template, encoding="utf-8")
            cmd += ["--chat-template-file", str(tpl)]
        self._proc = await asyncio.create_subprocess_exec(
            *cmd,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        url = await self._wait_ready(self._proc)
        self._api = OpenAIProvider(
            model="local",
            base_url=f"{url}/v1",
            api_key="not-needed",
            max_concurrency=self.spec.n_parallel,
        )

    async def _wait_ready(self, proc: asyncio.subprocess.Process) -> str:
        assert proc.stdout is not None
        try:
            while True:
                line = await asyncio.wait_for(
                    proc.stdout.readline(), timeout=self.spec.startup_timeout_s
                )
                if not line:
                    raise BackendError(
                        f"backends.{self.name}: llama.cpp server exited during start-up "
                        f"(exit code {await proc.wait()}); is {self.spec.model!r} a valid GGUF?"
                    )
                text = line.decode(errors="replace").strip()
                if text.startswith("READY "):
                    return text.removeprefix("READY ").rstrip("/")
        except TimeoutError as exc:
            await self.close()
            raise BackendError(
                f"backends.{self.name}: llama.cpp server did not start within "
                f"{self.spec.startup_timeout_s:.0f} s"
            ) from exc

    async def generate(self, request: ChatRequest) -> Completion:
        """Forward the request to the local server, on the slot the router picks."""
        if self._api is None:
            raise BackendError(f"backends.{self.name}: server not started")
        request = with_template_stops(request, self.spec.chat_template)
        slot = self._router.take(request.messages) if self._router else None
        if slot is None:
            return await self._api.generate(request)
        assert self._router is not None
        reply = None
        try:
            completion = await self._api.generate_with(request, slot=slot)
            reply = completion.text
            return completion
        finally:
            self._router.give_back(slot, reply)

    def is_retryable(self, exc: BaseException) -> bool:
        """Same rules as the OpenAI backend."""
        return self._api.is_retryable(exc) if self._api else False

    async def close(self) -> None:
        """Stop the server: close its stdin, then terminate if it lingers."""
        self._router = None
        if self._api is not None:
            await self._api.close()
            self._api = None
        proc, self._proc = self._proc, None
        if proc is not None and proc.returncode is None:
            if proc.stdin is not None:
                proc.stdin.close()
            try:
                await asyncio.wait_for(proc.wait(), timeout=10)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()
        if self._template_dir is not None:
            self._template_dir.cleanup()
            self._template_dir = None
