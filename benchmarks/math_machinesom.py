"""The MachineSoM study's MATH rule, reproduced so results compare with the paper.

The rule (Zhang et al., ACL 2024; their ``src/evaluate.py``: ``parse_answer``'s
``extract_math``, ``judge_answer``'s ``math_pattern`` and ``check_include``,
``_judge_answer``'s ``check_math_answer``), quirks included:

- **Extraction.** The answer is the content of the last *complete* ``\\boxed{...}``
  (exactly that spelling: no ``\\fbox``, no space before the brace). Braces nest,
  and a nested ``\\boxed{...}`` stays inside its outer box's content. A box that is
  never closed is dropped together with everything after it, later boxes
  included, since they lie inside it. ``\\boxed{}`` gives the empty string, which
  is an answer (not a missing one). Spaces are kept.
- **Patterns.** Each of :data:`MATH_PATTERNS` is removed wherever it occurs, in
  that order (the study's per-answer step of ``check_include``; ``"x = "`` is
  removed from inside ``"2x = 4"`` too).
- **Scoring** (``check_math_answer``): the one answer
  ``{2^3 \\times 3^2 \\times 5 \\times 7}`` becomes ``2520``; the patterns are
  removed again; every ``{`` and ``}`` is removed; the three comma-grouped numbers
  of :data:`COMMA_NUMBERS` (and no others) lose their commas. The result is
  correct when it equals the gold answer case-insensitively (``str.lower`` on
  both). The gold answer is compared as given: its braces are *not* removed, so
  a gold answer written with braces (``\\frac{1}{2}``) can never be matched. No
  sympy, no numeric equivalence.

The society's answer under the study's vote (brace unification, then the unique
most frequent value given at least twice) is :func:`protocols.decision.machinesom`.
"""

from __future__ import annotations

from benchmarks.base import Extraction

BOX = "\\boxed{"
"""What opens an answer box: exactly this, with the brace glued to the command."""

MATH_PATTERNS: tuple[str, ...] = (
    " \\text{ positive integers, } 12 \\text{ negative integers}",
    " \\, \\text{cm}",
    "\\, \\text{cm}",
    "^\\circ",
    "{\\text{Degree of }} g(x) = ",
    "°",
    " \\text{ cm}",
    "\\text{ cm}",
    "b = ",
    "r = ",
    "x = ",
    "m+n = ",
    "\\text{ degrees}",
    "x + y + z = ",
)
"""The study's ``math_pattern`` strings (its data, in its order): removed from every answer."""

SPECIAL_ANSWERS: dict[str, str] = {"{2^3 \\times 3^2 \\times 5 \\times 7}": "2520"}
"""Answers the study's scorer replaces outright (checked before anything else is removed)."""

COMMA_NUMBERS = frozenset({"978,121", "99,940,009", "979,121"})
"""The only comma-grouped numbers whose commas the study's scorer removes."""


def boxed_contents(text: str) -> list[str]:
    """The content of every complete ``\\boxed{...}`` in ``text``, scanning as the study does.

    After a box closes, the search for the next one starts at its closing brace;
    an unclosed box ends the scan and is not returned.
    """
    out: list[str] = []
    start = text.find(BOX)
    while start != -1:
        i = start + len(BOX)
        depth = 0
        while i < len(text):
            if text[i] == "{":
                depth += 1
            elif text[i] == "}":
                if depth == 0:
                    break
                depth -= 1
            i += 1
        else:  # ran off the end: the open box is dropped
            return out
        out.append(text[start + len(BOX) : i])
        start = text.find(BOX, i)
    return out


def strip_patterns(answer: str) -> str:
    """``answer`` with every :data:`MATH_PATTERNS` string removed, one pattern after another."""
    for pattern in MATH_PATTERNS:
        answer = answer.replace(pattern, "")
    return answer


def extract_math_machinesom(reply: str) -> Extraction:
    """The last complete box's content with the patterns removed (method ``machinesom-boxed``).

    Returns:
        The answer, or None with method ``none`` when the reply has no complete box.
    """
    boxes = boxed_contents(reply)
    if not boxes:
        return Extraction(answer=None, method="none")
    return Extraction(answer=strip_patterns(boxes[-1]), method="machinesom-boxed")


def score_form(answer: str) -> str:
    """The study's ``check_math_answer``: the form compared with the gold answer."""
    if answer in SPECIAL_ANSWERS:
        return SPECIAL_ANSWERS[answer]
    answer = strip_patterns(answer).replace("{", "").replace("}", "")
    return answer.replace(",", "") if answer in COMMA_NUMBERS else answer


def is_correct_machinesom(answer: str | None, gold: str) -> bool:
    """Whether ``answer`` scores as ``gold`` under the study's rule (see the module docstring)."""
    return answer is not None and score_form(answer).lower() == gold.lower()


__all__ = [
    "BOX",
    "COMMA_NUMBERS",
    "MATH_PATTERNS",
    "SPECIAL_ANSWERS",
    "boxed_contents",
    "extract_math_machinesom",
    "is_correct_machinesom",
    "score_form",
]
