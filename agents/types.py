"""Request and response types shared by every backend (frozen pydantic models)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["system", "user", "assistant"]


class Message(BaseModel):
    """One chat message."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Role
    content: str


class GenParams(BaseModel):
    """Generation parameters of one request.

    ``seed`` is set per turn by the scheduler (derived from the config seed and the
    turn's coordinates) so that results never depend on completion order.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    temperature: float = Field(0.0, ge=0.0, le=2.0)
    max_tokens: int = Field(256, ge=1, le=32768)
    top_p: float = Field(1.0, gt=0.0, le=1.0)
    stop: tuple[str, ...] = ()
    seed: int | None = None


class ChatRequest(BaseModel):
    """Messages plus generation parameters.

    ``hints`` carries facts that only simulation backends (``scripted``) may read,
    such as the gold answer and the neighbours' answers; real backends ignore it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    messages: tuple[Message, ...]
    params: GenParams = GenParams()
    hints: dict[str, Any] = Field(default_factory=dict)


class Usage(BaseModel):
    """Token counts of one call."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    prompt_tokens: int = 0
    completion_tokens: int = 0
    estimated: bool = Field(
        False,
        exclude_if=lambda v: not v,
        description="the server reported no usage: the counts are a local estimate",
    )

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens


class Completion(BaseModel):
    """The reply to one request."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    finish_reason: str = "stop"
    usage: Usage = Usage()
    latency_s: float = 0.0
    cached: bool = False
    stats: dict[str, float] | None = Field(
        None,
        exclude_if=lambda v: v is None,
        description="backend statistics of this reply (an ensemble's fusion counters), if any",
    )
