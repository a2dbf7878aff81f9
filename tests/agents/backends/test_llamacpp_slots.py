"""Slot affinity of the llamacpp backend: the router's choices, and the provider using them."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from agents.backends.llamacpp import LlamaCppProvider, LlamaCppSpec
from agents.backends.llamacpp.slots import SlotRouter, key_of
from agents.types import ChatRequest, Completion, Message


def msgs(*pairs: tuple[str, str]) -> tuple[Message, ...]:
    return tuple(Message(role=r, content=c) for r, c in pairs)


Q = ("user", "What is 3 + 4 * 2?")


def turn(router: SlotRouter, messages: tuple[Message, ...], reply: str) -> int:
    slot = router.take(messages)
    assert slot is not None
    router.give_back(slot, reply)
    return slot


def test_agents_sharing_a_question_take_empty_slots_not_each_others() -> None:
    router = SlotRouter(4)
    first = turn(router, msgs(Q), "11")
    second = turn(router, msgs(Q), "14")
    third = turn(router, msgs(Q), "11.")
    assert len({first, second, third}) == 3


def test_a_conversation_returns_to_the_slot_holding_its_previous_turn() -> None:
    router = SlotRouter(4)
    slots = [turn(router, msgs(Q), reply) for reply in ("a", "b", "c")]
    # Later turns come back in another order, each to its own slot.
    for i in (2, 0, 1):
        reply = "abc"[i]
        nxt = msgs(Q, ("assistant", reply), ("user", "Others said: ..."))
        assert turn(router, nxt, reply + "!") == slots[i]
    # And the turn after that too (the slot now holds the second turn).
    third = msgs(Q, ("assistant", "b"), ("user", "Others said: ..."), ("assistant", "b!"), Q)
    assert turn(router, third, "done") == slots[1]


def test_the_reply_kept_by_the_conversation_may_differ_from_the_one_generated() -> None:
    router = SlotRouter(3)
    slot = turn(router, msgs(Q), "  11  ")
    turn(router, msgs(("user", "another question")), "x")
    assert turn(router, msgs(Q, ("assistant", "11"), ("user", "sure?")), "yes") == slot


def test_more_conversations_than_slots_reuse_the_slot_used_longest_ago() -> None:
    router = SlotRouter(2)
    a = turn(router, msgs(("user", "A")), "ra")
    b = turn(router, msgs(("user", "B")), "rb")
    c = turn(router, msgs(("user", "C")), "rc")
    assert c == a != b  # A's slot was the older one
    assert key_of(msgs(("user", "C"), ("assistant", "rc"))) == router.holds(c)
    # A's next turn finds its state gone: it takes the older of the two slots (B's), no claim.
    assert turn(router, msgs(("user", "A"), ("assistant", "ra"), ("user", "more")), "x") == b


def test_a_busy_slot_is_never_given_and_a_full_router_says_so() -> None:
    router = SlotRouter(2)
    first = router.take(msgs(Q))
    second = router.take(msgs(Q, ("assistant", "1"), ("user", "?")))
    assert {first, second} == {0, 1}
    assert router.take(msgs(Q)) is None


def test_a_failed_request_leaves_its_slot_claiming_nothing() -> None:
    router = SlotRouter(2)
    slot = router.take(msgs(Q))
    assert slot is not None
    router.give_back(slot, None)
    assert router.holds(slot) == ()


def test_slot_counts() -> None:
    assert LlamaCppSpec(n_parallel=8, slot_affinity="pin").server_slots() == 32
    assert LlamaCppSpec(n_parallel=8).server_slots() == 8
    assert LlamaCppSpec().slot_affinity == "off"  # until 'server' is measured for speed
    assert LlamaCppSpec(n_parallel=8, slot_affinity="off").server_slots() == 8
    pinned = {"n_parallel": 8, "slot_affinity": "pin"}
    assert LlamaCppSpec(**pinned, slots=4).server_slots() == 8  # never fewer than n_parallel
    assert LlamaCppSpec(n_parallel=2, slots=10).server_slots() == 10


class FakeApi:
    """Records the slot of each call; one call can be held open."""

    def __init__(self) -> None:
        self.slots: list[int | None] = []
        self.gate = asyncio.Event()
        self.gate.set()

    async def generate_with(self, request: ChatRequest, *, slot: int | None = None) -> Completion:
        self.slots.append(slot)
        await self.gate.wait()
        if request.messages[-1].content == "fail":
            raise RuntimeError("boom")
        return Completion(text=f"reply {len(self.slots)}")

    async def generate(self, request: ChatRequest) -> Completion:
        return await self.generate_with(request)

    async def close(self) -> None:
        return None


def provider_with(api: FakeApi, slots: int) -> LlamaCppProvider:
    spec = LlamaCppSpec(n_parallel=1, slots=slots, slot_affinity="pin")
    provider = LlamaCppProvider(spec, name="local")
    provider._api = api  # type: ignore[assignment]
    provider._router = SlotRouter(slots)
    return provider


def test_the_provider_sends_each_turn_to_its_slot_and_frees_it() -> None:
    api = FakeApi()
    provider = provider_with(api, 3)

    async def go() -> list[Any]:
        r1 = await provider.generate(ChatRequest(messages=msgs(Q)))
        await provider.generate(ChatRequest(messages=msgs(("user", "other"))))
        nxt = msgs(Q, ("assistant", r1.text), ("user", "again"))
        await provider.generate(ChatRequest(messages=nxt))
        with pytest.raises(RuntimeError):
            await provider.generate(ChatRequest(messages=msgs(("user", "fail"))))
        return list(api.slots)

    slots = asyncio.run(go())
    assert slots[0] == slots[2] != slots[1]
    assert provider._router is not None
    assert provider._router.holds(slots[3]) == ()  # freed after the failure, claiming nothing


@pytest.mark.parametrize("mode", ["server", "off"])
def test_without_pinning_no_slot_is_sent(mode: str) -> None:
    api = FakeApi()
    provider = LlamaCppProvider(LlamaCppSpec(slot_affinity=mode), name="local")
    provider._api = api  # type: ignore[assignment]
    asyncio.run(provider.generate(ChatRequest(messages=msgs(Q))))
    assert api.slots == [None]
