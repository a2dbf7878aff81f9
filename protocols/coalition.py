"""Coalition routing (after Mangal et al., 2024): stage prompts and the router.

A coalition cuts a question into stages (for example plan -> solve -> check ->
answer). Each stage is one call with its own prompt template; the template may
use ``{question}``, ``{instructions}`` and what earlier stages passed on
(``{plan}``, ``{solve}``, ...). For every stage and question category, the
router picks the member agent from a skill table (accuracy and tokens per
member, stage and category, measured by ``sociolab calibrate``):

- ``best``: the member with the highest accuracy (ties: fewer tokens, then
  config order);
- ``cheapest-within``: among the members whose accuracy is within ``margin`` of
  the best, the one using the fewest tokens (ties: higher accuracy, then order).

This module is pure logic; the stage runner lives in :mod:`societies.engine.coalition`.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from agents.types import Message
from protocols.prompts.sets import coalition_stages

POOLED = "*"
"""The category of skill entries measured over all categories together (the fallback)."""

ALL = "all"
"""The one category of questions when the task has no categories."""

Policy = Literal["best", "cheapest-within"]
POLICIES: tuple[Policy, ...] = ("best", "cheapest-within")

FIXED_FIELDS = ("question", "instructions")
"""Placeholders every stage template may use besides earlier stages' names."""

DEFAULT_STAGES: tuple[tuple[str, str, str], ...] = coalition_stages()
"""(name, prompt template, what it passes on) of the default stages: the ``sociolab``
prompt set's ``coalition_stages`` (our own wording)."""


def template_fields(template: str) -> list[str]:
    """The placeholder names used in a ``str.format`` template.

    Raises:
        ValueError: the template is not a valid format string (e.g. a lone ``{``),
            or uses an indexed or attribute placeholder.
    """
    fields: list[str] = []
    for _, name, _, _ in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier():
            raise ValueError(
                f"placeholder {{{name}}} is not a plain name (write {{{{ and }}}} for braces)"
            )
        fields.append(name)
    return fields


def check_templates(stages: Sequence[tuple[str, str]]) -> list[tuple[int, str]]:
    """Problems of the stage templates: (stage index, message) each.

    A template may use ``{question}``, ``{instructions}`` and the names of
    earlier stages; stage names must be unique identifiers.
    """
    problems: list[tuple[int, str]] = []
    seen: list[str] = []
    for i, (name, template) in enumerate(stages):
        if name in seen:
            problems.append((i, f"duplicate stage name {name!r}"))
        if name in FIXED_FIELDS:
            problems.append((i, f"stage name {name!r} is reserved (for {{{name}}})"))
        try:
            used = template_fields(template)
        except ValueError as exc:
            problems.append((i, str(exc)))
            used = []
        known = [*FIXED_FIELDS, *seen]
        for f in used:
            if f not in known:
                what = "a later stage" if f in (s for s, _ in stages) else "unknown"
                problems.append(
                    (i, f"prompt uses {{{f}}}: {what} (known here: {', '.join(known)})")
                )
        seen.append(name)
    return problems


def stage_messages(system: str, template: str, values: Mapping[str, str]) -> list[Message]:
    """The messages of one stage call: the member's system text (if any) and the filled template."""
    head = [Message(role="system", content=system)] if system else []
    return [*head, Message(role="user", content=template.format_map(dict(values)))]


@dataclass(frozen=True)
class Skill:
    """How well one member does one stage on one category."""

    accuracy: float
    tokens: float = 0.0
    n: int = 0


@dataclass(frozen=True)
class RouteDecision:
    """Who handles a stage for a category, and why."""

    stage: str
    category: str
    member: str
    policy: str
    accuracy: float | None
    tokens: float | None
    reason: str


class SkillTable:
    """Skills keyed by (member, stage, category); :data:`POOLED` entries are the fallback."""

    def __init__(self, entries: Iterable[tuple[str, str, str, Skill]] = ()) -> None:
        """Build from (member, stage, category, skill) tuples (later entries win)."""
        self._skills: dict[tuple[str, str, str], Skill] = {}
        for member, stage, category, skill in entries:
            self._skills[(member, stage, category)] = skill

    def __len__(self) -> int:
        return len(self._skills)

    def items(self) -> list[tuple[tuple[str, str, str], Skill]]:
        """All entries, sorted by key."""
        return sorted(self._skills.items())

    def lookup(self, member: str, stage: str, category: str) -> Skill | None:
        """The member's skill for the category, else its pooled skill, else None."""
        return self._skills.get((member, stage, category)) or self._skills.get(
            (member, stage, POOLED)
        )

    def members(self) -> set[str]:
        """Every member named in the table."""
        return {m for m, _, _ in self._skills}

    def stages(self) -> set[str]:
        """Every stage named in the table."""
        return {s for _, s, _ in self._skills}


def route(
    table: SkillTable,
    stage: str,
    category: str,
    members: Sequence[str],
    policy: Policy = "best",
    margin: float = 0.0,
) -> RouteDecision:
    """Choose the member that handles ``stage`` for questions of ``category``.

    Members without an entry for the stage (in the category or pooled) are not
    considered; when none has one, the first member is chosen.
    """
    if not members:
        raise ValueError("a coalition needs at least one member")
    known = [(m, s) for m in members if (s := table.lookup(m, stage, category)) is not None]
    if not known:
        return RouteDecision(
            stage, category, members[0], policy, None, None, "no skill data: first member"
        )
    order = {m: i for i, m in enumerate(members)}
    best_acc = max(s.accuracy for _, s in known)
    if policy == "best":
        member, skill = min(known, key=lambda ms: (-ms[1].accuracy, ms[1].tokens, order[ms[0]]))
        reason = f"highest accuracy {skill.accuracy:.3f}"
    else:
        within = [(m, s) for m, s in known if s.accuracy >= best_acc - margin - 1e-12]
        member, skill = min(within, key=lambda ms: (ms[1].tokens, -ms[1].accuracy, order[ms[0]]))
        reason = (
            f"fewest tokens ({skill.tokens:.1f}) within {margin:g} of the best accuracy "
            f"{best_acc:.3f}"
        )
    return RouteDecision(stage, category, member, policy, skill.accuracy, skill.tokens, reason)


__all__ = [
    "ALL",
    "DEFAULT_STAGES",
    "FIXED_FIELDS",
    "POLICIES",
    "POOLED",
    "Policy",
    "RouteDecision",
    "Skill",
    "SkillTable",
    "check_templates",
    "route",
    "stage_messages",
    "template_fields",
]
