"""The built-in turn protocols: the independent first answer, debate, reflection.

Their texts come from the run's prompt set (:mod:`protocols.prompts`).
"""

from __future__ import annotations

from agents.types import Message
from protocols.base import Protocol, TurnContext
from protocols.prompts import debate_text, opening_text, reflection_text, system_text


def _system(ctx: TurnContext) -> list[Message]:
    text = system_text(ctx.texts, ctx.trait.name, ctx.trait.prompt, ctx.role)
    return [Message(role="system", content=text)] if text else []


class Initial(Protocol):
    """Round 0: the agent answers alone (system text, optional role-play opening, the question)."""

    name = "initial"

    def preamble(self, ctx: TurnContext) -> list[Message]:
        """The system text and the role-play opening, when the prompt set has one."""
        opening = opening_text(ctx.texts, ctx.trait.name, ctx.trait.prompt, ctx.role)
        if not opening:
            return []
        return [*_system(ctx), Message(role="user", content=opening)]

    def build(self, ctx: TurnContext) -> list[Message]:
        """The question (after the system text, unless the preamble already sent it)."""
        head = [] if self.preamble(ctx) else _system(ctx)
        return [*head, Message(role="user", content=ctx.question)]


class Debate(Protocol):
    """The agent sees its in-neighbours' previous replies and updates its answer."""

    name = "debate"
    uses_peers = True

    def __init__(self, instructions: str) -> None:
        self.instructions = instructions

    def build(self, ctx: TurnContext) -> list[Message]:
        """The peers' replies, then the request to update (the alone text without peers)."""
        peers = [(p.agent, p.reply) for p in ctx.peers]
        return [Message(role="user", content=debate_text(ctx.texts, peers, self.instructions))]


class Reflection(Protocol):
    """The agent re-examines only its own previous answer."""

    name = "reflection"

    def __init__(self, instructions: str) -> None:
        self.instructions = instructions

    def build(self, ctx: TurnContext) -> list[Message]:
        """The request to re-check; the own answer is already in the history."""
        return [Message(role="user", content=reflection_text(ctx.texts, self.instructions))]
