"""The ``ensemble`` backend on the real SmolLM2 model: fusion that must change nothing, and votes.

An ensemble whose members agree must reply exactly as its main model does under
``hf``: the members compute the same logits as ``hf`` (same prefill, same
decoding rows) and the fusion skips a search with nothing to move towards.
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Iterator
from typing import Any

import pytest

from agents.backends import (
    ChatRequest,
    EnsembleProvider,
    EnsembleSpec,
    GenParams,
    HFProvider,
    HFSpec,
    Message,
)

HAS_HF = all(importlib.util.find_spec(m) for m in ("torch", "transformers", "gguf"))
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not HAS_HF, reason="needs torch, transformers and gguf"),
]

THREADS = 1  # see tests/agents/backends/hf/test_provider.py
SMOL: dict[str, Any] = {"device": "cpu", "dtype": "bfloat16", "threads": THREADS}
# The same model seeing another prompt format: a member whose distributions differ.
PLAIN = (
    "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}assistant:{% endif %}"
)
PROMPTS = [
    "What is 7 times 8?",
    "Name three colours.",
    "Write one sentence about the sea.",
    "What is the capital of France?",
    "What is 12 plus 30?",
    "Is a whale a fish?",
    "Say hello in French.",
    "What comes after Tuesday?",
    "How many legs does a spider have?",
    "Give one word that rhymes with cat.",
]


def request(text: str, max_tokens: int = 12) -> ChatRequest:
    return ChatRequest(
        messages=(Message(role="user", content=text),), params=GenParams(max_tokens=max_tokens)
    )


@pytest.fixture(scope="module")
def solo() -> Iterator[HFProvider]:
    prov = HFProvider.from_spec(HFSpec(**SMOL, max_batch=1), name="solo")
    asyncio.run(prov.start())
    yield prov
    asyncio.run(prov.close())


def ensemble(**settings: Any) -> EnsembleProvider:
    settings.setdefault("members", [HFSpec(**SMOL), HFSpec(**SMOL)])
    return EnsembleProvider.from_spec(EnsembleSpec(**settings), name="fused")


async def replies(provider: Any, prompts: list[str]) -> list[Any]:
    return [await provider.generate(request(p)) for p in prompts]


async def test_an_ensemble_of_a_model_with_itself_replies_as_the_model(solo: HFProvider) -> None:
    fused = ensemble()
    await fused.start()
    try:
        theirs = await replies(fused, PROMPTS)
    finally:
        await fused.close()
    mine = await replies(solo, PROMPTS)
    assert [c.text for c in theirs] == [c.text for c in mine]
    assert [c.finish_reason for c in theirs] == [c.finish_reason for c in mine]
    for c, own in zip(theirs, mine, strict=True):
        assert c.stats is not None and c.stats["changed"] == 0 and c.stats["distance"] == 0.0
        assert c.stats["steps"] == own.usage.completion_tokens
        # usage counts both members' work
        assert c.usage.prompt_tokens == 2 * own.usage.prompt_tokens
        ended = int(own.finish_reason == "stop")  # the end token is the main model's alone
        assert c.usage.completion_tokens == 2 * own.usage.completion_tokens - ended


async def test_weights_one_zero_reply_as_the_main_model_and_fusion_acts_otherwise(
    solo: HFProvider,
) -> None:
    members = [HFSpec(**SMOL), HFSpec(**SMOL, chat_template=PLAIN)]
    main_only = ensemble(members=members, weights=[1, 0])
    both = ensemble(members=members, weights=[0.3, 0.7])
    await main_only.start()
    await both.start()
    try:
        alone = await replies(main_only, PROMPTS[:4])
        fused = await replies(both, PROMPTS[:4])
    finally:
        await main_only.close()
        await both.close()
    assert [c.text for c in alone] == [c.text for c in await replies(solo, PROMPTS[:4])]
    assert all(c.stats is not None and c.stats["changed"] == 0 for c in alone)
    # With weight on the other prompt format the search runs and leaves a distance.
    assert all(c.stats is not None and c.stats["fused"] > 0 for c in fused)
    assert any(c.stats is not None and c.stats["distance"] > 0 for c in fused)
    assert main_only.identity()["anchors"] == both.identity()["anchors"] > 40_000


async def test_a_vote_returns_a_plurality_member_s_own_reply(solo: HFProvider) -> None:
    members = [HFSpec(**SMOL, chat_template=PLAIN), HFSpec(**SMOL), HFSpec(**SMOL)]
    vote = ensemble(method="vote", members=members)
    await vote.start()
    try:
        got = await vote.generate(request(PROMPTS[0]))
    finally:
        await vote.close()
    own = await solo.generate(request(PROMPTS[0]))
    assert got.text == own.text and got.stats is not None
    # the two default-template members agree; the plain-template one (first) is outvoted
    assert got.stats["chosen"] == 1 and got.stats["votes"] == pytest.approx(2 / 3)
    assert "anchors" not in vote.identity() and vote.identity()["method"] == "vote"


async def test_sampling_draws_with_the_turn_s_seed() -> None:
    members = [HFSpec(**SMOL), HFSpec(**SMOL, chat_template=PLAIN)]
    fused = ensemble(members=members)
    await fused.start()

    def sampled(seed: int) -> ChatRequest:
        params = GenParams(max_tokens=8, temperature=1.0, seed=seed)
        return ChatRequest(messages=(Message(role="user", content=PROMPTS[2]),), params=params)

    try:
        first = [(await fused.generate(sampled(s))).text for s in (1, 2, 3)]
        again = [(await fused.generate(sampled(s))).text for s in (1, 2, 3)]
    finally:
        await fused.close()
    assert first == again
    assert len(set(first)) > 1  # the seed matters: three seeds, not three equal replies
