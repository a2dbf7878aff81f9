"""An agent: a name, a trait, a backend, and its own conversation history."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from agents.traits import Trait
from agents.types import Message

if TYPE_CHECKING:  # the backends (and their HTTP client) load only when a run uses them
    from agents.backends.client import BackendClient


@dataclass
class Agent:
    """One member of a society, within one episode.

    The history holds everything the agent has been sent and has replied, in
    order; each turn appends the new prompt and the reply (the engine sends
    ``history + new messages`` through :attr:`backend`).
    """

    name: str
    trait: Trait
    backend: BackendClient
    history: list[Message] = field(default_factory=list)

    def remember(self, new_messages: list[Message], reply: str) -> None:
        """Append a turn's prompt and reply to the history (also used on resume)."""
        self.history.extend(new_messages)
        self.history.append(Message(role="assistant", content=reply))
