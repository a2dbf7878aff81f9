"""DeePEn's relative space: pure torch math (no models, no tokenizers).

DeePEn (Huang et al., NeurIPS 2024, "Ensemble Learning for Heterogeneous Large
Language Models with Deep Parallel Collaboration"; code:
https://github.com/OrangeInSouth/DeePEn) fuses next-token distributions of
models with different vocabularies in a space they share:

1. *Relative representation* of a token: the cosine similarities of its input
   embedding to the embeddings of the anchor tokens (tokens all vocabularies
   share), L2-normalised over the anchors and turned into a distribution over
   the anchors by ``softmax(scale * row)``; DeePEn's code uses ``scale = 100``
   (``cal_and_save_transfer_matrix.py``: ``temperature = 100``, multiplied).
2. *Relative representation of a distribution* ``p``: ``p @ R``, the
   probability-weighted mix of the tokens' rows.
3. *Aggregation*: the members' relative representations, weighted (weights
   summing to 1).
4. *Inverse*: starting from the main model's logits, a few steps of AdamW
   (betas 0.9/0.999, PyTorch's default weight decay 0.01) on the logits
   minimise ``KL(target || softmax(logits) @ R)`` (``nn.KLDivLoss``, reduction
   ``mean`` over the anchors), with a cosine learning-rate schedule
   (``T_max = 10``, floor a quarter of the rate); the next token is the
   argmax of the searched logits. Defaults as in the code: 5 steps, and the
   rate 0.15 of its README example (its "relative ensemble learning rate").

Departures (also in the README):

* ``top_k``: each distribution is truncated to its ``top_k`` most likely
  tokens and renormalised, and only those tokens' rows are computed, on the
  fly, so no ``vocabulary x anchors`` matrix is ever built (Gemma's vocabulary
  has 262,144 tokens). The search moves only the main model's ``top_k``
  logits, so the chosen token is always one of them.
* When every member with a positive weight maps to exactly the main model's
  own relative representation (the members agree, or only the main model has
  weight), the search is skipped: its gradient is zero there, and AdamW's
  weight decay alone only scales the logits, which keeps their argmax; float
  rounding noise in a zero gradient would otherwise be amplified by Adam's
  normalisation.
* Anchors are matched on decoded text (:mod:`.anchors`), and sampling with a
  temperature (DeePEn decodes greedily only) draws from the searched ``top_k``
  logits (:mod:`.decode`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

SCHEDULE_T_MAX = 10
"""DeePEn's cosine schedule period (``CosineAnnealingLR(T_max=10)``)."""

SCHEDULE_FLOOR = 0.25
"""DeePEn's schedule floor as a fraction of the rate (``eta_min = lr / 4``)."""

WEIGHT_DECAY = 0.01
"""AdamW's default weight decay, which DeePEn's search keeps."""


def unit_rows(matrix: torch.Tensor) -> torch.Tensor:
    """``matrix`` in float32 with every row scaled to unit L2 norm (for cosine similarities)."""
    return F.normalize(matrix.float(), p=2.0, dim=-1)


def relative_rows(embeddings: torch.Tensor, anchors: torch.Tensor, scale: float) -> torch.Tensor:
    """Log of the relative representations of the tokens whose embeddings are given.

    Args:
        embeddings: ``(k, d)`` input embeddings of the tokens.
        anchors: ``(A, d)`` anchor embeddings of the same model, already :func:`unit_rows`.
        scale: the factor applied before the softmax (DeePEn: 100).

    Returns:
        ``(k, A)`` log-probabilities: ``log_softmax(scale * normalize(cos(e, anchors)))``.
    """
    cosine = unit_rows(embeddings) @ anchors.T
    return F.log_softmax(scale * F.normalize(cosine, p=2.0, dim=-1), dim=-1)


@dataclass(frozen=True)
class Truncated:
    """A distribution cut to its ``k`` most likely tokens (descending) and renormalised."""

    ids: torch.Tensor
    """``(k,)`` token ids, most likely first."""
    logits: torch.Tensor
    """``(k,)`` their float32 logits."""

    @property
    def log_probs(self) -> torch.Tensor:
        """``(k,)`` log-probabilities renormalised over the ``k`` tokens."""
        return F.log_softmax(self.logits, dim=-1)


def truncate(logits: torch.Tensor, top_k: int) -> Truncated:
    """The ``top_k`` most likely tokens of a ``(V,)`` logits vector (ties: lower id first)."""
    k = min(top_k, logits.shape[-1])
    values, ids = torch.topk(logits.float(), k, sorted=True)
    return Truncated(ids=ids, logits=values)


def to_relative(log_probs: torch.Tensor, log_rows: torch.Tensor) -> torch.Tensor:
    """Log of ``p @ R``: a ``(k,)`` distribution mapped through its tokens' ``(k, A)`` rows."""
    return torch.logsumexp(log_probs.unsqueeze(-1) + log_rows, dim=0)


def aggregate(log_reps: Sequence[torch.Tensor], weights: Sequence[float]) -> torch.Tensor:
    """Log of the weighted mean of relative representations (``weights`` are normalised here)."""
    total = float(sum(weights))
    logs = [rep + math.log(w / total) for rep, w in zip(log_reps, weights, strict=True) if w > 0]
    return torch.logsumexp(torch.stack(logs), dim=0)


def kl_divergence(log_target: torch.Tensor, log_q: torch.Tensor) -> torch.Tensor:
    """``KL(target || q)`` summed over the anchors (natural log; 0 log 0 = 0)."""
    target = log_target.exp()
    return torch.sum(torch.where(target > 0, target * (log_target - log_q), 0.0))


@dataclass(frozen=True)
class SearchResult:
    """The searched logits and the relative-space distance left."""

    logits: torch.Tensor
    """``(k,)`` logits after the search."""
    distance: float
    """``KL(target || softmax(logits) @ R)`` after the search (summed over anchors)."""


def inverse_search(
    logits: torch.Tensor,
    log_rows: torch.Tensor,
    log_target: torch.Tensor,
    *,
    steps: int,
    learning_rate: float,
) -> SearchResult:
    """DeePEn's search-based inverse: logits whose relative representation nears ``log_target``.

    Args:
        logits: ``(k,)`` the main model's (truncated) logits, the starting point.
        log_rows: ``(k, A)`` log relative representations of those tokens.
        log_target: ``(A,)`` log of the aggregated relative representation.
        steps: optimiser steps (DeePEn: 5).
        learning_rate: AdamW's rate (DeePEn's "relative ensemble learning rate").
    """
    anchors = log_rows.shape[-1]
    with torch.enable_grad():
        z = logits.detach().clone().float().requires_grad_(True)
        optimiser = torch.optim.AdamW(
            [z], lr=learning_rate, betas=(0.9, 0.999), weight_decay=WEIGHT_DECAY
        )
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(
            optimiser, T_max=SCHEDULE_T_MAX, eta_min=learning_rate * SCHEDULE_FLOOR
        )
        for _ in range(steps):
            log_q = to_relative(F.log_softmax(z, dim=-1), log_rows)
            # nn.KLDivLoss's default reduction: the mean over the anchors.
            loss = kl_divergence(log_target, log_q) / anchors
            optimiser.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
            schedule.step()
    with torch.no_grad():
        searched = z.detach()
        left = kl_divergence(log_target, to_relative(F.log_softmax(searched, dim=-1), log_rows))
    return SearchResult(logits=searched, distance=float(left))


__all__ = [
    "SCHEDULE_FLOOR",
    "SCHEDULE_T_MAX",
    "WEIGHT_DECAY",
    "SearchResult",
    "Truncated",
    "aggregate",
    "inverse_search",
    "kl_divergence",
    "relative_rows",
    "to_relative",
    "truncate",
    "unit_rows",
]
