"""One DeePEn decoding step over the members' next-token logits (see :mod:`.relative`)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import torch

from agents.backends.ensemble.relative import (
    aggregate,
    inverse_search,
    relative_rows,
    to_relative,
    truncate,
    unit_rows,
)


@dataclass(frozen=True)
class FusedStep:
    """What one step decided."""

    ids: torch.Tensor
    """``(k,)`` the main model's candidate token ids."""
    logits: torch.Tensor
    """``(k,)`` their logits after fusion (the main model's own where nothing was fused)."""
    own: int
    """The main model's own argmax over its whole vocabulary."""
    fused: bool
    """Whether the members were fused (False: DeePEn's main-model-only cases)."""
    distance: float
    """Relative-space distance left, ``KL(target || fused)`` (0 where not searched)."""
    searched: bool = False
    """Whether the inverse search ran (False: ``logits`` are the main model's own)."""

    def greedy(self) -> int:
        """The fused argmax (the main model's own argmax where the logits were not changed)."""
        if not self.searched:
            return self.own
        return int(self.ids[int(torch.argmax(self.logits))])


class RowCache:
    """Relative representations of one vocabulary's tokens, computed on demand and kept (LRU).

    A token's row depends only on the token, and decoding meets the same
    candidates again and again (punctuation, digits, common words), so kept rows
    save most of the ``k x anchors x dim`` products of a step.

    Args:
        embeddings: ``(V, d)`` input embeddings.
        anchor_ids: the anchors' ids in this vocabulary.
        scale: the softmax scale.
        capacity: most rows kept.
    """

    def __init__(
        self, embeddings: torch.Tensor, anchor_ids: Sequence[int], scale: float, capacity: int
    ) -> None:
        self.embeddings = embeddings
        index = torch.tensor(list(anchor_ids), dtype=torch.long, device=embeddings.device)
        self.anchors = unit_rows(embeddings[index])
        self.scale = scale
        self.capacity = capacity
        self.rows: OrderedDict[int, torch.Tensor] = OrderedDict()
        self.hits = self.misses = 0

    def __call__(self, ids: torch.Tensor) -> torch.Tensor:
        """``(k, A)`` log relative representations of the tokens ``ids``."""
        wanted = [int(i) for i in ids.tolist()]
        missing = [i for i in dict.fromkeys(wanted) if i not in self.rows]
        self.misses += len(missing)
        self.hits += len(wanted) - len(missing)
        if missing:
            index = torch.tensor(missing, dtype=torch.long, device=self.embeddings.device)
            fresh = relative_rows(self.embeddings[index], self.anchors, self.scale)
            for token, row in zip(missing, fresh, strict=True):
                self.rows[token] = row.clone()  # not a view that keeps all of ``fresh``
        out = torch.stack([self.rows[i] for i in wanted])
        for token in wanted:
            self.rows.move_to_end(token)
        while len(self.rows) > self.capacity:
            self.rows.popitem(last=False)
        return out


class DeepenFusion:
    """DeePEn's fusion for fixed members: anchors, weights and search settings.

    Args:
        rows: each member's :class:`RowCache` (members sharing a model may share one).
        main: index of the member whose vocabulary chooses the token.
        weights: one non-negative weight per member (normalised here).
        top_k: tokens kept of each distribution.
        steps: search steps.
        learning_rate: the search's rate (0: the main model alone, as in DeePEn).
    """

    def __init__(
        self,
        rows: Sequence[RowCache],
        *,
        main: int,
        weights: Sequence[float],
        top_k: int,
        steps: int,
        learning_rate: float,
    ) -> None:
        self.rows = list(rows)
        self.main = main
        self.weights = list(weights)
        self.top_k = top_k
        self.steps = steps
        self.learning_rate = learning_rate

    def _relative(self, member: int, logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """A member's truncated distribution in relative space, and its tokens' rows."""
        cut = truncate(logits, self.top_k)
        rows = self.rows[member](cut.ids)
        return to_relative(cut.log_probs, rows), rows

    def step(self, logits: Sequence[torch.Tensor], eos: Collection[int]) -> FusedStep:
        """Fuse the members' next-token logits (each ``(V_m,)``) into the main vocabulary."""
        main_logits = logits[self.main].float()
        own = int(torch.argmax(main_logits))
        cut = truncate(main_logits, self.top_k)
        if own in eos or self.learning_rate == 0.0:
            # DeePEn leaves these steps to the main model (its argmax is the end, or rate 0).
            return FusedStep(cut.ids, cut.logits, own, fused=False, distance=0.0)
        main_rep, main_rows = self._relative(self.main, main_logits)
        reps = [
            main_rep if m == self.main else self._relative(m, logits[m])[0]
            for m, w in enumerate(self.weights)
            if w > 0 or m == self.main
        ]
        kept = [w for m, w in enumerate(self.weights) if w > 0 or m == self.main]
        if all(torch.equal(r, main_rep) for r, w in zip(reps, kept, strict=True) if w > 0):
            # The target is the main model's own representation: nothing to search for.
            return FusedStep(cut.ids, cut.logits, own, fused=True, distance=0.0)
        target = aggregate(reps, kept)
        found = inverse_search(
            cut.logits, main_rows, target, steps=self.steps, learning_rate=self.learning_rate
        )
        return FusedStep(
            cut.ids, found.logits, own, fused=True, distance=found.distance, searched=True
        )


__all__ = ["DeepenFusion", "FusedStep", "RowCache"]
