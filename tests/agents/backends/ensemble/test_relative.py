"""DeePEn's relative-space math on tiny synthetic vocabularies, against hand-computed values."""

from __future__ import annotations

import math

import pytest

pytest.importorskip("torch")

import torch

from agents.backends.ensemble.deepen import DeepenFusion, RowCache
from agents.backends.ensemble.relative import (
    aggregate,
    inverse_search,
    kl_divergence,
    relative_rows,
    to_relative,
    truncate,
    unit_rows,
)

LN3 = math.log(3.0)


def _t(values: list[float]) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float32)


def test_relative_rows_are_softmaxed_normalised_cosines() -> None:
    # anchors x=(1,0), y=(0,1); token (1,0): cos (1,0); (1,1): cos (1/√2,1/√2); (5,0) like (1,0)
    anchors = unit_rows(torch.tensor([[1.0, 0.0], [0.0, 1.0]]))
    rows = relative_rows(torch.tensor([[1.0, 0.0], [1.0, 1.0], [5.0, 0.0]]), anchors, LN3)
    # softmax(ln3 * (1, 0)) = (3/4, 1/4); equal cosines give (1/2, 1/2)
    expected = [0.75, 0.25, 0.5, 0.5, 0.75, 0.25]
    assert rows.exp().flatten().tolist() == pytest.approx(expected, abs=1e-6)


def test_relative_rows_normalise_over_the_anchors_before_the_softmax() -> None:
    # anchors (1,0), (0,1), (-1,0); token (3,0): cos (1, 0, -1), L2 norm √2 -> (1/√2, 0, -1/√2);
    # with scale √2·ln2: exp(ln2, 0, -ln2) = (2, 1, 1/2) -> (4/7, 2/7, 1/7)
    anchors = unit_rows(torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]]))
    rows = relative_rows(torch.tensor([[3.0, 0.0]]), anchors, math.sqrt(2.0) * math.log(2.0))
    assert rows.exp()[0].tolist() == pytest.approx([4 / 7, 2 / 7, 1 / 7], abs=1e-6)


def test_distribution_maps_to_the_mix_of_its_rows() -> None:
    log_rows = torch.log(_t([0.75, 0.25, 0.5, 0.5]).view(2, 2))
    rep = to_relative(torch.log(_t([0.5, 0.5])), log_rows)
    assert rep.exp().tolist() == pytest.approx([5 / 8, 3 / 8], abs=1e-6)


def test_aggregate_normalises_the_weights() -> None:
    a, b = torch.log(_t([5 / 8, 3 / 8])), torch.log(_t([0.25, 0.75]))
    # 1/4 (5/8, 3/8) + 3/4 (1/4, 3/4) = (11/32, 21/32)
    assert aggregate([a, b], [1.0, 3.0]).exp().tolist() == pytest.approx([11 / 32, 21 / 32])
    # a zero weight drops its member entirely
    assert aggregate([a, b], [2.0, 0.0]).exp().tolist() == pytest.approx([5 / 8, 3 / 8])


def test_kl_divergence_by_hand() -> None:
    kl = kl_divergence(torch.log(_t([0.5, 0.5])), torch.log(_t([0.75, 0.25])))
    # 1/2 ln(2/3) + 1/2 ln 2 = 1/2 ln(4/3)
    assert float(kl) == pytest.approx(0.5 * math.log(4 / 3), abs=1e-6)
    assert float(kl_divergence(torch.log(_t([1.0, 0.0])), torch.log(_t([0.5, 0.5])))) == (
        pytest.approx(math.log(2.0))
    )


def test_truncate_keeps_the_most_likely_and_renormalises() -> None:
    cut = truncate(_t([0.0, 2.0, 1.0, -1.0]), 2)
    assert cut.ids.tolist() == [1, 2]
    e = math.e
    assert cut.log_probs.exp().tolist() == pytest.approx([e / (e + 1), 1 / (e + 1)])
    assert truncate(_t([0.0, 1.0]), 9).ids.tolist() == [1, 0]


def _kl(p: list[float], q: list[float]) -> float:
    return sum(a * math.log(a / b) for a, b in zip(p, q, strict=True) if a > 0)


def test_one_search_step_is_one_adamw_step_against_the_gradient() -> None:
    # main candidates x (row 3/4, 1/4) and z (1/2, 1/2), logits 0.1 and 0; the target leans to
    # anchor 2, so the loss falls as mass moves from x to z. AdamW's first step: decay the
    # logits by lr·0.01, then move each by lr against its gradient's sign (m̂/√v̂ = ±1).
    log_rows = torch.log(_t([0.75, 0.25, 0.5, 0.5]).view(2, 2))
    target = [0.25, 0.75]
    found = inverse_search(
        _t([0.1, 0.0]), log_rows, torch.log(_t(target)), steps=1, learning_rate=0.15
    )
    expected = [0.1 * (1 - 0.15 * 0.01) - 0.15, 0.0 + 0.15]
    assert found.logits.tolist() == pytest.approx(expected, abs=1e-6)
    px = math.exp(expected[0]) / (math.exp(expected[0]) + math.exp(expected[1]))
    q = [0.75 * px + 0.5 * (1 - px), 0.25 * px + 0.5 * (1 - px)]
    assert found.distance == pytest.approx(_kl(target, q), abs=1e-6)


def test_more_search_steps_lower_the_distance() -> None:
    log_rows = torch.log(_t([0.75, 0.25, 0.5, 0.5]).view(2, 2))
    target = torch.log(_t([0.25, 0.75]))
    start = _kl([0.25, 0.75], [0.75 * 0.525 + 0.5 * 0.475, 0.25 * 0.525 + 0.5 * 0.475])
    d1 = inverse_search(_t([0.1, 0.0]), log_rows, target, steps=1, learning_rate=0.15).distance
    d5 = inverse_search(_t([0.1, 0.0]), log_rows, target, steps=5, learning_rate=0.15).distance
    assert d5 < d1 < start


def _fusion(weights: list[float], second: torch.Tensor | None = None) -> DeepenFusion:
    # member 0: tokens a=(1,0), b=(0,1), c=(1,1); member 1 the same surfaces at other ids
    first = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    other = second if second is not None else torch.tensor([[1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    rows = [RowCache(first, (0, 1), LN3, 8), RowCache(other, (2, 1), LN3, 8)]
    return DeepenFusion(rows, main=0, weights=weights, top_k=3, steps=5, learning_rate=0.15)


def test_fusion_moves_the_main_choice_towards_a_confident_member() -> None:
    main = _t([0.2, 0.0, 0.1])  # prefers a (id 0), c (id 2) close behind
    # member 1 holds c at id 0 and a at id 2
    step = _fusion([0.5, 0.5]).step([main, _t([9.0, 0.0, 0.0])], eos=())
    assert step.own == 0 and step.searched
    assert step.greedy() == 2  # towards the other member's c
    assert step.distance > 0
    agree = _fusion([0.5, 0.5]).step([main, _t([0.0, 0.0, 9.0])], eos=())
    assert agree.greedy() == 0  # the other member is sure of "a" too


def test_fusion_is_a_no_op_when_members_agree_or_only_the_main_weighs() -> None:
    main = _t([0.2, 0.0, 0.1])
    shared = _fusion([0.5, 0.5]).rows[0]
    twin = DeepenFusion(
        [shared, shared], main=0, weights=[0.5, 0.5], top_k=3, steps=5, learning_rate=0.15
    )
    step = twin.step([main, main.clone()], eos=())
    assert (step.fused, step.searched, step.greedy(), step.distance) == (True, False, 0, 0.0)
    alone = _fusion([1.0, 0.0]).step([main, _t([9.0, 0.0, 0.0])], eos=())
    assert (alone.searched, alone.greedy()) == (False, 0)


def test_fusion_leaves_the_end_token_to_the_main_model() -> None:
    step = _fusion([0.5, 0.5]).step([_t([0.2, 0.0, 0.1]), _t([9.0, 0.0, 0.0])], eos={0})
    assert (step.fused, step.greedy()) == (False, 0)


def test_row_cache_computes_each_row_once_and_forgets_the_oldest() -> None:
    embeddings = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [5.0, 0.0]])
    cache = RowCache(embeddings, (0, 1), LN3, capacity=2)
    first = cache(torch.tensor([2, 0]))
    assert first.exp().flatten().tolist() == pytest.approx([0.5, 0.5, 0.75, 0.25], abs=1e-6)
    assert (cache.hits, cache.misses) == (0, 2)
    again = cache(torch.tensor([0, 3]))  # 0 kept, 3 new: 2 (the oldest) is dropped
    assert (cache.hits, cache.misses) == (1, 3) and list(cache.rows) == [0, 3]
    assert torch.equal(again[0], first[1])
