"""Traits: an agent's temperament, as data (name, description, prompt text)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Trait(BaseModel):
    """A temperament given to an agent through its system prompt."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    prompt: str = Field(min_length=1, description="system-prompt text that sets the temperament")
    description: str = ""


BUILTIN_TRAITS: dict[str, Trait] = {
    t.name: t
    for t in (
        Trait(
            name="easy-going",
            description="objective, open to persuasion when others' reasoning makes sense",
            prompt=(
                "You are an easy-going, objective thinker. You weigh every argument on its "
                "merits. When another participant's reasoning is sound, you are glad to be "
                "persuaded and change your answer; when it is not, you explain why."
            ),
        ),
        Trait(
            name="overconfident",
            description="confident in its own answer and out to persuade the others",
            prompt=(
                "You are a highly confident thinker who trusts your own judgement. You defend "
                "your answer firmly and try to win the others over to it. You change your "
                "mind only when you are shown an error you cannot dispute."
            ),
        ),
        Trait(
            name="neutral",
            description="no particular temperament",
            prompt="You are a careful assistant who answers questions accurately.",
        ),
    )
}
