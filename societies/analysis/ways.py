"""The report's "ways" table: several ways of answering the same questions, side by side.

A sweep made only of ``extra:`` cells (no ``grid:``; each cell a labelled way: a model alone, an
ensemble, a vote, a debate; see the ``ensemble-vs-debate`` preset) is a
comparison of ways rather than a grid. Its report gets one table with a row per
way (per cell):

- accuracy: the share of questions whose final answer (the society's decision in
  the last round) is correct, with a percentile bootstrap 95% CI over questions
  (scipy, fixed seed; :func:`societies.analysis.metrics.stats.spread`);
- tokens per question: every call's prompt and completion tokens (the
  role-play openings included), over the questions;
- wall seconds per question: the mean over questions of each question's critical
  path, the sum over its rounds of the round's slowest turn (the turns of a round
  run together). Model loading is left out (a sweep loads a backend once, in the
  first cell that uses it). A turn's latency includes waiting for the other
  requests of its batch, so with several questions in flight (``concurrency`` > 1)
  this overstates a question's own time: the ``ensemble-vs-debate`` preset runs
  one question at a time, one cell at a time, without a response cache.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from societies.analysis.metrics import EpisodeView, Run, episodes_of
from societies.analysis.metrics.stats import spread
from societies.analysis.scoring import TruncatedMode
from societies.analysis.sections import Section, num, pct

_EXTRA_CELL = re.compile(r"\[extra=([^\]]+)\]$")
"""A sweep names an ``extra`` cell's run ``<base name>[extra=<label>]``."""

WAYS_HEADERS = ("accuracy (95% CI)", "questions", "tokens / question", "wall s / question")
"""The columns of the ways table (rows are the ways)."""


def way_label(run: Run) -> str | None:
    """The way a run stands for: its ``extra`` cell's label (None for any other run)."""
    found = _EXTRA_CELL.search(run.header.name)
    return found.group(1) if found else None


def is_ways_sweep(runs: Sequence[Run]) -> bool:
    """Whether the runs are two or more ``extra`` cells of a sweep, and nothing else."""
    return len(runs) >= 2 and all(way_label(r) is not None for r in runs)


def _accuracy_cell(correct: Sequence[bool]) -> str:
    s = spread([float(c) for c in correct])
    if s.mean is None:
        return "–"
    hits = sum(correct)
    if s.ci_low is None or s.ci_high is None:
        return f"{pct(s.mean)} ({hits}/{len(correct)})"
    return f"{pct(s.mean)} [{pct(s.ci_low)}, {pct(s.ci_high)}] ({hits}/{len(correct)})"


def _critical_path(episode: EpisodeView) -> float:
    """Seconds from the question's first call to its answer: each round's slowest turn."""
    slowest: dict[int, float] = {}
    for (rnd, _), turn in episode.turns.items():
        slowest[rnd] = max(slowest.get(rnd, 0.0), turn.latency_s)
    return sum(slowest.values())


def way_row(run: Run, truncated: TruncatedMode | None = None) -> list[str]:
    """One way's cells, in the order of :data:`WAYS_HEADERS`."""
    episodes = episodes_of(run, truncated)
    finished = [e for e in episodes if e.finished and e.decision_correct]
    correct = [e.decision_correct[-1] for e in finished]
    questions = len(episodes)
    tokens = sum(
        t.usage.total_tokens + (t.opening.usage.total_tokens if t.opening else 0)
        for t in run.transcript.turns
    )
    per_q_tokens = tokens / questions if questions else None
    per_q_wall = sum(_critical_path(e) for e in episodes) / questions if questions else None
    answered = f"{len(finished)}" + (f" of {questions}" if len(finished) != questions else "")
    return [_accuracy_cell(correct), answered, num(per_q_tokens, 0), num(per_q_wall, 2)]


def ways_section(runs: Sequence[Run], truncated: TruncatedMode | None = None) -> Section | None:
    """The ways table, or None unless :func:`is_ways_sweep`."""
    if not is_ways_sweep(runs):
        return None
    s = Section(
        "ways of answering the same questions",
        "accuracy of the final answer with a percentile bootstrap 95% CI over questions; "
        "tokens of every call per question; wall: per question, the sum over rounds of "
        "the round's slowest turn (model loading left out)",
    )
    for run in runs:
        s.add(way_label(run) or run.header.name, way_row(run, truncated))
    return s


__all__ = ["WAYS_HEADERS", "is_ways_sweep", "way_label", "way_row", "ways_section"]
