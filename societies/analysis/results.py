"""``Results``: the runs of an experiment or a sweep, read from their transcripts alone.

What :func:`societies.run`, :func:`societies.sweep` and :func:`societies.load_run`
return. It holds parsed transcripts, so it works the same on a run just made, an
old run and a run made on another machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from societies.analysis.metrics import GROUP_KEYS, Metrics, Run, compute_metrics
from societies.errors import TranscriptError
from societies.transcript import (
    HeaderEvent,
    Transcript,
    TurnEvent,
    find_transcripts,
    load_transcript,
)
from sociolab.errors import MissingDependencyError

if TYPE_CHECKING:
    import pandas as pd

TURN_COLUMNS = (
    "run",
    "name",
    "episode",
    "question_id",
    "repeat",
    "round",
    "pattern",
    "agent",
    "trait",
    "backend",
    "peers",
    "reply",
    "answer",
    "extraction",
    "gold",
    "correct",
    "prompt_tokens",
    "completion_tokens",
    "latency_s",
    "cached",
    "finish_reason",
    "seed",
)
"""The columns of :meth:`Results.to_pandas`, one row per turn (the messages stay in ``turns``)."""


class Results:
    """One or more runs, each a transcript and where it was read from.

    Args:
        runs: the runs, in order.
    """

    def __init__(self, runs: Sequence[Run]) -> None:
        self.runs = [
            r if r.index == i else Run(r.transcript, r.path, i) for i, r in enumerate(runs)
        ]

    @classmethod
    def load(cls, *paths: Path | str) -> Results:
        """Read runs from transcript files, run folders or sweep folders.

        Raises:
            TranscriptError: a path holds no readable transcript.
        """
        found = find_transcripts([Path(p) for p in paths])
        return cls([Run(load_transcript(p), p, i) for i, p in enumerate(found)])

    def __len__(self) -> int:
        return len(self.runs)

    def __repr__(self) -> str:
        names = ", ".join(r.header.name for r in self.runs[:3])
        more = f", ... ({len(self.runs)} runs)" if len(self.runs) > 3 else ""
        return f"Results([{names}{more}], {len(self.turns)} turns)"

    @property
    def transcript(self) -> Transcript:
        """The transcript of the only run.

        Raises:
            TranscriptError: there are several runs (use ``runs``).
        """
        if len(self.runs) != 1:
            raise TranscriptError(
                f"results: transcript: {len(self.runs)} runs, not one: pick one from .runs"
            )
        return self.runs[0].transcript

    @property
    def header(self) -> HeaderEvent:
        """The header of the only run (config, agents, questions); see :attr:`transcript`."""
        return self.transcript.header

    @property
    def paths(self) -> list[Path | None]:
        """Where each run's transcript was read from."""
        return [r.path for r in self.runs]

    @property
    def status(self) -> list[str]:
        """How each run ended: ``complete``, ``incomplete``, ``budget`` (or ``running``)."""
        return [r.transcript.end.status if r.transcript.end else "running" for r in self.runs]

    @cached_property
    def turns(self) -> list[TurnEvent]:
        """Every turn of every run, run by run, in canonical order."""
        return [t for r in self.runs for t in r.transcript.turns]

    @cached_property
    def metrics(self) -> Metrics:
        """The report's measures (accuracy, consensus, conformity, cost), grouped as it does."""
        return compute_metrics(self.runs)

    def metrics_by(self, by: Sequence[str] = GROUP_KEYS) -> Metrics:
        """The measures grouped by other keys (``society``, ``strategy``, ``task``, ``model``).

        Raises:
            ConfigError: ``by`` names an unknown key.
        """
        return compute_metrics(self.runs, by)

    def rows(self) -> list[dict[str, Any]]:
        """One flat record per turn, with the columns of :data:`TURN_COLUMNS`."""
        out: list[dict[str, Any]] = []
        for r in self.runs:
            gold = {q.id: q.gold for q in r.header.questions}
            for t in r.transcript.turns:
                out.append(
                    {
                        "run": r.index,
                        "name": r.header.name,
                        **t.model_dump(include=_TURN_FIELDS),
                        "peers": list(t.peers),
                        "gold": gold.get(t.question_id),
                        "prompt_tokens": t.usage.prompt_tokens,
                        "completion_tokens": t.usage.completion_tokens,
                    }
                )
        return out

    def to_pandas(self) -> pd.DataFrame:
        """A DataFrame of turns, one row per turn (columns: :data:`TURN_COLUMNS`).

        Raises:
            MissingDependencyError: pandas is not installed (the message has the pip line).
        """
        try:
            import pandas as pd
        except ImportError:
            raise MissingDependencyError(
                "Results.to_pandas needs pandas: pip install 'sociolab[parquet]' "
                "(or pip install pandas)"
            ) from None
        return pd.DataFrame(self.rows(), columns=list(TURN_COLUMNS))


_DERIVED = {"run", "name", "peers", "gold", "prompt_tokens", "completion_tokens"}
_TURN_FIELDS = set(TURN_COLUMNS) - _DERIVED


__all__ = ["TURN_COLUMNS", "Results"]
