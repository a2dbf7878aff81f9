"""An agent: a name, a trait, a backend, and its own conversation history."""

from __future__ import annotations

from dataclasses import dataclass, field

from agents.backends.client import BackendClient
from agents.traits import Trait
from agents.types import ChatRequest, Completion, GenParams, Message


@dataclass
class Agent:
    """One member of a society, within one episode.

    The history holds everything the agent has been sent and has replied, in
    order; each turn appends the new prompt and the reply.
    """

    name: str
    trait: Trait
    backend: BackendClient
    history: list[Message] = field(default_factory=list)

    async def respond(
        self, new_messages: list[Message], params: GenParams, hints: dict[str, object]
    ) -> tuple[tuple[Message, ...], Completion]:
        """Send history + ``new_messages``; record both sides; return what was sent and the reply."""
        sent = (*self.history, *new_messages)
        completion = await self.backend.complete(
            ChatRequest(messages=sent, params=params, hints=hints)
        )
        self.remember(new_messages, completion.text)
        return sent, completion

    def remember(self, new_messages: list[Message], reply: str) -> None:
        """Append a turn's prompt and reply to the history (also used on resume)."""
        self.history.extend(new_messages)
        self.history.append(Message(role="assistant", content=reply))
