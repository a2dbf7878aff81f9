"""The built-in turn protocols: the independent first answer, debate, reflection."""

from __future__ import annotations

from agents.types import Message
from protocols import prompts
from protocols.base import Protocol, TurnContext


class Initial(Protocol):
    """Round 0: the agent answers alone, with its trait as system prompt."""

    name = "initial"

    def build(self, ctx: TurnContext) -> list[Message]:
        """System prompt (trait, role) and the question."""
        role = prompts.ROLE.format(role=ctx.role) if ctx.role else ""
        return [
            Message(
                role="system", content=prompts.SYSTEM.format(trait=ctx.trait.prompt, role=role)
            ),
            Message(role="user", content=ctx.question),
        ]


class Debate(Protocol):
    """The agent sees its in-neighbours' previous replies and updates its answer."""

    name = "debate"
    uses_peers = True

    def __init__(self, instructions: str) -> None:
        self.instructions = instructions

    def build(self, ctx: TurnContext) -> list[Message]:
        """The peers' replies, then the request to update."""
        if not ctx.peers:
            return [
                Message(
                    role="user", content=prompts.DEBATE_ALONE.format(instructions=self.instructions)
                )
            ]
        blocks = [prompts.DEBATE_INTRO]
        blocks += [prompts.DEBATE_PEER.format(agent=p.agent, reply=p.reply) for p in ctx.peers]
        blocks.append(prompts.DEBATE_OUTRO.format(instructions=self.instructions))
        return [Message(role="user", content="\n\n".join(blocks))]


class Reflection(Protocol):
    """The agent re-examines only its own previous answer."""

    name = "reflection"

    def __init__(self, instructions: str) -> None:
        self.instructions = instructions

    def build(self, ctx: TurnContext) -> list[Message]:
        """The request to re-check; the own answer is already in the history."""
        return [
            Message(role="user", content=prompts.REFLECTION.format(instructions=self.instructions))
        ]
