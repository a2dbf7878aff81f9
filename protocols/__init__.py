"""What an agent is shown each turn: debate, reflection, strategies, decision rules, coalition routing."""

from protocols.base import PeerReply, Protocol, TurnContext
from protocols.coalition import RouteDecision, Skill, SkillTable, route
from protocols.decision import (
    DECISION_RULES,
    du2023,
    machinesom,
    majority,
    plurality,
    unify_braces,
)
from protocols.strategy import (
    PATTERNS,
    ROUND_PROTOCOLS,
    build_plan,
    parse_strategy,
    strategy_bits,
)
from protocols.turns import Debate, Initial, Reflection

__all__ = [
    "DECISION_RULES",
    "PATTERNS",
    "ROUND_PROTOCOLS",
    "Debate",
    "Initial",
    "PeerReply",
    "Protocol",
    "Reflection",
    "RouteDecision",
    "Skill",
    "SkillTable",
    "TurnContext",
    "build_plan",
    "du2023",
    "machinesom",
    "majority",
    "parse_strategy",
    "plurality",
    "route",
    "strategy_bits",
    "unify_braces",
]
