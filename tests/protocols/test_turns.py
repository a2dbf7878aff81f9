"""What each protocol shows an agent."""

from __future__ import annotations

import pytest

from agents.traits import BUILTIN_TRAITS
from protocols.base import PeerReply, TurnContext
from protocols.strategy import parse_strategy, strategy_bits
from protocols.turns import Debate, Initial, Reflection

CTX = TurnContext(
    question="What is 2+2?\n\nEnd with Answer: N.",
    trait=BUILTIN_TRAITS["overconfident"],
    round=1,
    role="an expert in arithmetic",
    own_previous="I think 5. Answer: 5",
    peers=(PeerReply("bo", "It is 4. Answer: 4"), PeerReply("cy", "Surely 3. Answer: 3")),
)


def test_initial_has_trait_role_and_question() -> None:
    system, user = Initial().build(CTX)
    assert system.role == "system" and BUILTIN_TRAITS["overconfident"].prompt in system.content
    assert "an expert in arithmetic" in system.content
    assert user.role == "user" and user.content == CTX.question


def test_debate_shows_each_peer_reply_once_and_the_instructions() -> None:
    (msg,) = Debate("End with Answer: N.").build(CTX)
    assert msg.role == "user"
    for peer in CTX.peers:
        assert msg.content.count(peer.reply) == 1
        assert peer.agent in msg.content
    # The own answer is in the history already.
    assert CTX.own_previous and CTX.own_previous not in msg.content
    assert msg.content.endswith("End with Answer: N.")


def test_debate_without_peers_says_so() -> None:
    ctx = TurnContext(question="q", trait=CTX.trait, round=1, peers=())
    (msg,) = Debate("fmt").build(ctx)
    assert "No other participant" in msg.content


def test_reflection_shows_no_peer() -> None:
    (msg,) = Reflection("End with Answer: N.").build(CTX)
    assert not any(p.reply in msg.content or p.agent in msg.content for p in CTX.peers)
    assert msg.content.endswith("End with Answer: N.")


def test_strategy_bits_round_trip() -> None:
    for bits in ("000", "011", "101", "1"):
        assert strategy_bits(parse_strategy(bits)) == bits
    with pytest.raises(ValueError, match="bit string"):
        parse_strategy("012")
    assert parse_strategy("") == parse_strategy([]) == []  # round 0 only (self-consistency)
