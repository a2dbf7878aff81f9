"""The lines a finished run's summary adds: how its answers were obtained, and its money."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from societies.analysis.metrics import (
    Run,
    cost,
    episodes_of,
    provenance,
    provenance_warning,
)
from societies.analysis.tables import usd
from societies.transcript import Transcript


@dataclass(frozen=True)
class RunNotes:
    """What a run summary says besides accuracy.

    Attributes:
        lines: the truncation and fallback counts, and the money spent.
        warnings: a warning when truncated replies or fallback answers are frequent.
    """

    lines: list[str]
    warnings: list[str]


def run_notes(transcript: Transcript, path: Path | None = None) -> RunNotes:
    """Truncated replies, fallback answers and money of one run, scored as its config says."""
    episodes = episodes_of(Run(transcript, path))
    p, k = provenance(episodes), cost(episodes)
    scored = "no answer" if p.scoring == ("no-answer",) else "their answers kept"
    lines = [
        f"answers: {p.truncated} of {p.turns} replies cut at the token limit ({scored}), "
        f"{p.fallback} read by a fallback rule",
        f"money spent: {usd(k.spent_usd)} ({k.cache_hits} cache hits, free)",
    ]
    warning = provenance_warning(p)
    return RunNotes(lines, [warning] if warning else [])


__all__ = ["RunNotes", "run_notes"]
