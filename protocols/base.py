"""What a protocol sees (``TurnContext``) and what it must do (``Protocol``)."""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import ClassVar

from agents.traits import Trait
from agents.types import Message
from protocols.prompts import TaskPrompts, default_prompts


@dataclass(frozen=True)
class PeerReply:
    """A reply an agent is shown: who said it and what they said."""

    agent: str
    reply: str


@dataclass(frozen=True)
class TurnContext:
    """Everything a protocol may use to build one turn's messages.

    Attributes:
        question: the formatted question (with options and answer instruction).
        role: an optional persona for the question ("an expert in biology").
        trait: the agent's temperament.
        round: 0 for the independent first answer, then 1, 2, ...
        own_previous: the agent's own reply in the previous round, if any.
        peers: the previous-round replies of the agent's in-neighbours (never its own).
        prompts: the run's prompt set for its task (None: the ``sociolab`` set).
    """

    question: str
    trait: Trait
    round: int
    role: str | None = None
    own_previous: str | None = None
    peers: tuple[PeerReply, ...] = ()
    prompts: TaskPrompts | None = None

    @property
    def texts(self) -> TaskPrompts:
        """The prompt set this turn is built from."""
        return self.prompts if self.prompts is not None else default_prompts()


class Protocol(abc.ABC):
    """Turns a context into the new messages appended to the agent's history."""

    name: ClassVar[str]
    uses_peers: ClassVar[bool] = False

    @abc.abstractmethod
    def build(self, ctx: TurnContext) -> list[Message]:
        """The messages to send this turn, after the agent's history."""

    def preamble(self, ctx: TurnContext) -> list[Message]:
        """Messages the model answers before this turn (a role-play opening); none by default.

        The runner sends them first and keeps the model's reply in the history, then
        sends :meth:`build`'s messages after it.
        """
        return []
