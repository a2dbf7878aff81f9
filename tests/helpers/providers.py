"""Providers defined in tests: deterministic stand-ins for a model that the cache may store."""

from __future__ import annotations

import hashlib
import json
from typing import Any, ClassVar

from agents.backends.base import BackendSpec, Provider
from agents.types import ChatRequest, Completion, Usage


class Deterministic(Provider):
    """A cacheable provider whose reply depends only on the messages and the seed.

    It never reads ``hints`` (a model never sees them). Each reply states two numbers,
    ``First I thought A. Answer: B``, so extractors that take the first or the last
    number read different answers from it. ``calls`` counts the calls that reached it.
    """

    kind: ClassVar[str] = "deterministic"

    def __init__(self) -> None:
        self.calls = 0

    @classmethod
    def from_spec(cls, spec: BackendSpec, *, name: str) -> Deterministic:
        """Built in tests, not from a config."""
        raise TypeError("built in tests")

    def identity(self) -> dict[str, Any]:
        """The same for every instance, so a second instance reads the first one's cache."""
        return {"kind": self.kind, "version": 1}

    def max_concurrency(self) -> int:
        """No limit."""
        return 1_000

    async def generate(self, request: ChatRequest) -> Completion:
        """A reply derived from a hash of the messages and the seed."""
        self.calls += 1
        blob = json.dumps([[m.role, m.content] for m in request.messages] + [request.params.seed])
        digest = hashlib.sha256(blob.encode()).digest()
        return Completion(
            text=f"First I thought {digest[0] % 50}. Answer: {digest[1] % 50 + 50}",
            usage=Usage(prompt_tokens=10, completion_tokens=5),
        )
