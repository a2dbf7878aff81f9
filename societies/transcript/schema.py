"""The transcript schema: event types, the schema version, the file name in a run folder.

Line 1 of a transcript is a ``header`` event; then one ``turn`` event per
completed turn; the last line is an ``end`` event (reading and writing:
:mod:`societies.transcript.io`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from agents.types import Message, Usage

SCHEMA_VERSION = 1

TRANSCRIPT = "transcript.jsonl"
"""The transcript's file name in a run folder."""

COALITION = "coalition"
"""The agent name (and trait) under which a coalition run records the coalition's own pipeline."""

VOLATILE_FIELDS = frozenset(
    {"latency_s", "cached", "created_at", "finished_at", "wall_s", "session", "amended_at"}
)
"""Fields that record timing or cache state, which may differ between identical runs."""


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuestionRecord(_Event):
    """A question as recorded in the header."""

    id: str
    prompt: str
    gold: str
    choices: list[str] | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class AgentRecord(_Event):
    """An agent as recorded in the header."""

    name: str
    trait: str
    backend: str


class ChangeRecord(_Event):
    """One config field changed when a run was continued (see :mod:`societies.config.diff`)."""

    path: str
    old: Any
    new: Any
    effect: Literal["results", "extends", "none"] = Field(
        description="'extends': more repeats; 'none': execution, accounting or scoring only"
    )


class AmendmentRecord(_Event):
    """A session that continued the run under a changed config (none of the changes
    altered a recorded turn); the header's ``config`` is the config after the change."""

    amended_at: str
    changes: list[ChangeRecord]


class HeaderEvent(_Event):
    """First line: everything needed to interpret (and reproduce) the run."""

    type: Literal["header"] = "header"
    schema_version: int = SCHEMA_VERSION
    name: str
    config: dict[str, Any]
    config_digest: str
    seed: int
    components: dict[str, Any]
    versions: dict[str, str]
    agents: list[AgentRecord]
    edges: list[tuple[str, str]]
    rounds: list[str] = Field(description="pattern of each round, round 0 ('initial') first")
    decision: str
    repeats: int
    questions: list[QuestionRecord]
    created_at: str
    amendments: list[AmendmentRecord] = Field(
        default_factory=list,
        exclude_if=lambda v: not v,
        description="continued under a changed config: what changed, session by session",
    )


class RouteRecord(_Event):
    """A coalition's routing decision for one stage of one question."""

    member: str = Field(description="the agent that handled the stage")
    category: str = Field(description="the question's category")
    policy: str
    accuracy: float | None = Field(None, description="the member's skill-table accuracy")
    tokens: float | None = Field(None, description="the member's skill-table tokens per call")
    reason: str


class OpeningRecord(_Event):
    """A role-play opening call made before an agent's first question (round 0).

    Its message is in the round-0 turn's ``messages``, followed by this reply.
    """

    reply: str
    usage: Usage
    finish_reason: str
    seed: int
    latency_s: float
    cached: bool = False


class TurnEvent(_Event):
    """One agent's turn in one round of one episode."""

    type: Literal["turn"] = "turn"
    episode: int
    question_id: str
    repeat: int
    agent: str
    trait: str
    round: int
    pattern: str
    peers: list[str] = Field(description="agents whose previous replies this turn was shown")
    messages: list[Message]
    reply: str
    answer: str | None
    extraction: str
    correct: bool
    usage: Usage
    finish_reason: str
    seed: int
    backend: str
    latency_s: float
    cached: bool = False
    route: RouteRecord | None = Field(
        None,
        exclude_if=lambda v: v is None,
        description="coalition runs: the member that handled this stage, and why",
    )
    opening: OpeningRecord | None = Field(
        None,
        exclude_if=lambda v: v is None,
        description="round 0 under a prompt set with a role-play opening: that call's reply",
    )
    backend_stats: dict[str, float] | None = Field(
        None,
        exclude_if=lambda v: v is None,
        description="what the backend reported about this reply (an ensemble: its fusion "
        "statistics); absent for backends that report nothing and in older transcripts",
    )


class EndEvent(_Event):
    """Last line: how the run ended."""

    type: Literal["end"] = "end"
    status: Literal["complete", "incomplete", "budget"] = Field(
        description="'budget': stopped by the config's budget; resumable with a higher one"
    )
    episodes: int
    turns: int
    errors: list[str] = Field(default_factory=list)
    session: dict[str, dict[str, int]] = Field(
        default_factory=dict,
        description="per backend: calls, cache hits, retries and tokens of this session only "
        "(a resumed run counts only what it did itself)",
    )
    finished_at: str
    wall_s: float
    budget: dict[str, float] | None = Field(
        None,
        exclude_if=lambda v: v is None,
        description="runs with a budget: its limits and what the run had spent when it ended",
    )


Event = Annotated[HeaderEvent | TurnEvent | EndEvent, Field(discriminator="type")]
_EVENT: TypeAdapter[HeaderEvent | TurnEvent | EndEvent] = TypeAdapter(Event)

# Migrations from older schema versions: version -> function upgrading one raw event.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


@dataclass
class Transcript:
    """A parsed transcript."""

    header: HeaderEvent
    turns: list[TurnEvent] = field(default_factory=list)
    end: EndEvent | None = None
    dropped_partial_line: bool = False


def turn_sort_key(header: HeaderEvent) -> Callable[[TurnEvent], tuple[int, int, int]]:
    """Canonical order of turns: episode, round, agent (in config order)."""
    order = {a.name: i for i, a in enumerate(header.agents)}
    return lambda t: (t.episode, t.round, order.get(t.agent, len(order)))
