"""The lines a finished run's summary adds: how its answers were obtained, and its money."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from societies.analysis.coalition import is_coalition
from societies.analysis.metrics import (
    EpisodeView,
    Run,
    cost,
    episodes_of,
    provenance,
    provenance_warning,
)
from societies.analysis.story import RoundRow, round_rows, what_happened
from societies.analysis.tables import usd
from societies.transcript import COALITION, Transcript


@dataclass(frozen=True)
class RunNotes:
    """What a run summary says besides accuracy.

    Attributes:
        lines: the truncation and fallback counts, and the money spent.
        warnings: a warning when truncated replies or fallback answers are frequent.
        rounds: consensus and conformity of each round.
        story: one sentence on what the rounds after round 0 changed (None if nothing could).
        stages: a coalition run's stages, in order (empty for rounds of agents answering).
    """

    lines: list[str]
    warnings: list[str]
    rounds: list[RoundRow] = field(default_factory=list)
    story: str | None = None
    stages: list[str] = field(default_factory=list)


def run_notes(transcript: Transcript, path: Path | None = None) -> RunNotes:
    """Rounds, what happened, truncated replies, fallback answers and money of one run.

    Answers are scored as the run's config says (``scoring.truncated``).
    """
    episodes = episodes_of(Run(transcript, path))
    p, k = provenance(episodes), cost(episodes)
    scored = "no answer" if p.scoring == ("no-answer",) else "their answers kept"
    lines = [
        f"answers: {p.truncated} of {p.turns} replies cut at the token limit ({scored}), "
        f"{p.fallback} read by a fallback rule",
        f"money spent: {usd(k.spent_usd)} ({k.cache_hits} cache hits, free)",
    ]
    warning = provenance_warning(p)
    warnings = [warning] if warning else []
    if is_coalition(transcript.header.components):  # stages, not rounds of agents answering
        lines.insert(0, _pipelines_line(episodes, transcript))
        return RunNotes(lines, warnings, stages=list(transcript.header.rounds))
    return RunNotes(lines, warnings, round_rows(episodes), what_happened(episodes))


def _pipelines_line(episodes: list[EpisodeView], transcript: Transcript) -> str:
    """``coalition (routed) 75% (3/4) · weak alone 0% (0/4) · ...``: each pipeline's last stage."""
    last = len(transcript.header.rounds) - 1
    parts = []
    for agent in transcript.header.agents:
        done = [t for e in episodes if (t := e.turns.get((last, agent.name))) is not None]
        right = sum(t.correct for t in done)
        name = "coalition (routed)" if agent.name == COALITION else f"{agent.name} alone"
        share = f"{right / len(done):.0%}" if done else "–"
        parts.append(f"{name} {share} ({right}/{len(done)})")
    return "final answers: " + " · ".join(parts)


__all__ = ["RunNotes", "run_notes"]
