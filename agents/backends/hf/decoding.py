"""Per-row decoding rules inside one batched ``generate``: token limits, stop strings, seeded sampling.

Rows of one batch may differ in temperature, top_p, stop strings and token
limits; these hooks make each row follow its own request, so a reply does not
depend on what else is in the batch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from agents.backends.hf.jobs import GenJob


class RowStops:
    """Stopping criterion: per-row token limits and stop strings.

    Records, per row, after how many generated tokens it was stopped and why.
    """

    def __init__(self, torch: Any, tokenizer: Any, prompt_len: int, jobs: Sequence[GenJob]) -> None:
        self.torch = torch
        self.tokenizer = tokenizer
        self.prompt_len = prompt_len
        self.limits = [j.params.max_tokens for j in jobs]
        self.stops = [j.params.stop for j in jobs]
        # Enough tokens to hold the longest stop string even if it straddles tokens.
        self.windows = [max((len(s) for s in stops), default=0) + 8 for stops in self.stops]
        self.ended: list[int | None] = [None] * len(jobs)
        self.reasons: list[str] = ["length"] * len(jobs)

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        generated = input_ids.shape[1] - self.prompt_len
        done = [False] * len(self.limits)
        for i, limit in enumerate(self.limits):
            if self.ended[i] is not None:
                done[i] = True
            elif generated >= limit:
                self.ended[i], self.reasons[i], done[i] = generated, "length", True
            elif self.stops[i]:
                start = max(self.prompt_len, input_ids.shape[1] - self.windows[i])
                tail = self.tokenizer.decode(
                    input_ids[i, start:].tolist(), skip_special_tokens=True
                )
                if any(s in tail for s in self.stops[i]):
                    self.ended[i], self.reasons[i], done[i] = generated, "stop", True
        return self.torch.tensor(done, dtype=self.torch.bool, device=input_ids.device)


class RowSampler:
    """Logits processor that samples each sampled row with its own seeded generator.

    ``generate`` runs in greedy mode; for a sampled row this processor draws the
    token (temperature, then top-p) and leaves only that token unmasked, so the
    argmax picks it. Greedy rows pass through untouched.
    """

    def __init__(self, torch: Any, jobs: Sequence[GenJob], device: str) -> None:
        self.torch = torch
        self.rows: list[tuple[int, float, float, Any]] = []
        for i, job in enumerate(jobs):
            p = job.params
            if p.temperature > 0:
                gen = torch.Generator(device=device)
                if p.seed is None:
                    gen.seed()
                else:
                    gen.manual_seed(p.seed)
                self.rows.append((i, p.temperature, p.top_p, gen))

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        torch = self.torch
        for i, temperature, top_p, gen in self.rows:
            probs = torch.softmax(scores[i].float() / temperature, dim=-1)
            if top_p < 1.0:
                sorted_probs, order = torch.sort(probs, descending=True)
                before = torch.cumsum(sorted_probs, dim=-1) - sorted_probs
                sorted_probs[before >= top_p] = 0.0  # the most likely token always stays
                probs = torch.zeros_like(probs).scatter_(0, order, sorted_probs)
            token = torch.multinomial(probs, 1, generator=gen)
            scores[i].fill_(-math.inf)
            scores[i, token] = 0.0
        return scores


__all__ = ["RowSampler", "RowStops"]
