"""What an agent is shown each turn: debate, reflection, strategies, decision rules."""

from protocols.base import PeerReply, Protocol, TurnContext
from protocols.decision import DECISION_RULES, majority, plurality
from protocols.strategy import ROUND_PROTOCOLS, build_plan, parse_strategy, strategy_bits
from protocols.turns import Debate, Initial, Reflection

__all__ = [
    "DECISION_RULES",
    "ROUND_PROTOCOLS",
    "Debate",
    "Initial",
    "PeerReply",
    "Protocol",
    "Reflection",
    "TurnContext",
    "build_plan",
    "majority",
    "parse_strategy",
    "plurality",
    "strategy_bits",
]
