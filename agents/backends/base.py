"""The provider interface: what one backend implementation must offer."""

from __future__ import annotations

import abc
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from agents.types import ChatRequest, Completion


class RetrySpec(BaseModel):
    """How the shared wrapper retries failed attempts (exponential backoff with jitter)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    attempts: int = Field(6, ge=1, le=100, description="tries in all, the first included")
    initial_s: float = Field(0.5, ge=0.0, description="first backoff")
    max_s: float = Field(30.0, ge=0.0, description="longest backoff (Retry-After may ask more)")
    jitter_s: float = Field(0.5, ge=0.0)


class MalformedReply(Exception):
    """A reply that arrived but cannot be used (no choices, null content): retried."""


class BackendSpec(BaseModel):
    """Base of every provider's config model (``kind`` selects the provider)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str
    retry: RetrySpec = RetrySpec()

    def calls_in_flight(self) -> int | None:
        """How many calls this backend can usefully have in flight at once (None: no opinion).

        A run whose ``concurrency`` is not set keeps enough episodes going to fill it.
        """
        return None

    def preflight(self, name: str) -> list[str]:
        """What building or starting this backend would refuse, checked without loading anything.

        ``validate`` calls it so that it refuses what ``run`` would (a missing model
        file, an unset key variable). Returns one ``backends.NAME.field: message``
        line per problem.
        """
        return []


class Provider(abc.ABC):
    """One backend implementation (OpenAI API, llama.cpp server, HF model, simulation).

    A provider makes single attempts only: retries, concurrency limits, rate
    limits, caching and usage accounting belong to :class:`BackendClient`.
    """

    kind: ClassVar[str]
    spec_class: ClassVar[type[BackendSpec]]  # set by ``register``
    cacheable: ClassVar[bool] = True  # False for simulations: caching them gains nothing

    @classmethod
    @abc.abstractmethod
    def from_spec(cls, spec: BackendSpec, *, name: str) -> Provider:
        """Build the provider from its config model; ``name`` is its key in the config."""

    @abc.abstractmethod
    async def generate(self, request: ChatRequest) -> Completion:
        """Make one attempt at completing ``request``."""

    async def start(self) -> None:  # noqa: B027 - optional hook
        """Acquire resources (start a server, load a model). Called once before use."""

    def start_label(self) -> str:
        """What :meth:`start` does, for the progress display (``loading model X``)."""
        return f"starting {self.kind}"

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources. Safe to call more than once."""

    def identity(self) -> dict[str, Any]:
        """What makes two providers give the same answers (for the response cache)."""
        return {"kind": self.kind}

    def concurrency_key(self) -> str:
        """Providers with the same key share one concurrency limit."""
        return f"{self.kind}:{id(self)}"

    def max_concurrency(self) -> int:
        """How many calls may be in flight at once."""
        return 8

    def is_retryable(self, exc: BaseException) -> bool:
        """Whether a failed attempt may be retried."""
        return False

    def is_permanent(self, exc: BaseException) -> bool:
        """Whether a failure will recur on every call (bad key, no access): the run stops."""
        return False

    def retry_after(self, exc: BaseException) -> float | None:
        """Seconds the server asked us to wait before retrying, if it said so."""
        return None
