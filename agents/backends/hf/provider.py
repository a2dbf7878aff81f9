"""A local HuggingFace model (``transformers`` + ``torch``) with cross-agent micro-batching.

The model is a hub id, a local folder, a ``.gguf`` file or an embedded name
(``smollm2-135m-instruct``, or the base model ``gemma3-270m`` with
``chat_template: plain``; the same files the ``llamacpp`` backend uses). A GGUF
is converted once into a cached safetensors folder (see
:mod:`agents.backends.hf.convert`). The model is loaded in :meth:`HFProvider.start`,
which the shared wrapper calls on the first cache miss only, so a rerun served
from the response cache never loads it.

Concurrent requests of all agents and episodes meet in one
:class:`~agents.backends.hf.batcher.MicroBatcher` per loaded model, which runs
them in batches of up to ``max_batch`` on one worker thread (see
:mod:`agents.backends.hf.engine` for what may differ between rows).

Batching does not change replies: a greedy reply (and a seeded sample) is the
same whether its request ran alone or with others. Each prompt is prefilled on
its own (:mod:`agents.backends.hf.engine`), attention is computed row by row
without the padding (:mod:`agents.backends.hf.attention`), and while a lone
request decodes every linear layer gets a zero row beside it, so every matmul
sees at least two rows;
what remains is that a matmul gives a row the same bits whatever the number of
rows, which holds for the CPU's bfloat16 kernels (oneDNN; tested) but not for
MKL's float32 ones (last-bit differences that can, rarely, change a greedy
token) nor, in general, for cuBLAS on a GPU.

An agent's next prompt extends its previous one, so the engine keeps each
prompt's key/value state (up to ``prefix_cache_mb``) and prefills only the new
part; prompts are always prefilled in the same chunks, so whether a state was
kept never changes a reply (:mod:`agents.backends.hf.prefix`).

The response cache keys on :meth:`HFProvider.identity`: the model (file sha256,
folder fingerprint, or hub id and revision), the resolved dtype, the chat
template and how prompts are prefilled; not the device, although a GPU and a CPU may round differently.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field

from agents.backends.base import BackendSpec, Provider
from agents.backends.hf.batcher import BatcherStats, MicroBatcher
from agents.backends.hf.convert import ensure_converted
from agents.backends.hf.engine import Engine
from agents.backends.hf.hub import check_hub_model, offline_problem
from agents.backends.hf.jobs import GenJob
from agents.backends.hf.loading import (
    load_engine,
    resolve_device,
    resolve_dtype,
    silence_progress_bars,
    warn_if_busy,
)
from agents.backends.hf.prefix import SCHEME, PrefixStore
from agents.backends.model_store import (
    DEFAULT_MODEL,
    EMBEDDED_MODELS,
    resolve_model_file,
    sha256_file,
)
from agents.backends.registry import register, require
from agents.backends.templates import NEEDS_TEMPLATE_HINT, template_text, with_template_stops
from agents.errors import BackendConfigError, BackendError
from agents.types import ChatRequest, Completion

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*/[\w.\-]+$")
_SMALL_FILES = {".json", ".jinja", ".txt", ".model", ".py"}


class HFSpec(BackendSpec):
    """Config of the ``hf`` backend."""

    kind: Literal["hf"] = "hf"
    model: str = Field(
        DEFAULT_MODEL,
        description="an embedded model name, a hub id, a local model folder or a .gguf file",
    )
    revision: str | None = Field(None, description="hub branch, tag or commit (hub ids only)")
    dtype: Literal["auto", "bfloat16", "float16", "float32"] = Field(
        "auto", description="auto: bfloat16 where the device computes it natively, else float32"
    )
    device: str = Field("auto", pattern=r"^(auto|cpu|cuda(:[0-9]+)?)$")
    max_batch: int = Field(16, ge=1, le=1024, description="most requests in one generate call")
    max_wait_ms: float = Field(
        5.0, ge=0.0, le=60_000.0, description="longest wait for a batch to fill up"
    )
    chat_template: str | None = Field(
        None,
        description=(
            "Jinja chat template text overriding the model's own, or `plain` (role-labelled "
            "plain text, for base models without a template)"
        ),
    )
    prefix_cache_mb: int = Field(
        1024,
        ge=0,
        description=(
            "memory for keeping each conversation's prompt state for its next turn, so only "
            "the new part of a prompt is prefilled (0: off; replies are the same either way)"
        ),
    )
    threads: int | None = Field(
        None,
        ge=1,
        description="CPU threads for torch (process-wide, while loaded; default: torch's choice)",
    )

    def preflight(self, name: str) -> list[str]:
        """The model must be an embedded one, an existing file or folder, or a hub id that can load.

        A hub id offline (``HF_HUB_OFFLINE=1``) must be in the local cache already.
        """
        try:
            provider = HFProvider.from_spec(self, name=name)
        except BackendConfigError as exc:
            return [str(exc)]
        hub = provider.source.hub
        problem = None if hub is None else offline_problem(hub, self.revision, name=name)
        return [] if problem is None else [problem]


@dataclass(frozen=True)
class ModelSource:
    """Where a model comes from: exactly one of ``gguf``, ``folder`` or ``hub``."""

    gguf: Path | None = None
    gguf_sha256: str | None = None  # known in advance for embedded models
    embedded: str | None = None
    folder: Path | None = None
    hub: str | None = None

    @staticmethod
    def parse(model: str, *, name: str) -> ModelSource:
        """Classify ``model`` without downloading or loading anything.

        Raises:
            BackendConfigError: a path that does not exist, or not a model reference at all.
        """
        if model in EMBEDDED_MODELS:
            return ModelSource(embedded=model, gguf_sha256=EMBEDDED_MODELS[model].sha256)
        path = Path(model).expanduser()
        if model.endswith(".gguf"):
            if not path.is_file():
                raise BackendConfigError(f"backends.{name}.model: file {model!r} does not exist")
            return ModelSource(gguf=path)
        if path.is_dir():
            if not (path / "config.json").is_file():
                raise BackendConfigError(
                    f"backends.{name}.model: folder {model!r} has no config.json "
                    "(expected a transformers model folder)"
                )
            return ModelSource(folder=path)
        if _HUB_ID.match(model) and not model.startswith((".", "~")):
            return ModelSource(hub=model)
        known = ", ".join(sorted(EMBEDDED_MODELS))
        raise BackendConfigError(
            f"backends.{name}.model: {model!r} is not an embedded model (known: {known}), "
            "an existing folder, a .gguf file or a hub id like 'org/name'"
        )


def _folder_fingerprint(folder: Path) -> str:
    """sha256 of a model folder's small files' contents and of every file's name and size."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        digest.update(f"{rel}\0{path.stat().st_size}\0".encode())
        if path.suffix in _SMALL_FILES and path.stat().st_size < (1 << 20):
            digest.update(path.read_bytes())
    return digest.hexdigest()


@register("hf", HFSpec)
class HFProvider(Provider):
    """A transformers model in this process, shared by every agent naming the backend.

    Attributes:
        converted: after :meth:`start`, whether it had to convert a GGUF (None: not a GGUF).
        load_path: after :meth:`start`, the folder or hub id actually loaded.
    """

    # transformers' loading patches torch globally (meta-device initialisation, weight
    # tying), so two models loading at once in two threads corrupt each other: one at a time.
    _loading: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, spec: HFSpec, *, name: str, source: ModelSource) -> None:
        self.spec = spec
        self.name = name
        self.source = source
        self.converted: bool | None = None
        self.load_path: str | None = None
        self._device: str | None = None
        self._dtype: str | None = None
        self._identity: dict[str, Any] | None = None
        self._engine: Engine | None = None
        self._batcher: MicroBatcher[GenJob, Completion] | None = None
        self._threads_before: int | None = None

    @classmethod
    def from_spec(cls, spec: BackendSpec, *, name: str) -> HFProvider:
        """Build from an :class:`HFSpec` (checks the model reference; loads nothing)."""
        assert isinstance(spec, HFSpec)
        source = ModelSource.parse(spec.model, name=name)
        if spec.revision is not None and source.hub is None:
            raise BackendConfigError(
                f"backends.{name}.revision: only hub ids have revisions ({spec.model!r} is local)"
            )
        embedded = EMBEDDED_MODELS.get(spec.model)
        if embedded is not None and not embedded.has_chat_template and spec.chat_template is None:
            raise BackendConfigError(
                f"backends.{name}.chat_template: {spec.model!r} is a base model without a "
                f"chat template: {NEEDS_TEMPLATE_HINT}"
            )
        return cls(spec, name=name, source=source)

    @property
    def device(self) -> str:
        """The resolved device (``cpu``, ``cuda``, ``cuda:N``)."""
        if self._device is None:
            self._device = resolve_device(self.spec.device)
        return self._device

    @property
    def dtype(self) -> str:
        """The resolved dtype (``bfloat16``, ``float16``, ``float32``)."""
        if self._dtype is None:
            explicit = self.spec.dtype != "auto"
            self._dtype = self.spec.dtype if explicit else resolve_dtype("auto", self.device)
        return self._dtype

    def _gguf_sha256(self) -> str:
        src = self.source
        if src.gguf_sha256 is not None:
            return src.gguf_sha256
        assert src.gguf is not None
        return sha256_file(src.gguf)

    def identity(self) -> dict[str, Any]:
        """Kind, model (file sha256, folder fingerprint or hub id + revision), dtype, template, prefill.

        Cheap: never loads (or downloads) the model; a local GGUF is hashed once.
        """
        if self._identity is None:
            src = self.source
            ident: dict[str, Any] = {"kind": self.kind}
            if src.embedded is not None or src.gguf is not None:
                ident["model_sha256"] = self._gguf_sha256()
            elif src.folder is not None:
                ident["model"] = src.folder.name
                ident["folder_sha256"] = _folder_fingerprint(src.folder)
            else:
                ident["model"] = src.hub
                ident["revision"] = self.spec.revision or "main"
            ident["dtype"] = self.dtype
            ident["chat_template"] = template_text(self.spec.chat_template)
            ident["prefill"] = SCHEME
            self._identity = ident
        return dict(self._identity)

    def max_concurrency(self) -> int:
        """Enough requests in flight to fill several batches."""
        return 4 * self.spec.max_batch

    @property
    def batch_stats(self) -> BatcherStats | None:
        """Batch counters of the running model (None before :meth:`start`)."""
        return self._batcher.stats if self._batcher is not None else None

    @property
    def prefix_store(self) -> PrefixStore | None:
        """The kept prompt states of the running model (None before :meth:`start`)."""
        return self._engine.prefixes if self._engine is not None else None

    def start_label(self) -> str:
        """Loading (and, the first time, converting) the model."""
        return f"loading model {self.spec.model}"

    async def start(self) -> None:
        """Convert (once) and load the model on its batch worker's thread."""
        if self._engine is not None:
            return
        batcher = MicroBatcher(
            self._run_batch,
            max_batch=self.spec.max_batch,
            max_wait_s=self.spec.max_wait_ms / 1000.0,
            name=f"hf-{self.name}",
        )
        try:
            # The thread that will run the batches loads the model: torch then uses
            # one OpenMP thread pool for all of it (see MicroBatcher.run_on_worker).
            engine = await batcher.run_on_worker(self._load_one_at_a_time)
        except BaseException:
            await batcher.close()
            raise
        self._engine, self._batcher = engine, batcher

    def _run_batch(self, jobs: Sequence[GenJob]) -> list[Completion | BaseException]:
        engine = self._engine
        if engine is None:
            raise BackendError(f"backends.{self.name}: model not loaded")
        return engine.run_batch(jobs)

    def _load_one_at_a_time(self) -> Engine:
        with self._loading:
            return self._load()

    def load(self) -> Engine:
        """Convert (once) and load the model on the calling thread, and return it (blocking).

        For composite backends (``ensemble``) that run the model themselves; the
        provider's own batching stays unused. ``threads`` applies to the calling thread.
        """
        return self._load_one_at_a_time()

    def _load(self) -> Engine:
        silence_progress_bars()
        if self.device == "cpu":
            warn_if_busy(self.name, self.spec.threads)
        if self.spec.threads is not None and self.device == "cpu":
            # torch has one intra-op thread pool per process. On a busy machine fewer
            # threads than cores avoids threads spinning at barriers for a descheduled peer.
            torch = require("torch", extra="hf")
            self._threads_before = int(torch.get_num_threads())
            torch.set_num_threads(self.spec.threads)
        src = self.source
        revision: str | None = None
        if src.embedded is not None or src.gguf is not None:
            gguf = src.gguf or resolve_model_file(self.spec.model)
            done = ensure_converted(gguf, sha256=self._gguf_sha256(), dtype=self.dtype)
            self.converted = done.created
            path = str(done.path)
        elif src.folder is not None:
            path = str(src.folder)
        else:
            assert src.hub is not None
            path, revision = src.hub, self.spec.revision
            check_hub_model(path, revision, name=self.name)  # seconds, not minutes of retries
        self.load_path = path
        return load_engine(
            path,
            revision=revision,
            dtype=self.dtype,
            device=self.device,
            label=self.spec.model,
            chat_template=template_text(self.spec.chat_template),
            prefix_bytes=self.spec.prefix_cache_mb << 20,
        )

    async def generate(self, request: ChatRequest) -> Completion:
        """Queue the request for the next batch and wait for its reply (latency included)."""
        engine, batcher = self._engine, self._batcher
        if engine is None or batcher is None:
            raise BackendError(f"backends.{self.name}: model not loaded (start() not called)")
        started = time.perf_counter()
        request = with_template_stops(request, self.spec.chat_template)
        job = engine.job(request.messages, request.params)
        done = await batcher.submit(job, key=request.params.max_tokens, size=len(job.prompt))
        # Latency as the caller saw it: waiting for a batch included.
        return done.model_copy(update={"latency_s": time.perf_counter() - started})

    async def close(self) -> None:
        """Stop the batch worker and release the model."""
        batcher, self._batcher = self._batcher, None
        engine, self._engine = self._engine, None
        if batcher is not None:
            before, self._threads_before = self._threads_before, None
            if before is not None and engine is not None:
                # torch's thread count belongs to the worker thread it was set on.
                torch = engine.torch
                with contextlib.suppress(Exception):
                    await batcher.run_on_worker(lambda: torch.set_num_threads(before))
            await batcher.close()
        if engine is not None:
            on_gpu = engine.device.startswith("cuda")
            torch = engine.torch
            del engine
            gc.collect()
            if on_gpu:
                torch.cuda.empty_cache()
