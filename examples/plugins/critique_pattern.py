"""A round pattern plugin: ``critique``.

Each agent is shown one in-neighbour's previous reply (a different one each
round, in turn), criticises it, and then gives its own answer. Use it in a
config as ``protocol: {strategy: [critique, debate]}`` once this module is
loaded (``plugins: [critique_pattern]`` with this folder on ``PYTHONPATH``, or an
entry point; see the README section "Extending sociolab").
"""

from __future__ import annotations

from agents.types import Message
from protocols import PATTERNS, Protocol, TurnContext

ASK = (
    "Here is the most recent answer of {agent}:\n```\n{reply}\n```\n\n"
    "First criticise this answer: point out every mistake in its reasoning, or say why "
    "it holds. Then solve the question yourself and give your own answer.\n\n{instructions}"
)
ALONE = (
    "No other participant's answer reached you this round. Criticise your own previous "
    "answer, then give your final answer.\n\n{instructions}"
)


class Critique(Protocol):
    """Criticise one in-neighbour's previous reply, then answer."""

    name = "critique"
    uses_peers = True  # the scheduler waits for the in-neighbours' previous round

    def __init__(self, instructions: str) -> None:
        self.instructions = instructions

    def build(self, ctx: TurnContext) -> list[Message]:
        """One user message: the chosen peer's reply and the request to criticise it."""
        if not ctx.peers:
            return [Message(role="user", content=ALONE.format(instructions=self.instructions))]
        peer = ctx.peers[(ctx.round - 1) % len(ctx.peers)]  # a different peer each round
        text = ASK.format(agent=peer.agent, reply=peer.reply, instructions=self.instructions)
        return [Message(role="user", content=text)]


PATTERNS.register("critique", Critique)
