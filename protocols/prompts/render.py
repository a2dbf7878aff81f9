"""Filling a prompt set's templates: the question, the system text, the opening, debate turns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from protocols.prompts.model import TaskPrompts
from sociolab.errors import SociolabError

LETTERS = "ABCDEFGHIJ"


class PromptFillError(SociolabError, ValueError):
    """A template refers to something this question or agent does not have.

    (A metadata key the question lacks, a trait the set has no text for.)
    """


def _fill(template: str, **values: Any) -> str:
    try:
        return template.format(**values)
    except (KeyError, IndexError) as exc:
        raise PromptFillError(f"prompt template {template[:40]!r}...: no value for {exc}") from None


def render_question(
    p: TaskPrompts,
    prompt: str,
    choices: Sequence[str] | None,
    instructions: str,
    role: str | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> str:
    """The question as the agent is shown it: the layout with its options and instruction.

    Raises:
        PromptFillError: the layout uses ``{metadata[key]}`` and the question lacks that key.
    """
    options = ""
    if choices:
        blocks = [_fill(p.option, letter=LETTERS[i], text=c) for i, c in enumerate(choices)]
        options = p.options_prefix + p.option_separator.join(blocks)
    return _fill(
        p.question,
        question=prompt,
        options=options,
        instructions=instructions,
        role=role or "",
        metadata=dict(metadata or {}),
    )


def role_text(p: TaskPrompts, role: str | None) -> str:
    """What fills ``{role}`` in the system text and the opening ("" without a role)."""
    role = p.fixed_role if p.fixed_role is not None else role
    return _fill(p.role, role=role) if role else ""


def trait_text(p: TaskPrompts, trait: str, own_prompt: str) -> str:
    """What fills ``{trait}``: the set's text for the trait, else the trait's own prompt.

    Raises:
        PromptFillError: the set has trait texts, but none for this trait.
    """
    if not p.traits:
        return own_prompt
    if trait not in p.traits:
        raise PromptFillError(
            f"prompt set {p.name!r} has no text for trait {trait!r} "
            f"(it has: {', '.join(sorted(p.traits))})"
        )
    return p.traits[trait]


def system_text(p: TaskPrompts, trait: str, own_prompt: str, role: str | None) -> str:
    """The system message's text ("" when the set sends none)."""
    if not p.system:
        return ""
    return _fill(p.system, trait=trait_text(p, trait, own_prompt), role=role_text(p, role))


def opening_text(p: TaskPrompts, trait: str, own_prompt: str, role: str | None) -> str:
    """The role-play opening turn's text ("" when the set sends none)."""
    template = p.opening_for(trait)
    if not template:
        return ""
    return _fill(template, trait=trait_text(p, trait, own_prompt), role=role_text(p, role))


def debate_text(p: TaskPrompts, peers: Sequence[tuple[str, str]], instructions: str) -> str:
    """A debate turn: intro, one block per (agent, reply) shown, outro; or the alone text."""
    if not peers:
        return _fill(p.debate_alone, instructions=instructions)
    blocks = [_fill(p.debate_intro, instructions=instructions)]
    blocks += [
        _fill(p.debate_peer, agent=agent, reply=reply, index=i + 1)
        for i, (agent, reply) in enumerate(peers)
    ]
    blocks.append(_fill(p.debate_outro, instructions=instructions))
    return "".join(blocks)


def reflection_text(p: TaskPrompts, instructions: str) -> str:
    """A reflection turn."""
    return _fill(p.reflection, instructions=instructions)


__all__ = [
    "PromptFillError",
    "debate_text",
    "opening_text",
    "reflection_text",
    "render_question",
    "role_text",
    "system_text",
    "trait_text",
]
