"""The texts of one prompt set for one task: every template an agent's turns are built from.

Templates are ``str.format`` strings (write ``{{`` and ``}}`` for literal braces). Each
field accepts its own placeholders (:data:`PLACEHOLDERS`); an unknown one is refused
when the set is loaded, so a config naming the set fails at validation, not mid-run.
"""

from __future__ import annotations

import hashlib
import json
import string
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ANY_TRAIT = "*"
"""The key of ``opening`` that applies to traits without their own opening."""

PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "system": ("trait", "role"),
    "role": ("role",),
    "opening": ("trait", "role"),
    "question": ("question", "options", "instructions", "role", "metadata"),
    "option": ("letter", "text"),
    "options_prefix": (),
    "option_separator": (),
    "instructions": (),
    "debate_intro": ("instructions",),
    "debate_peer": ("agent", "reply", "index"),
    "debate_outro": ("instructions",),
    "debate_alone": ("instructions",),
    "reflection": ("instructions",),
}
"""Template field -> the placeholders it may use (``metadata`` as ``{metadata[key]}``)."""


def placeholders(template: str) -> list[str]:
    """The root names of a template's placeholders (``{metadata[input]}`` -> ``metadata``).

    Raises:
        ValueError: the template is not a valid format string (a lone ``{`` or ``}``).
    """
    names = []
    for _, name, _, _ in string.Formatter().parse(template):
        if name is not None:
            names.append(name.split("[", 1)[0].split(".", 1)[0])
    return names


def check_template(field: str, template: str) -> None:
    """Refuse a template with a placeholder its field does not provide.

    Raises:
        ValueError: one line naming the placeholder and the allowed ones.
    """
    allowed = PLACEHOLDERS[field]
    try:
        used = placeholders(template)
    except ValueError as exc:
        raise ValueError(f"{exc} (write {{{{ and }}}} for literal braces)") from None
    for name in used:
        if name not in allowed:
            options = ", ".join(f"{{{a}}}" for a in allowed) or "none"
            raise ValueError(f"unknown placeholder {{{name}}} (this field allows: {options})")
        if name == "":
            raise ValueError("positional placeholder {} (name it, e.g. {question})")


class TaskPrompts(BaseModel):
    """Every text an agent sees in a rounds protocol, for one task.

    Attributes:
        name: the prompt set's name (``sociolab``, ``machinesom``, a file path).
        system: the system message; empty sends none.
        role: how a question's role fills ``{role}`` in ``system`` and ``opening``.
        fixed_role: a role used for every question instead of the question's own.
        traits: trait name -> the text that fills ``{trait}``; empty uses each trait's own prompt.
        opening: a role-play user turn sent before the first question, answered by the
            model (its reply stays in the history); a mapping gives one per trait, with
            ``"*"`` for the others. Empty sends none.
        question: the question layout.
        option: one multiple-choice option; ``options_prefix`` + the options joined by
            ``option_separator`` fill ``{options}`` (empty without options).
        instructions: the answer instruction; None uses the task's own.
        debate_intro, debate_peer, debate_outro: a debate turn is the intro, one peer block
            per peer shown, then the outro, concatenated as they are (each carries its own
            separators). ``{agent}`` names the peer; a set that omits it shows peers anonymously.
        debate_alone: a debate turn when no peer's reply reached the agent.
        reflection: a reflection turn.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "sociolab"
    system: str = ""
    role: str = "{role}"
    fixed_role: str | None = None
    traits: dict[str, str] = Field(default_factory=dict)
    opening: str | dict[str, str] = ""
    question: str = "{question}{options}\n\n{instructions}"
    option: str = "({letter}) {text}"
    options_prefix: str = "\n\n"
    option_separator: str = "\n"
    instructions: str | None = None
    debate_intro: str = ""
    debate_peer: str = ""
    debate_outro: str = ""
    debate_alone: str = ""
    reflection: str = ""

    @field_validator("opening")
    @classmethod
    def _opening(cls, value: str | dict[str, str]) -> str | dict[str, str]:
        for text in [value] if isinstance(value, str) else value.values():
            check_template("opening", text)
        return value

    @model_validator(mode="after")
    def _templates(self) -> TaskPrompts:
        for field in PLACEHOLDERS:
            if field == "opening":
                continue
            value = getattr(self, field)
            if isinstance(value, str):
                try:
                    check_template(field, value)
                except ValueError as exc:
                    raise ValueError(f"{field}: {exc}") from None
        return self

    def opening_for(self, trait: str) -> str:
        """The opening turn's template for an agent of ``trait`` (empty: none)."""
        if isinstance(self.opening, str):
            return self.opening
        return self.opening.get(trait, self.opening.get(ANY_TRAIT, ""))

    def instruction_text(self) -> str | None:
        """The set's answer instruction, braces unescaped (None: use the task's own)."""
        return None if self.instructions is None else self.instructions.format()

    def templates(self) -> dict[str, Any]:
        """The resolved templates (JSON-ready), as the transcript header records them."""
        return self.model_dump(mode="json")

    def digest(self) -> str:
        """A short hash of the resolved templates."""
        blob = json.dumps(self.templates(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


__all__ = ["ANY_TRAIT", "PLACEHOLDERS", "TaskPrompts", "check_template", "placeholders"]
