"""Named chat templates for local backends: ``chat_template: plain`` for base models.

A base model (such as the embedded ``gemma3-270m``) was never trained on a chat
format, so it has no chat template. ``plain`` renders the messages as plain text
with role labels and ends with the assistant's label, so that the model continues
the text as the assistant::

    System: <content>

    User: <content>

    Assistant: <content>

    User: <content>

    Assistant:

Each message is ``<Label>: <content>`` followed by a blank line (labels ``System``,
``User``, ``Assistant``; any other role is written as it is; the content without
surrounding whitespace, so a reply that began with a space is shown back as
``Assistant: <reply>`` and spaces do not pile up over turns), and the prompt ends
with ``Assistant:`` (no trailing space: the model writes it). A base model does not
know when the assistant's turn is over, so a reply also stops at the next role
label (:data:`PLAIN_STOPS`), which is not part of the reply. The model's
beginning-of-sequence token is added by the backend where the model asks for one
(as llama.cpp does), not by the template.

The same Jinja text serves the ``hf`` backend (transformers' ``apply_chat_template``)
and the ``llamacpp`` backend (the server's ``chat_template``), so both render the
same prompt. Any other ``chat_template`` value is taken as Jinja template text.
"""

from __future__ import annotations

from agents.types import ChatRequest

PLAIN_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] == 'system' %}System"
    "{% elif message['role'] == 'user' %}User"
    "{% elif message['role'] == 'assistant' %}Assistant"
    "{% else %}{{ message['role'] }}{% endif %}"
    ": {{ message['content'] | trim }}\n\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}Assistant:{% endif %}"
)
"""The Jinja text of the ``plain`` template."""

PLAIN_STOPS: tuple[str, ...] = ("\nUser:", "\nSystem:", "\nAssistant:")
"""Where a reply under ``plain`` ends: the model starting the next message."""

NAMED_TEMPLATES: dict[str, str] = {"plain": PLAIN_TEMPLATE}
"""Template names accepted by ``chat_template:`` instead of Jinja text."""

NEEDS_TEMPLATE_HINT = "set `chat_template: plain` (role-labelled plain text) or a Jinja template"
"""How an error tells the user to give a base model a chat template."""


def template_text(value: str | None) -> str | None:
    """The Jinja text for a ``chat_template:`` value: a named template's text, or the value."""
    if value is None:
        return None
    return NAMED_TEMPLATES.get(value, value)


def template_stops(value: str | None) -> tuple[str, ...]:
    """The stop strings a ``chat_template:`` value implies (only ``plain`` has any)."""
    return PLAIN_STOPS if value == "plain" else ()


def with_template_stops(request: ChatRequest, value: str | None) -> ChatRequest:
    """``request`` with the template's stop strings added to its own (unchanged if none)."""
    extra = [s for s in template_stops(value) if s not in request.params.stop]
    if not extra:
        return request
    params = request.params.model_copy(update={"stop": (*request.params.stop, *extra)})
    return request.model_copy(update={"params": params})


__all__ = [
    "NAMED_TEMPLATES",
    "NEEDS_TEMPLATE_HINT",
    "PLAIN_STOPS",
    "PLAIN_TEMPLATE",
    "template_stops",
    "template_text",
    "with_template_stops",
]
