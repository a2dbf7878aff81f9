"""Upper bounds on the size of an experiment, checked before anything is expanded.

A run's work grows with agents x rounds x questions x repeats, and a debate
prompt with the number of neighbours shown. A typo (``repeats: 1e9``, a
complete graph of a million agents) would otherwise hang ``validate``,
``--dry-run`` and ``run`` while memory grows. These limits sit far above any
experiment that could finish (the largest scale benchmark makes 10^5-10^6 calls)
and are checked from counts alone, in microseconds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from benchmarks.base import MAX_LIMIT

if TYPE_CHECKING:
    from societies.config.models import ExperimentConfig

MAX_COUNT = 100_000
"""Most agents one ``agents`` entry may expand to (``count``)."""

MAX_AGENTS = 100_000
"""Most agents in a society."""

MAX_ROUNDS = 100
"""Most rounds after the first answer (``protocol.strategy``)."""

MAX_REPEATS = 10_000
"""Most repeats per question."""

MAX_QUESTIONS = MAX_LIMIT
"""Most questions a task may ask for (``task.limit``)."""

MAX_CALLS = 10_000_000
"""Most model calls of one run: agents x (rounds + 1) x questions x repeats."""

MAX_EDGES = 10_000_000
"""Most edges of the communication graph (replies shown to someone per debate round)."""

MAX_SHOWN = 200_000_000
"""Most neighbour replies put into prompts over a whole run."""

MAX_CELLS = 10_000
"""Most cells of one sweep."""


def graph_edges(kind: str, n: int, *, k: int, m: int, p: float, listed: int) -> int:
    """An upper estimate of a graph's edges (u -> v pairs) from its parameters alone."""
    if kind == "complete":
        return n * (n - 1)
    if kind == "random":
        return int(p * n * (n - 1)) + n
    if kind == "ring":
        return 2 * n
    if kind == "star":
        return 2 * max(n - 1, 0)
    if kind == "small-world":
        return k * n
    if kind == "scale-free":
        return 2 * m * n
    if kind == "edges":
        return listed
    return n * (n - 1)  # a plugin's kind: assume the worst


def check_scale(cfg: ExperimentConfig, questions: int | None = None) -> list[tuple[str, str]]:
    """(path, message) per bound a config exceeds.

    Args:
        cfg: the config.
        questions: the number of questions when known (after the task is built);
            else the task's ``limit`` (or 1 when it has none).
    """
    n = sum(a.count for a in cfg.agents)
    if n > MAX_AGENTS:
        return [("agents", f"{n:,} agents in all; at most {MAX_AGENTS:,}")]
    if questions is None:
        questions = getattr(cfg.task, "limit", None) or 1
    rounds = getattr(cfg.protocol, "rounds", None)
    if rounds is None:  # another protocol kind: its own checks bound it
        return []
    calls = n * (len(rounds) + 1) * questions * cfg.repeats
    problems: list[tuple[str, str]] = []
    if calls > MAX_CALLS:
        problems.append(
            (
                "repeats",
                f"{n:,} agents x {len(rounds) + 1} rounds x {questions:,} questions x "
                f"{cfg.repeats:,} repeats = {calls:,} calls; at most {MAX_CALLS:,} in one run",
            )
        )
    g = cfg.graph
    edges = graph_edges(g.kind, n, k=g.k, m=g.m, p=g.p, listed=len(g.edges or []))
    debates = sum(1 for r in rounds if r != "reflection")
    shown = edges * debates * questions * cfg.repeats
    if edges > MAX_EDGES:
        problems.append(
            (
                "graph",
                f"a {g.kind} graph of {n:,} agents has {edges:,} edges; at most {MAX_EDGES:,}",
            )
        )
    elif shown > MAX_SHOWN:
        problems.append(
            (
                "graph",
                f"a {g.kind} graph of {n:,} agents shows {shown:,} replies in the run's prompts; "
                f"at most {MAX_SHOWN:,} (fewer agents, rounds, questions or a sparser graph)",
            )
        )
    return problems


__all__ = [
    "MAX_AGENTS",
    "MAX_CALLS",
    "MAX_CELLS",
    "MAX_COUNT",
    "MAX_EDGES",
    "MAX_QUESTIONS",
    "MAX_REPEATS",
    "MAX_ROUNDS",
    "MAX_SHOWN",
    "check_scale",
    "graph_edges",
]
