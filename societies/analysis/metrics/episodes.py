"""Episodes as metrics see them, and the keys that group runs.

A :class:`Run` is one transcript; :func:`episodes_of` turns it into
:class:`EpisodeView` objects (one per question x repeat) that every measure
reads. Episodes of several runs can be pooled by concatenating their lists.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from societies.analysis.decisions import complete_rounds, decide, rule_of
from societies.analysis.scoring import TruncatedMode, scored, truncated_mode
from societies.transcript import COALITION, HeaderEvent, Transcript, TurnEvent

GROUP_KEYS = ("society", "strategy", "task", "model")
"""Keys that runs can be grouped by (``trait`` is a split inside every group)."""

_BITS = {"debate": "0", "reflection": "1"}

NO_ROUNDS = "round 0 only"
"""The strategy label of a run without rounds after round 0 (e.g. self-consistency)."""


@dataclass(frozen=True)
class Run:
    """One transcript and where it came from."""

    transcript: Transcript
    path: Path | None = None
    index: int = 0

    @property
    def header(self) -> HeaderEvent:
        """The transcript's header."""
        return self.transcript.header

    def keys(self) -> dict[str, str]:
        """The run's value of every key in :data:`GROUP_KEYS`."""
        return {
            "society": society_label(self.header),
            "strategy": strategy_label(self.header),
            "task": task_label(self.header),
            "model": model_label(self.header),
        }


def is_coalition_run(header: HeaderEvent) -> bool:
    """Whether a header describes a coalition run (stages routed to members, no debate)."""
    protocol = header.components.get("protocol")
    return isinstance(protocol, dict) and protocol.get("kind") == COALITION


def society_label(header: HeaderEvent) -> str:
    """The society's composition: trait counts, e.g. ``2 easy-going + 1 overconfident``.

    A coalition's is ``coalition of 1 concise + 1 methodical``: its members' traits,
    the coalition's own pipeline not counted as an agent.
    """
    agents = header.agents
    if is_coalition_run(header):
        agents = [a for a in agents if a.name != COALITION]
    counts = Counter(a.trait for a in agents)
    members = " + ".join(f"{n} {trait}" for trait, n in sorted(counts.items()))
    return f"coalition of {members}" if is_coalition_run(header) else members


def strategy_label(header: HeaderEvent) -> str:
    """The strategy: MachineSoM bits (``001``) when every round after 0 is debate or reflection.

    A coalition's is its stages in order: ``plan→solve→check→answer``.
    """
    if is_coalition_run(header):
        return "→".join(header.rounds)
    later = header.rounds[1:]
    if all(r in _BITS for r in later):
        return "".join(_BITS[r] for r in later) or NO_ROUNDS
    return "-".join(later)


def task_label(header: HeaderEvent) -> str:
    """The task's name from the recorded config."""
    task = header.config.get("task") or header.components.get("task") or {}
    return str(task.get("name", "?")) if isinstance(task, dict) else str(task)


def extraction_of(run: Run) -> str:
    """The run's task ``extraction`` setting (``default`` when the config has none)."""
    task = run.header.config.get("task")
    value = task.get("extraction") if isinstance(task, dict) else None
    return str(value) if value else "default"


def model_label(header: HeaderEvent) -> str:
    """The models behind the agents: ``kind:model`` (or ``kind``) of each backend used."""
    specs: Any = header.config.get("backends") or header.components.get("backends") or {}
    labels: set[str] = set()
    for a in header.agents:
        spec = specs.get(a.backend) if isinstance(specs, dict) else None
        if not isinstance(spec, dict):
            labels.add(a.backend)
            continue
        kind, model = spec.get("kind", a.backend), spec.get("model")
        labels.add(f"{kind}:{model}" if model else str(kind))
    return " + ".join(sorted(labels))


@dataclass(frozen=True)
class EpisodeView:
    """One episode (one question in one repeat) of one run.

    Attributes:
        run: index of the run it comes from.
        episode: its number in that run.
        question_id: the question.
        repeat: the repeat.
        agents: agent names in the header's order.
        traits: agent name -> trait.
        patterns: the pattern of every planned round (round 0 first).
        turns: ``(round, agent) -> turn`` for every recorded turn.
        decisions: the society's answer in each complete round (from round 0 on).
        decision_correct: whether each of those decisions is correct.
        prices: agent -> its backend's (prompt, completion) USD per million tokens, for
            agents whose backend has a price in the recorded config.
        scoring: how truncated replies were scored (``keep`` or ``no-answer``).
    """

    run: int
    episode: int
    question_id: str
    repeat: int
    agents: tuple[str, ...]
    traits: Mapping[str, str]
    patterns: tuple[str, ...]
    turns: Mapping[tuple[int, str], TurnEvent]
    decisions: tuple[str | None, ...] = ()
    decision_correct: tuple[bool, ...] = ()
    edges: tuple[tuple[str, str], ...] = field(default=())
    prices: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    scoring: TruncatedMode = "keep"

    @property
    def complete_rounds(self) -> int:
        """How many rounds, from round 0 on, every agent answered."""
        return len(self.decisions)

    @property
    def finished(self) -> bool:
        """Whether every planned round is complete."""
        return self.complete_rounds == len(self.patterns)

    def answers(self, rnd: int) -> list[str | None]:
        """The agents' answers in a complete round, in agent order."""
        return [self.turns[(rnd, a)].answer for a in self.agents]


def agent_prices(header: HeaderEvent) -> dict[str, tuple[float, float]]:
    """Agent -> (prompt, completion) USD per million tokens of its backend, where priced.

    Read from the recorded config's backends (``price_per_1m_prompt_tokens``,
    ``price_per_1m_completion_tokens``); a missing one of the two counts as 0.
    """
    specs: Any = header.config.get("backends") or {}
    out: dict[str, tuple[float, float]] = {}
    for a in header.agents:
        spec = specs.get(a.backend) if isinstance(specs, dict) else None
        if not isinstance(spec, dict):
            continue
        prompt = spec.get("price_per_1m_prompt_tokens")
        completion = spec.get("price_per_1m_completion_tokens")
        if prompt is not None or completion is not None:
            out[a.name] = (float(prompt or 0.0), float(completion or 0.0))
    return out


def episodes_of(run: Run, truncated: TruncatedMode | None = None) -> list[EpisodeView]:
    """The run's episodes, in episode order, with the society decision of each complete round.

    Args:
        run: the run.
        truncated: how to score answers read from truncated replies; None: the run's
            own ``scoring.truncated``.

    Raises:
        TranscriptError: the header names a decision rule this sociolab does not know.
    """
    h = run.header
    rule = rule_of(h, str(run.path or h.name))
    by_episode: dict[int, dict[tuple[int, str], TurnEvent]] = {}
    mode = truncated or truncated_mode(h)
    scored_turns = [scored(t, mode) for t in run.transcript.turns]
    for t in scored_turns:
        by_episode.setdefault(t.episode, {})[(t.round, t.agent)] = t
    rounds = complete_rounds(h, scored_turns)
    agents = tuple(a.name for a in h.agents)
    traits = {a.name: a.trait for a in h.agents}
    edges = tuple((u, v) for u, v in h.edges)
    prices = agent_prices(h)
    out = []
    for ep in sorted(by_episode):
        turns = by_episode[ep]
        first = next(iter(turns.values()))
        decided = [decide(group, rule) for group in rounds.get(ep, [])]
        out.append(
            EpisodeView(
                run=run.index,
                episode=ep,
                question_id=first.question_id,
                repeat=first.repeat,
                agents=agents,
                traits=traits,
                patterns=tuple(h.rounds),
                turns=turns,
                decisions=tuple(d for d, _ in decided),
                decision_correct=tuple(c for _, c in decided),
                edges=edges,
                prices=prices,
                scoring=mode,
            )
        )
    return out


def round_patterns(runs: Sequence[Run]) -> tuple[str, ...]:
    """Each round's pattern over ``runs`` (round 0 first); runs that differ give ``a | b``."""
    longest = max((len(r.header.rounds) for r in runs), default=0)
    out = []
    for i in range(longest):
        seen = [r.header.rounds[i] for r in runs if i < len(r.header.rounds)]
        out.append(" | ".join(dict.fromkeys(seen)))
    return tuple(out)


def n_rounds(episodes: Sequence[EpisodeView]) -> int:
    """The largest number of planned rounds among the episodes."""
    return max((len(e.patterns) for e in episodes), default=0)


__all__ = [
    "GROUP_KEYS",
    "NO_ROUNDS",
    "EpisodeView",
    "Run",
    "agent_prices",
    "episodes_of",
    "extraction_of",
    "is_coalition_run",
    "model_label",
    "n_rounds",
    "round_patterns",
    "society_label",
    "strategy_label",
    "task_label",
]
