"""One member's side of one ensemble request: its prompt, token ids, key/value cache, logits.

Each member renders the request's messages with its own chat template. After
every step the chosen token is added to every member's context: a member that
shares the main model's vocabulary appends the token id itself; any other
member re-tokenizes its prompt plus the reply's text so far and recomputes
only from the first token id that changed (its cache is cropped there), so a
token the main model split differently, or a character completed by a later
byte token, is corrected on the next step.

The prompt is prefilled exactly as the ``hf`` backend prefills it (the same
chunks, sharing the member's prompt-state store), and each step runs the model
as ``hf``'s decoding of a lone request does (with the second, zero row), so a
member decoding alone computes the same logits as ``hf`` (tested end to end).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agents.backends.hf.engine import Engine, torch_tensor
from agents.errors import BackendError
from agents.types import GenParams, Message


class MemberRun:
    """A member's context during one request (lives on the ensemble's worker thread).

    Args:
        engine: the member's loaded model.
        messages: the request's messages (rendered with the member's own template).
        params: the request's generation parameters.
    """

    def __init__(self, engine: Engine, messages: Sequence[Message], params: GenParams) -> None:
        self.engine = engine
        job = engine.job(messages, params)
        self.prompt = job.prompt
        ids = self._encode(self.prompt)
        limit = engine.max_positions
        if limit is not None and len(ids) + params.max_tokens > limit:
            raise BackendError(
                f"model {engine.label!r}: the prompt has {len(ids)} tokens, and with "
                f"{params.max_tokens} more it would pass the model's context of {limit}"
            )
        self.prompt_tokens = len(ids)
        self.ids: list[int] = ids
        self._cache: Any = None
        self._cached = 0
        self._logits: Any = None
        if len(ids) >= 2:
            # engine internals on purpose: the same chunked prefill and prompt-state store as hf.
            layers = engine._prefill_one(ids, engine._token_cuts(job, ids))
            cache_cls: Any = engine._cache_cls
            if layers is not None and cache_cls is not None:
                self._cache = cache_cls(layers, config=engine.model.config)
                self._cached = len(ids) - 1

    def reply_tokens(self, reply: str) -> int:
        """How many tokens ``reply`` takes after the prompt in this member's vocabulary."""
        return len(self._encode(self.prompt + reply)) - self.prompt_tokens

    def _encode(self, text: str) -> list[int]:
        return list(self.engine.tokenizer(text, add_special_tokens=False)["input_ids"])

    def logits(self) -> Any:
        """``(V,)`` float32 logits for the token after the current context (computed once)."""
        if self._logits is None:
            self._logits = self._forward(self.ids[self._cached :])
        return self._logits

    def _forward(self, tokens: list[int]) -> Any:
        engine = self.engine
        torch = engine.torch
        options = {engine._cache_arg: self._cache} if self._cache is not None else {}
        with torch.inference_mode(), engine._two_rows(len(tokens) == 1):
            out = engine.model(
                input_ids=torch_tensor(torch, tokens, engine.device), use_cache=True, **options
            )
        self._cache = getattr(out, "cache", None) or getattr(out, "past_key_values", None)
        self._cached = len(self.ids)
        # A copy outside inference mode, so that the fusion's search may take gradients.
        return out.logits[0, -1].float().clone().detach()

    def append(self, token: int) -> None:
        """Extend the context by one token id of this member's own vocabulary."""
        self.ids.append(token)
        self._logits = None

    def retokenize(self, reply: str) -> None:
        """Set the context to the prompt plus ``reply``, re-tokenized; keep what did not change."""
        new = self._encode(self.prompt + reply)
        if new == self.ids:
            return
        same = next(
            (i for i, (a, b) in enumerate(zip(new, self.ids, strict=False)) if a != b), None
        )
        if same is None:
            same = min(len(new), len(self.ids))
        keep = min(same, len(new) - 1, self._cached)
        if keep < self._cached:
            try:
                self._cache.crop(keep - self._cached)  # negative: how many positions to drop
            except (AttributeError, RuntimeError, ValueError):
                # A cache that cannot go back (a sliding window past its size): start over.
                self._cache, keep = None, 0
        self.ids = new
        self._cached = keep
        self._logits = None


__all__ = ["MemberRun"]
