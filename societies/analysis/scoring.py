"""How answers are scored: truncated replies, fallback extraction, and the ``scoring`` setting.

The transcript keeps every answer as it was read. The analysis scores it under
the run's ``scoring`` (recorded in the header's resolved config) or under a mode
given to the report: ``truncated: keep`` counts an answer read from a reply cut
at the token limit as read, ``no-answer`` counts it as no answer (never correct).
"""

from __future__ import annotations

from typing import Literal, cast

from benchmarks import FALLBACK_METHODS, is_fallback
from societies.transcript import HeaderEvent, TurnEvent

TruncatedMode = Literal["keep", "no-answer"]

TRUNCATED_MODES: tuple[TruncatedMode, ...] = ("keep", "no-answer")
"""The values of ``scoring.truncated`` (and of ``report --truncated``)."""

TRUNCATED_REASON = "length"
"""The finish reason of a reply cut at the token limit."""

WARN_SHARE = 0.05
"""Above this share of truncated replies or fallback answers a report warns."""


def truncated_mode(header: HeaderEvent) -> TruncatedMode:
    """The run's ``scoring.truncated`` (``keep`` for runs recorded before the setting)."""
    scoring = header.config.get("scoring")
    value = scoring.get("truncated") if isinstance(scoring, dict) else None
    return cast(TruncatedMode, value) if value in TRUNCATED_MODES else "keep"


def is_truncated(finish_reason: str) -> bool:
    """Whether a reply was cut at the token limit."""
    return finish_reason == TRUNCATED_REASON


def scored(turn: TurnEvent, mode: TruncatedMode) -> TurnEvent:
    """The turn as the analysis counts it: under ``no-answer`` a truncated reply has no answer."""
    if mode == "no-answer" and is_truncated(turn.finish_reason) and turn.answer is not None:
        return turn.model_copy(update={"answer": None, "correct": False})
    return turn


def scored_answer(
    answer: str | None, correct: bool, finish_reason: str, mode: TruncatedMode
) -> tuple[str | None, bool]:
    """:func:`scored` on the bare fields (for the run's light per-turn records)."""
    if mode == "no-answer" and is_truncated(finish_reason):
        return None, False
    return answer, correct


__all__ = [
    "FALLBACK_METHODS",
    "TRUNCATED_MODES",
    "TRUNCATED_REASON",
    "WARN_SHARE",
    "TruncatedMode",
    "is_fallback",
    "is_truncated",
    "scored",
    "scored_answer",
    "truncated_mode",
]
