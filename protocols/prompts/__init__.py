"""Prompt sets: every text an agent sees, as named, attributed data (``prompts:`` in a config).

Built-in sets: ``sociolab`` (our own wording, the default), ``machinesom`` (Zhang et al.,
ACL 2024, from the study's code) and ``du2023`` (Du et al., 2023, from the study's code).
"""

from protocols.prompts.model import ANY_TRAIT, PLACEHOLDERS, TaskPrompts, check_template
from protocols.prompts.render import (
    PromptFillError,
    debate_text,
    opening_text,
    reflection_text,
    render_question,
    role_text,
    system_text,
    trait_text,
)
from protocols.prompts.sets import (
    DEFAULT_SET,
    PROMPT_SETS,
    default_prompts,
    describe_sets,
    resolve_prompts,
)

__all__ = [
    "ANY_TRAIT",
    "DEFAULT_SET",
    "PLACEHOLDERS",
    "PROMPT_SETS",
    "PromptFillError",
    "TaskPrompts",
    "check_template",
    "debate_text",
    "default_prompts",
    "describe_sets",
    "opening_text",
    "reflection_text",
    "render_question",
    "resolve_prompts",
    "role_text",
    "system_text",
    "trait_text",
]
