"""The scripted simulation backend: deterministic per seed, per-trait behaviour."""

from __future__ import annotations

from agents.backends import ChatRequest, GenParams, Message, ScriptedProvider, ScriptedSpec

MSG = (Message(role="user", content="q"),)


def req(seed: int, **hints: object) -> ChatRequest:
    base: dict[str, object] = {
        "gold": "7",
        "wrong": ["1", "2", "3"],
        "template": "Answer: {answer}",
    }
    return ChatRequest(messages=MSG, params=GenParams(seed=seed), hints={**base, **hints})


def test_same_seed_same_answer_and_rates_follow_the_trait() -> None:
    p = ScriptedProvider(ScriptedSpec(accuracy={"sharp": 0.9, "dull": 0.1}))
    sharp = [p.decide(req(s, trait="sharp")) for s in range(400)]
    dull = [p.decide(req(s, trait="dull")) for s in range(400)]
    assert sharp == [p.decide(req(s, trait="sharp")) for s in range(400)]
    assert 0.82 < sharp.count("7") / 400 < 0.97
    assert 0.04 < dull.count("7") / 400 < 0.18
    assert set(dull) <= {"1", "2", "3", "7"}


def test_debate_conformity_and_reflection() -> None:
    p = ScriptedProvider(
        ScriptedSpec(conformity={"follower": 1.0, "stubborn": 0.0}, reflection_change=0.0)
    )
    seen = {"pattern": "debate", "own_answer": "1", "neighbour_answers": ["2", "2", None]}
    assert {p.decide(req(s, trait="follower", **seen)) for s in range(20)} == {"2"}
    assert {p.decide(req(s, trait="stubborn", **seen)) for s in range(20)} == {"1"}
    tie = {"pattern": "debate", "own_answer": "1", "neighbour_answers": ["2", "3"]}
    assert {p.decide(req(s, trait="follower", **tie)) for s in range(40)} == {"2", "3"}
    keep = {"pattern": "reflection", "own_answer": "3"}
    assert {p.decide(req(s, **keep)) for s in range(20)} == {"3"}


async def test_reply_uses_the_task_template_and_counts_tokens() -> None:
    p = ScriptedProvider(ScriptedSpec(accuracy={"default": 1.0}))
    out = await p.generate(req(0))
    assert out.text == "Answer: 7"
    assert out.usage.completion_tokens == 3 and out.usage.prompt_tokens == 1
