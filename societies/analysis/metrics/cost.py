"""Token cost of a set of episodes, and its price in US dollars.

Prices are each backend's ``price_per_1m_prompt_tokens`` and
``price_per_1m_completion_tokens`` in the recorded config. ``usd`` prices every
recorded call (what the method costs); ``spent_usd`` only the calls actually
made (what the run cost: a cache hit is free).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from societies.analysis.metrics.episodes import EpisodeView


@dataclass(frozen=True)
class Cost:
    """Tokens spent, from the usage recorded on every turn.

    Attributes:
        prompt_tokens: prompt tokens of all calls.
        completion_tokens: completion tokens of all calls.
        calls: recorded turns (one call each; cache hits included).
        episodes: episodes with at least one turn.
        correct: finished episodes whose last-round society decision is correct.
        last_call_tokens: MachineSoM's measure: per episode, the prompt plus
            completion tokens of each agent's last call only, summed over agents
            and episodes (the last prompt holds the whole conversation).
        usd: the calls' price at the recorded config's backend prices (cache hits
            priced like the calls they stand for, as their tokens are counted), or
            None when no agent's backend has a price.
        spent_usd: the money spent: ``usd`` without the cache hits (None without prices).
        cache_hits: recorded calls answered from the cache.
    """

    prompt_tokens: int
    completion_tokens: int
    calls: int
    episodes: int
    correct: int
    last_call_tokens: int
    usd: float | None = None
    spent_usd: float | None = None
    cache_hits: int = 0

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens of all calls."""
        return self.prompt_tokens + self.completion_tokens

    @property
    def per_episode(self) -> float | None:
        """Total tokens per episode."""
        return self.total_tokens / self.episodes if self.episodes else None

    @property
    def per_correct(self) -> float | None:
        """Total tokens per correct society answer (None when none is correct)."""
        return self.total_tokens / self.correct if self.correct else None

    @property
    def usd_per_episode(self) -> float | None:
        """USD per episode (None without prices or episodes)."""
        return self.usd / self.episodes if self.usd is not None and self.episodes else None

    @property
    def machinesom_last_call_per_episode(self) -> float | None:
        """MachineSoM's cost: tokens of each agent's last call, summed, per episode."""
        return self.last_call_tokens / self.episodes if self.episodes else None


def cost(episodes: Sequence[EpisodeView]) -> Cost:
    """Token cost of the episodes' recorded turns."""
    prompt = completion = calls = last = correct = n = 0
    usd: float | None = None
    spent = 0.0
    hits = 0
    for e in episodes:
        if not e.turns:
            continue
        n += 1
        latest: dict[str, tuple[int, int]] = {}
        for (r, agent), t in e.turns.items():
            price = e.prices.get(agent)
            # a role-play opening is one more call
            made = [(t.usage, t.cached)]
            if t.opening is not None:
                made.append((t.opening.usage, t.opening.cached))
            for usage, cached in made:
                prompt += usage.prompt_tokens
                completion += usage.completion_tokens
                calls += 1
                hits += cached
                if price is not None:
                    dollars = (
                        usage.prompt_tokens * price[0] + usage.completion_tokens * price[1]
                    ) / 1e6
                    usd = (usd or 0.0) + dollars
                    spent += 0.0 if cached else dollars
            if r >= latest.get(agent, (-1, 0))[0]:
                latest[agent] = (r, t.usage.prompt_tokens + t.usage.completion_tokens)
        last += sum(tokens for _, tokens in latest.values())
        correct += e.finished and bool(e.decision_correct) and e.decision_correct[-1]
    return Cost(
        prompt, completion, calls, n, correct, last, usd, None if usd is None else spent, hits
    )


__all__ = ["Cost", "cost"]
