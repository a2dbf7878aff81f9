"""A deterministic *simulation* backend, for unit tests and scale tests.

It is not a language model and never the default. It reads the ``hints`` that the
scheduler attaches to each request (gold answer, wrong answers, the agent's
trait, its previous answer, its neighbours' previous answers) and draws its
behaviour from per-trait probabilities with a random generator seeded by the
request's seed, so results never depend on completion order:

- round 0 (``initial``): correct with probability ``accuracy[trait]``;
- ``debate``: adopt the neighbours' most common answer with probability
  ``conformity[trait]``, else keep its own;
- ``reflection``: change to a fresh draw with probability ``reflection_change``.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Annotated, Any, Literal

from pydantic import Field

from agents.backends.base import BackendSpec, Provider
from agents.backends.registry import register
from agents.types import ChatRequest, Completion, Usage

Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
"""A probability: a number in [0, 1] (NaN refused)."""


class ScriptedSpec(BackendSpec):
    """Config of the ``scripted`` simulation backend (probabilities keyed by trait name)."""

    kind: Literal["scripted"] = "scripted"
    accuracy: dict[str, Probability] = Field(default_factory=lambda: {"default": 0.5})
    conformity: dict[str, Probability] = Field(
        default_factory=lambda: {"easy-going": 0.8, "overconfident": 0.2, "default": 0.5}
    )
    reflection_change: Probability = 0.1
    truncation: Probability = Field(
        0.0,
        description="share of replies cut at the token limit (finish reason 'length'); the"
        " answer stays readable, as in a reply that repeats itself until it is cut",
    )
    latency_ms: float = Field(0.0, ge=0.0, description="simulated time per call")
    max_concurrency: int = Field(1_000_000, ge=1)


class _SplitMix:
    """A tiny seeded generator (SplitMix64).

    ``random.Random(seed)`` costs more to create than a whole simulated turn;
    a simulated reply needs only two or three draws.
    """

    _MASK = (1 << 64) - 1

    def __init__(self, seed: int | None) -> None:
        self.state = (seed or 0) & self._MASK

    def random(self) -> float:
        """A float in [0, 1)."""
        self.state = (self.state + 0x9E3779B97F4A7C15) & self._MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & self._MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & self._MASK
        return ((z ^ (z >> 31)) >> 11) / float(1 << 53)

    def choice(self, items: list[Any]) -> Any:
        """One of ``items``, uniformly."""
        return items[int(self.random() * len(items))]


_TRUNCATION_STREAM = 0x5EED_C07


def _prob(table: dict[str, float], trait: str) -> float:
    return table.get(trait, table.get("default", 0.5))


@register("scripted", ScriptedSpec)
class ScriptedProvider(Provider):
    """Simulated agents with per-trait accuracy and conformity (see the module docstring)."""

    cacheable = False

    def __init__(self, spec: ScriptedSpec) -> None:
        self.spec = spec

    @classmethod
    def from_spec(cls, spec: BackendSpec, *, name: str) -> ScriptedProvider:
        """Build from a :class:`ScriptedSpec`."""
        assert isinstance(spec, ScriptedSpec)
        return cls(spec)

    def identity(self) -> dict[str, Any]:
        """The full spec: every field changes the simulated answers."""
        return self.spec.model_dump()

    def max_concurrency(self) -> int:
        """Effectively unlimited unless configured."""
        return self.spec.max_concurrency

    def decide(self, request: ChatRequest) -> str | None:
        """The answer this simulated agent gives (None: it gives no answer)."""
        h = request.hints
        rng = _SplitMix(request.params.seed)
        trait = str(h.get("trait", "default"))
        gold, wrong = h.get("gold"), list(h.get("wrong") or [])
        own = h.get("own_answer")

        def fresh() -> str | None:
            if rng.random() < _prob(self.spec.accuracy, trait) or not wrong:
                return None if gold is None else str(gold)
            return str(rng.choice(wrong))

        pattern = h.get("pattern", "initial")
        if pattern == "debate":
            seen = [a for a in h.get("neighbour_answers", []) if a is not None]
            if seen and rng.random() < _prob(self.spec.conformity, trait):
                counts = Counter(seen)
                top = max(counts.values())
                # Ties are broken at random, not in favour of the first neighbour.
                return str(rng.choice(sorted(a for a, n in counts.items() if n == top)))
            return str(own) if own is not None else fresh()
        if pattern == "reflection":
            if own is None or rng.random() < self.spec.reflection_change:
                return fresh()
            return str(own)
        return fresh()

    async def generate(self, request: ChatRequest) -> Completion:
        """Reply with the decided answer rendered in the task's answer format."""
        if self.spec.latency_ms:
            await asyncio.sleep(self.spec.latency_ms / 1000.0)
        if request.hints.get("pattern") == "opening":
            text = "ok"  # a role-play opening asks the model to "say ok only"
        else:
            answer = self.decide(request)
            template = str(request.hints.get("template", "{answer}"))
            text = "I am not sure." if answer is None else template.replace("{answer}", answer)
        # Token counts are estimated as characters / 4 (cheap; a simulation has no tokenizer).
        prompt_chars = sum(len(m.content) for m in request.messages)
        return Completion(
            text=text,
            usage=Usage(prompt_tokens=-(-prompt_chars // 4), completion_tokens=-(-len(text) // 4)),
            latency_s=self.spec.latency_ms / 1000.0,
            finish_reason="length" if self._cut(request) else "stop",
        )

    def _cut(self, request: ChatRequest) -> bool:
        """Whether this reply is cut at the token limit (a stream of its own, so the
        answers do not depend on ``truncation``)."""
        if not self.spec.truncation:
            return False
        rng = _SplitMix((request.params.seed or 0) ^ _TRUNCATION_STREAM)
        return rng.random() < self.spec.truncation
