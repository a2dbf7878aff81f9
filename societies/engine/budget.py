"""Budgets: stop a run cleanly when its tokens or cost reach the config's limit.

``budget: {max_tokens: ..., max_cost_usd: ...}``. Only calls actually made
count: cache hits and calls shared with another run are free. Spending is
counted as calls complete, over the whole run (a resumed run starts from what
its transcript already spent). Once a limit is reached no new turn starts;
the calls in flight finish and are written (so the run may overshoot by
those), then the run ends with status ``budget``. Resuming with a higher
budget continues it.

Cost uses the backend's ``price_per_1m_prompt_tokens`` and
``price_per_1m_completion_tokens`` (the ``openai`` backend has them); backends
without prices cost nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from agents.backends import BackendClient, BackendSpec
from agents.types import ChatRequest, Completion, Usage
from societies.config import BudgetSpec


@dataclass(frozen=True)
class Price:
    """US dollars per million prompt and completion tokens."""

    prompt: float = 0.0
    completion: float = 0.0

    def cost(self, usage: Usage) -> float:
        """The cost of one call."""
        return (usage.prompt_tokens * self.prompt + usage.completion_tokens * self.completion) / 1e6

    @property
    def known(self) -> bool:
        """Whether any price is set."""
        return bool(self.prompt or self.completion)


def price_of(spec: BackendSpec) -> Price:
    """A backend's price from its spec (zero when it has none)."""
    return Price(
        prompt=getattr(spec, "price_per_1m_prompt_tokens", None) or 0.0,
        completion=getattr(spec, "price_per_1m_completion_tokens", None) or 0.0,
    )


@dataclass
class Budget:
    """Spending of one run (or several sharing it) against the limits.

    Args:
        spec: the limits.
        prices: the price of each backend, by config name.
    """

    spec: BudgetSpec
    prices: Mapping[str, Price] = field(default_factory=dict)
    tokens: int = 0
    cost_usd: float = 0.0
    in_flight: int = 0
    _reached: asyncio.Event | None = field(default=None, repr=False)
    _idle: asyncio.Event | None = field(default=None, repr=False)

    def _events(self) -> tuple[asyncio.Event, asyncio.Event]:
        if self._reached is None or self._idle is None:
            self._reached, self._idle = asyncio.Event(), asyncio.Event()
            self._idle.set()
            if self.reached:
                self._reached.set()
        return self._reached, self._idle

    @property
    def reached(self) -> bool:
        """Whether a limit has been reached."""
        s = self.spec
        return (s.max_tokens is not None and self.tokens >= s.max_tokens) or (
            s.max_cost_usd is not None and self.cost_usd >= s.max_cost_usd
        )

    def spend(self, backend: str, usage: Usage) -> None:
        """Count one call made through ``backend``."""
        self.tokens += usage.total_tokens
        self.cost_usd += self.prices.get(backend, Price()).cost(usage)
        if self.reached and self._reached is not None:
            self._reached.set()

    def spend_recorded(self, turns: Iterable[tuple[str, Usage, bool]]) -> None:
        """Count what a transcript already spent: (backend, usage, cached) per turn."""
        for backend, usage, cached in turns:
            if not cached:
                self.spend(backend, usage)

    async def admit(self) -> None:
        """Wait until a new call may start: never, once a limit is reached."""
        reached, idle = self._events()
        if reached.is_set():
            await asyncio.Future()  # blocks until the run is stopped (cancelled)
        self.in_flight += 1
        idle.clear()

    def release(self) -> None:
        """A call admitted by :meth:`admit` has finished."""
        _, idle = self._events()
        self.in_flight -= 1
        if self.in_flight == 0:
            idle.set()

    async def stopped(self) -> None:
        """Return once a limit is reached and no admitted call is still in flight."""
        reached, idle = self._events()
        while True:
            await reached.wait()
            await idle.wait()
            if self.in_flight == 0:
                return

    def summary(self) -> dict[str, float]:
        """The limits and what has been spent (for the transcript's end event)."""
        out: dict[str, float] = {"tokens": float(self.tokens), "cost_usd": round(self.cost_usd, 6)}
        if self.spec.max_tokens is not None:
            out["max_tokens"] = float(self.spec.max_tokens)
        if self.spec.max_cost_usd is not None:
            out["max_cost_usd"] = self.spec.max_cost_usd
        return out


@dataclass
class BudgetedClient(BackendClient):
    """A client that asks the budget before each call and reports what it spent.

    It shares the wrapped client's usage counts, so the run's accounting is unchanged.
    """

    inner: BackendClient | None = None
    budget: Budget | None = None

    def __post_init__(self) -> None:
        # The wrapped client does the work; nothing of the base class is set up here.
        pass

    async def complete(self, request: ChatRequest) -> Completion:
        """Complete through the wrapped client, if the budget admits a new call."""
        assert self.inner is not None and self.budget is not None
        await self.budget.admit()
        try:
            completion = await self.inner.complete(request)
        finally:
            self.budget.release()
        if not completion.cached:
            self.budget.spend(self.name, completion.usage)
        return completion

    async def close(self) -> None:
        """Close the wrapped client."""
        if self.inner is not None:
            await self.inner.close()


def with_budget(clients: Mapping[str, BackendClient], budget: Budget) -> dict[str, BackendClient]:
    """The clients wrapped so that every call goes through ``budget``."""
    return {
        name: BudgetedClient(
            name=c.name,
            provider=c.provider,
            semaphore=c.semaphore,
            cache=c.cache,
            usage=c.usage,
            inner=c,
            budget=budget,
        )
        for name, c in clients.items()
    }


def make_budget(spec: BudgetSpec | None, backends: Mapping[str, BackendSpec]) -> Budget | None:
    """The run's budget from the config (None without limits)."""
    if spec is None or (spec.max_tokens is None and spec.max_cost_usd is None):
        return None
    return Budget(spec, {name: price_of(s) for name, s in backends.items()})


__all__ = ["Budget", "BudgetedClient", "Price", "make_budget", "price_of", "with_budget"]
