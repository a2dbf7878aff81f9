"""Token counts of a run from the records its backends log: sent, prefilled, added, completed.

``openai_call`` records (``agents.backends.openai.CallRecord``: one per call, with the
server's own count of prompt tokens it computed) and ``hf_batch`` records
(``agents.backends.hf.jobs.BatchRecord``: one per batch, with the engine's count).

*Added* tokens are what a turn adds to its conversation: its prompt minus the
previous turn's prompt and reply. The previous turn is the call whose messages
plus its reply begin the new prompt (the longest such); a prompt that continues
no earlier call adds all its tokens. A server that keeps every conversation's
state prefills about the added tokens; one that loses it prefills more.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

Key = tuple[tuple[str, str], ...]


@dataclass
class CallTally:
    """Totals over a run's model calls (cache hits never reach a backend, so never count)."""

    calls: int = 0
    prompt: int = 0
    """Prompt tokens sent."""
    prefilled: int = 0
    """Prompt tokens the server or engine computed (the rest came from its prompt cache)."""
    completion: int = 0
    added: int = 0
    """Prompt tokens the turns added to their conversations (0 when not known: hf)."""
    unreported: int = 0
    """Calls whose server did not say what it prefilled (counted as the whole prompt)."""


def _key(messages: Iterable[Any]) -> Key:
    return tuple((m.role, m.content) for m in messages)


def added_tokens(calls: Iterable[Any]) -> list[int]:
    """Per call (in the order given), the prompt tokens it added to its conversation."""
    ends: dict[Key, int] = {}  # a call's messages + its reply -> its prompt + reply tokens
    out = []
    for call in calls:
        messages = _key(call.request.messages)
        before = 0
        for i in range(len(messages), 0, -1):
            if messages[i - 1][0] == "assistant" and messages[:i] in ends:
                before = ends[messages[:i]]
                break
        usage = call.completion.usage
        out.append(max(0, usage.prompt_tokens - before))
        ends[(*messages, ("assistant", call.completion.text))] = (
            usage.prompt_tokens + usage.completion_tokens
        )
    return out


def tally_calls(records: Iterable[Any]) -> CallTally:
    """Totals of ``openai_call`` and ``hf_batch`` records (see the module docstring)."""
    tally = CallTally()
    calls = []
    for rec in records:
        if hasattr(rec, "prompts"):  # an hf batch
            tally.calls += len(rec.prompts)
            tally.prompt += sum(rec.prompt_tokens)
            tally.completion += sum(rec.completion_tokens)
            tally.prefilled += rec.prefilled_tokens
            continue
        calls.append(rec)
        usage = rec.completion.usage
        tally.calls += 1
        tally.prompt += usage.prompt_tokens
        tally.completion += usage.completion_tokens
        if rec.prefilled_tokens is None:
            tally.unreported += 1
        tally.prefilled += (
            usage.prompt_tokens if rec.prefilled_tokens is None else rec.prefilled_tokens
        )
    tally.added = sum(added_tokens(calls))
    return tally


@contextmanager
def captured_records() -> Iterator[list[Any]]:
    """Collect the ``openai_call`` and ``hf_batch`` records the backends log at DEBUG."""
    found: list[Any] = []

    class Grab(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            for attr in ("openai_call", "hf_batch"):
                if hasattr(record, attr):
                    found.append(getattr(record, attr))

    loggers = [logging.getLogger(n) for n in ("agents.backends.openai", "agents.backends.hf")]
    handler, levels = Grab(logging.DEBUG), [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    try:
        yield found
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.removeHandler(handler)
            lg.setLevel(level)


__all__ = ["CallTally", "added_tokens", "captured_records", "tally_calls"]
