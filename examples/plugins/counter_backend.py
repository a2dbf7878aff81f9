"""A backend plugin: ``counter``, which answers letter-counting questions by counting.

It is not a language model: it finds the quoted word in the last question it
was asked and counts its letters (or answers ``fallback``). It shows the whole
provider interface: a spec class, ``@register``, ``from_spec``, ``generate``
and ``identity`` (what the response cache keys on). Use it in a config as
``backends: {count: {kind: counter}}``.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field

from agents.backends import BackendSpec, ChatRequest, Completion, Provider, Usage, register

_QUOTED = re.compile(r"'([A-Za-z]+)'")


class CounterSpec(BackendSpec):
    """Config of the ``counter`` backend."""

    kind: Literal["counter"] = "counter"
    fallback: str = Field("0", description="the answer when no quoted word is found")
    off_by: int = Field(0, description="add this to every count (a deliberately wrong agent)")


@register("counter", CounterSpec)
class CounterProvider(Provider):
    """Counts the letters of the quoted word of the first user message."""

    def __init__(self, spec: CounterSpec) -> None:
        self.spec = spec

    @classmethod
    def from_spec(cls, spec: BackendSpec, *, name: str) -> CounterProvider:
        """Build from a :class:`CounterSpec`."""
        assert isinstance(spec, CounterSpec)
        return cls(spec)

    async def generate(self, request: ChatRequest) -> Completion:
        """``Answer: N`` for the first quoted word of the conversation."""
        asked = next((m.content for m in request.messages if m.role == "user"), "")
        word = _QUOTED.search(asked)
        answer = str(len(word.group(1)) + self.spec.off_by) if word else self.spec.fallback
        return Completion(text=f"I counted. Answer: {answer}", usage=Usage(completion_tokens=4))

    def identity(self) -> dict[str, Any]:
        """Every field changes the replies."""
        return self.spec.model_dump()
