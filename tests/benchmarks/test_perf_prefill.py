"""The token accounting of benchmarks/perf: what each turn adds to its conversation."""

from __future__ import annotations

from typing import Any

from agents.backends.openai import CallRecord
from agents.types import ChatRequest, Completion, Message, Usage
from benchmarks.perf.prefill import added_tokens, tally_calls


def call(
    pairs: list[tuple[str, str]], reply: str, prompt: int, completion: int, pre: int | None
) -> Any:
    messages = tuple(Message(role=r, content=c) for r, c in pairs)
    usage = Usage(prompt_tokens=prompt, completion_tokens=completion)
    return CallRecord(ChatRequest(messages=messages), Completion(text=reply, usage=usage), pre)


def test_a_turn_adds_its_prompt_minus_the_previous_prompt_and_reply() -> None:
    q = ("user", "q")
    calls = [
        call([q], "a", 10, 5, 10),
        call([q], "b", 10, 7, 1),  # a sibling: its own conversation, adds all its prompt
        call([q, ("assistant", "b"), ("user", "peers")], "b2", 30, 4, 12),
        call([q, ("assistant", "a"), ("user", "peers")], "a2", 28, 4, 28),
        call(
            [q, ("assistant", "a"), ("user", "peers"), ("assistant", "a2"), ("user", "x")],
            "",
            40,
            1,
            9,
        ),
    ]
    assert added_tokens(calls) == [10, 10, 30 - 17, 28 - 15, 40 - 32]
    tally = tally_calls(calls)
    assert (tally.calls, tally.prompt, tally.completion) == (5, 118, 21)
    assert tally.prefilled == 10 + 1 + 12 + 28 + 9
    assert tally.added == 10 + 10 + 13 + 13 + 8


def test_an_unreported_prefill_counts_the_whole_prompt() -> None:
    tally = tally_calls([call([("user", "q")], "a", 10, 5, None)])
    assert (tally.prefilled, tally.unreported) == (10, 1)
