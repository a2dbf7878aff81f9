"""The ``ensemble`` backend kind: several ``hf`` models answering as one.

``method: deepen`` fuses the members' next-token distributions at every step
(DeePEn: Huang et al., NeurIPS 2024, "Ensemble Learning for Heterogeneous Large
Language Models with Deep Parallel Collaboration"; code
https://github.com/OrangeInSouth/DeePEn; our own implementation, see
:mod:`.relative` for the method and every departure). ``method: vote`` lets
every member answer alone (as its ``hf`` backend would) and returns the reply
of the weighted plurality: replies are compared as normalised text (case-folded,
whitespace collapsed), because a backend cannot reach the task's answer
extractor; ties go to the member that comes first.

Members take exactly the fields of kind ``hf``. Each member's ``threads``
sets torch's process-wide thread count while it loads (the last member's wins).

Requests run one at a time on one worker thread (the members' models are used
in turn at every step); concurrent requests are not batched as ``hf`` batches
them. Each reply carries its fusion statistics (steps, fused steps, steps whose
token differs from the main model's own argmax, mean KL left after the search),
which the transcript records with the turn.

The response cache keys on :meth:`EnsembleProvider.identity`: every member's
``hf`` identity, the method, main, weights, every fusion setting and the
number of anchors (which loads the members' tokenizers, not their models).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

from pydantic import Field, model_validator

from agents.backends.base import BackendSpec, Provider
from agents.backends.hf.engine import Engine
from agents.backends.hf.provider import HFProvider, HFSpec
from agents.backends.registry import register
from agents.backends.templates import with_template_stops
from agents.errors import BackendConfigError, BackendError
from agents.types import ChatRequest, Completion

ROW_CACHE_BYTES = 256 << 20
"""Memory for kept relative representations (rows of ``anchors`` float32), all members together."""


class EnsembleSpec(BackendSpec):
    """Config of the ``ensemble`` backend (DeePEn defaults from its published code)."""

    kind: Literal["ensemble"] = "ensemble"
    method: Literal["deepen", "vote"] = Field(
        "deepen", description="deepen: token-level fusion; vote: every member answers, plurality"
    )
    members: list[HFSpec] = Field(min_length=2, description="each takes the fields of kind: hf")
    main: int = Field(0, ge=0, description="the member whose vocabulary chooses the next token")
    weights: list[float] | None = Field(
        None, description="one non-negative weight per member (normalised; default: equal)"
    )
    top_k: int = Field(
        10, ge=1, description="tokens kept of each member's distribution (not in DeePEn)"
    )
    steps: int = Field(5, ge=0, le=1000, description="inverse-search steps (DeePEn: 5)")
    learning_rate: float = Field(
        0.15, ge=0.0, description="inverse-search AdamW rate (DeePEn README: 0.15; 0: main alone)"
    )
    softmax_scale: float = Field(
        100.0, gt=0.0, description="relative representations: softmax(scale * row) (DeePEn: 100)"
    )

    @model_validator(mode="after")
    def _check(self) -> EnsembleSpec:
        n = len(self.members)
        if self.main >= n:
            raise ValueError(f"main: {self.main} is out of range (members 0..{n - 1})")
        if self.weights is not None:
            if len(self.weights) != n:
                raise ValueError(f"weights: {len(self.weights)} weights for {n} members")
            if any(w < 0 for w in self.weights):
                raise ValueError(f"weights: {self.weights} has a negative weight")
            if sum(self.weights) <= 0:
                raise ValueError(f"weights: {self.weights} are all zero")
        return self

    def member_weights(self) -> list[float]:
        """The weights, normalised to sum 1 (equal when unset)."""
        raw = self.weights or [1.0] * len(self.members)
        return [w / sum(raw) for w in raw]

    def preflight(self, name: str) -> list[str]:
        """Every member's model reference must resolve (nothing is loaded)."""
        try:
            EnsembleProvider.from_spec(self, name=name)
        except BackendConfigError as exc:
            return [str(exc)]
        return []


@register("ensemble", EnsembleSpec)
class EnsembleProvider(Provider):
    """Several ``hf`` models in this process, fused token by token (DeePEn) or voting."""

    def __init__(self, spec: EnsembleSpec, *, name: str, members: list[HFProvider]) -> None:
        self.spec = spec
        self.name = name
        self.members = members
        self._anchors: Any = None
        self._identity: dict[str, Any] | None = None
        self._engines: list[Engine] | None = None
        self._fusion: Any = None
        self._follows: list[bool] = []
        self._executor: ThreadPoolExecutor | None = None

    @classmethod
    def from_spec(cls, spec: BackendSpec, *, name: str) -> EnsembleProvider:
        """Build from an :class:`EnsembleSpec` (checks every member's model; loads nothing)."""
        assert isinstance(spec, EnsembleSpec)
        members = [
            HFProvider.from_spec(m, name=f"{name}.members[{i}]") for i, m in enumerate(spec.members)
        ]
        return cls(spec, name=name, members=members)

    def anchors(self) -> Any:
        """The members' shared anchor tokens (:class:`.anchors.Anchors`; tokenizers only)."""
        if self._anchors is None:
            from agents.backends.ensemble.anchors import tokenizer_anchors
            from agents.backends.ensemble.tokenizers import load_tokenizer

            tokenizers = [load_tokenizer(m) for m in self.members]
            self._anchors = tokenizer_anchors(tokenizers)
        return self._anchors

    def identity(self) -> dict[str, Any]:
        """Members' identities, method, main, weights, fusion settings, anchor count."""
        if self._identity is None:
            s = self.spec
            ident: dict[str, Any] = {
                "kind": self.kind,
                "method": s.method,
                "members": [m.identity() for m in self.members],
                "weights": s.member_weights(),
            }
            if s.method == "deepen":
                ident |= {
                    "main": s.main,
                    "top_k": s.top_k,
                    "steps": s.steps,
                    "learning_rate": s.learning_rate,
                    "softmax_scale": s.softmax_scale,
                    "anchors": len(self.anchors()),
                }
            self._identity = ident
        return dict(self._identity)

    def max_concurrency(self) -> int:
        """Requests run one at a time; a few queued keep the worker busy."""
        return 4

    def start_label(self) -> str:
        """Loading (and, the first time, converting) the members' models."""
        return "loading ensemble of " + ", ".join(m.spec.model for m in self.members)

    async def start(self) -> None:
        """Load every member (and, for DeePEn, the anchors) on the worker thread."""
        if self._engines is not None:
            return
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"ens-{self.name}")
        try:
            await self._on_worker(self._load)
        except BaseException:
            self._executor.shutdown(wait=False)
            self._executor = None
            raise

    async def _on_worker(self, fn: Any) -> Any:
        assert self._executor is not None
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)

    def _load(self) -> None:
        # Members with the same identity (a model with itself) share one loaded model;
        # each request still keeps one context and cache per member.
        loaded: dict[str, Engine] = {}
        engines = []
        for i, member in enumerate(self.members):
            key = repr(sorted(member.identity().items()))
            if key not in loaded:
                try:
                    loaded[key] = member.load()
                except BackendConfigError as exc:
                    raise BackendConfigError(f"backends.{self.name}.members[{i}]: {exc}") from exc
            engines.append(loaded[key])
        if self.spec.method == "deepen":
            self._fusion = self._build_fusion(engines)
        self._engines = engines

    def _build_fusion(self, engines: list[Engine]) -> Any:
        from agents.backends.ensemble.deepen import DeepenFusion, RowCache

        anchors = self.anchors()
        if len(anchors) == 0:
            raise BackendConfigError(f"backends.{self.name}: the members share no anchor token")
        s = self.spec
        vocab = engines[s.main].tokenizer.get_vocab()
        self._follows = [
            i == s.main or e.tokenizer.get_vocab() == vocab for i, e in enumerate(engines)
        ]
        capacity = max(s.top_k, ROW_CACHE_BYTES // (4 * len(anchors) * len(set(map(id, engines)))))
        caches: dict[int, RowCache] = {}
        for engine, ids in zip(engines, anchors.ids, strict=True):
            if id(engine) not in caches:
                weight = engine.model.get_input_embeddings().weight.detach()
                caches[id(engine)] = RowCache(weight, ids, s.softmax_scale, capacity)
        return DeepenFusion(
            [caches[id(e)] for e in engines],
            main=s.main,
            weights=s.member_weights(),
            top_k=s.top_k,
            steps=s.steps,
            learning_rate=s.learning_rate,
        )

    async def generate(self, request: ChatRequest) -> Completion:
        """Decode the request on the worker thread (latency included)."""
        engines = self._engines
        if engines is None or self._executor is None:
            raise BackendError(f"backends.{self.name}: models not loaded (start() not called)")
        from agents.backends.ensemble.decode import decode_deepen, decode_vote

        started = time.perf_counter()
        messages = request.messages
        # A template's own stop strings (``plain``: the next role label) hold for the member
        # whose text is the reply: the main one, or each voter for its own answer.
        stops = [with_template_stops(request, m.spec.chat_template).params for m in self.members]
        if self.spec.method == "deepen":
            fusion, follows, params = self._fusion, self._follows, stops[self.spec.main]
            done = await self._on_worker(
                lambda: decode_deepen(engines, fusion, follows, messages, params)
            )
        else:
            weights = self.spec.member_weights()
            done = await self._on_worker(lambda: decode_vote(engines, weights, messages, stops))
        assert isinstance(done, Completion)
        return done.model_copy(update={"latency_s": time.perf_counter() - started})

    async def close(self) -> None:
        """Release the members' models and stop the worker."""
        engines, self._engines = self._engines, None
        self._fusion = None
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)
        if engines:
            torch = engines[0].torch
            on_gpu = any(e.device.startswith("cuda") for e in engines)
            del engines
            gc.collect()
            if on_gpu:
                with contextlib.suppress(Exception):
                    torch.cuda.empty_cache()


__all__ = ["EnsembleProvider", "EnsembleSpec"]
