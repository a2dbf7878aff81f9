"""One ensemble request, decoded on the worker thread: DeePEn token by token, or a vote.

Usage counts every member's work: prompt tokens are the sum of the members'
prompts (each in its own vocabulary) and completion tokens the main model's
(its end token included, as ``hf`` counts) plus the reply's length in each
other member's vocabulary, so an ensemble's cost compares
with that of its members run one by one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agents.backends.ensemble.deepen import DeepenFusion, FusedStep
from agents.backends.ensemble.member import MemberRun
from agents.backends.hf.engine import Engine
from agents.types import Completion, GenParams, Message, Usage


@dataclass
class FusionStats:
    """Counters of one DeePEn reply (recorded with the turn as the backend's statistics)."""

    steps: int = 0
    """Decoding steps (tokens chosen, the end token included)."""
    fused: int = 0
    """Steps where the members were fused (not left to the main model, as at its end token)."""
    changed: int = 0
    """Steps whose token differs from the main model's own argmax."""
    distance_sum: float = 0.0

    def add(self, step: FusedStep, token: int) -> None:
        """Count one step that chose ``token``."""
        self.steps += 1
        self.fused += int(step.fused)
        self.changed += int(token != step.own)
        self.distance_sum += step.distance

    def as_dict(self) -> dict[str, float]:
        """The transcript's form: counts, and the mean KL left after the search over fused steps."""
        mean = self.distance_sum / self.fused if self.fused else 0.0
        return {
            "steps": self.steps,
            "fused": self.fused,
            "changed": self.changed,
            "distance": round(mean, 6),
        }


def sample(step: FusedStep, params: GenParams, generator: Any) -> int:
    """Draw from the fused candidates: temperature, then top-p, then one seeded draw."""
    import torch

    probs = torch.softmax(step.logits / params.temperature, dim=-1)
    if params.top_p < 1.0:
        sorted_probs, order = torch.sort(probs, descending=True)
        before = torch.cumsum(sorted_probs, dim=-1) - sorted_probs
        sorted_probs[before >= params.top_p] = 0.0  # the most likely token always stays
        probs = torch.zeros_like(probs).scatter_(0, order, sorted_probs)
    return int(step.ids[int(torch.multinomial(probs, 1, generator=generator))])


def _generator(engine: Engine, params: GenParams) -> Any:
    if params.temperature <= 0:
        return None
    gen = engine.torch.Generator(device="cpu")
    if params.seed is None:
        gen.seed()
    else:
        gen.manual_seed(params.seed)
    return gen


def decode_deepen(
    engines: Sequence[Engine],
    fusion: DeepenFusion,
    follows_ids: Sequence[bool],
    messages: Sequence[Message],
    params: GenParams,
) -> Completion:
    """Generate one reply by DeePEn fusion (the main model's vocabulary chooses each token).

    Args:
        engines: the members' models.
        fusion: the fusion rule (knows which member is the main one).
        follows_ids: per member, whether it takes the chosen token id as is (the main model
            and members with its vocabulary) instead of re-tokenizing the text.
        messages: the request's messages.
        params: its generation parameters.
    """
    main = engines[fusion.main]
    runs = [MemberRun(e, messages, params) for e in engines]
    generator = _generator(main, params)
    stats = FusionStats()
    out: list[int] = []
    text, reason, counted = "", "length", 0
    for n in range(params.max_tokens):
        step = fusion.step([r.logits() for r in runs], main.eos)
        token = step.greedy() if generator is None else sample(step, params, generator)
        stats.add(step, token)
        counted = n + 1
        if token in main.eos:
            reason = "stop"
            break
        out.append(token)
        text = main.tokenizer.decode(out, skip_special_tokens=True)
        cut = min((at for s in params.stop if (at := text.find(s)) >= 0), default=-1)
        if cut >= 0:
            text, reason = text[:cut], "stop"
            break
        if n + 1 < params.max_tokens:
            for run, follows in zip(runs, follows_ids, strict=True):
                run.append(token) if follows else run.retokenize(text)
    others = sum(r.reply_tokens(text) for i, r in enumerate(runs) if i != fusion.main)
    usage = Usage(
        prompt_tokens=sum(r.prompt_tokens for r in runs), completion_tokens=counted + others
    )
    return Completion(text=text, finish_reason=reason, usage=usage, stats=stats.as_dict())


_SPACES = re.compile(r"\s+")


def normalise(reply: str) -> str:
    """A reply as a vote compares it: case-folded, whitespace collapsed, ends trimmed."""
    return _SPACES.sub(" ", reply).strip().casefold()


def decode_vote(
    engines: Sequence[Engine],
    weights: Sequence[float],
    messages: Sequence[Message],
    params: Sequence[GenParams],
) -> Completion:
    """Every member with a positive weight answers; the reply of the weighted plurality wins.

    Replies are compared by :func:`normalise` (a backend cannot reach the task's answer
    extractor); ties go to the answer whose first voter comes first in the member order.
    ``params`` holds each member's generation parameters (its template's stop strings added).
    """
    replies: list[tuple[int, Completion]] = []
    for i, engine in enumerate(engines):
        if weights[i] > 0:
            result = engine.run_batch([engine.job(messages, params[i])])[0]
            if isinstance(result, BaseException):
                raise result
            replies.append((i, result))
    tally: dict[str, float] = {}
    first: dict[str, int] = {}
    for i, reply in replies:
        key = normalise(reply.text)
        tally[key] = tally.get(key, 0.0) + weights[i]
        first.setdefault(key, i)
    best = max(tally.values())
    winner = min(first[k] for k, v in tally.items() if math.isclose(v, best))
    chosen = next(c for i, c in replies if i == winner)
    usage = Usage(
        prompt_tokens=sum(c.usage.prompt_tokens for _, c in replies),
        completion_tokens=sum(c.usage.completion_tokens for _, c in replies),
    )
    stats = {"voters": len(replies), "votes": best, "chosen": winner, "answers": len(tally)}
    return chosen.model_copy(update={"usage": usage, "stats": stats})


__all__ = ["FusionStats", "decode_deepen", "decode_vote", "normalise", "sample"]
