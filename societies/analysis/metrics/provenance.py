"""How the answers of a set of episodes were obtained: truncated replies and fallback extraction.

A reply is *truncated* when it was cut at the token limit (finish reason
``length``); its answer, if any, was read from an unfinished reply. An answer
is a *fallback* when the extractor's last-resort rule found it
(:data:`benchmarks.FALLBACK_METHODS`), e.g. the last number of a reply that
states no answer. Both are counted over every recorded turn (a role-play
opening is no answer and is not counted).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from societies.analysis.metrics.episodes import EpisodeView
from societies.analysis.scoring import is_fallback, is_truncated


@dataclass(frozen=True)
class Provenance:
    """Truncation and extraction over the turns of some episodes.

    Attributes:
        turns: recorded turns.
        truncated: turns whose reply was cut at the token limit.
        truncated_answers: of those, turns with an answer as scored (0 under ``no-answer``).
        fallback: turns whose answer (as scored) a fallback rule found.
        methods: extraction method -> turns.
        scoring: the ``scoring.truncated`` modes applied (one per run, deduplicated).
    """

    turns: int
    truncated: int
    truncated_answers: int
    fallback: int
    methods: dict[str, int] = field(default_factory=dict)
    scoring: tuple[str, ...] = ()

    @property
    def truncated_share(self) -> float | None:
        """Share of turns with a truncated reply (None without turns)."""
        return self.truncated / self.turns if self.turns else None

    @property
    def fallback_share(self) -> float | None:
        """Share of turns whose answer a fallback rule found (None without turns)."""
        return self.fallback / self.turns if self.turns else None


def provenance(episodes: Sequence[EpisodeView]) -> Provenance:
    """Count truncated replies, fallback answers and extraction methods over the turns."""
    turns = truncated = answered = fallback = 0
    methods: Counter[str] = Counter()
    modes: list[str] = []
    for e in episodes:
        if e.scoring not in modes:
            modes.append(e.scoring)
        for t in e.turns.values():
            turns += 1
            methods[t.extraction] += 1
            if is_truncated(t.finish_reason):
                truncated += 1
                answered += t.answer is not None
            fallback += t.answer is not None and is_fallback(t.extraction)
    ranked = dict(sorted(methods.items(), key=lambda kv: (-kv[1], kv[0])))
    return Provenance(turns, truncated, answered, fallback, ranked, tuple(modes))


__all__ = ["Provenance", "provenance"]
