"""What ``sociolab validate`` checks in a sweep beyond its configs: each cell's data and graph."""

from __future__ import annotations

from societies.config.bounds import check_scale
from societies.engine.graph import graph_warnings
from societies.errors import USER_ERRORS, ConfigError
from societies.sweeps.spec import SweepPlan


def _cells(names: list[str]) -> str:
    return f"cell {names[0]}" + (f" and {len(names) - 1} more" if len(names) > 1 else "")


def check_cells(plan: SweepPlan) -> list[str]:
    """Read every cell's questions (each distinct task once) and check its scale; return the
    graph warnings, one line per cell that has one.

    Raises:
        ConfigError: one line per problem (a missing or malformed data file, a run over a
            bound), naming the cells it occurs in.
    """
    counts: dict[str, int | str] = {}  # task spec -> its number of questions, or the error
    problems: dict[str, list[str]] = {}
    warnings: list[str] = []
    for cell in plan.cells:
        key = cell.config.task.model_dump_json()
        if key not in counts:
            try:
                counts[key] = len(cell.config.task.build().questions())
            except USER_ERRORS as exc:
                counts[key] = " ".join(str(exc).split())
        n = counts[key]
        found = (
            [n]
            if isinstance(n, str)
            else [f"{field}: {msg}" for field, msg in check_scale(cell.config, n)]
        )
        for problem in found:
            problems.setdefault(problem, []).append(cell.name)
        warnings += [f"cell {cell.name}: {w}" for w in graph_warnings(cell.config)]
    if problems:
        raise ConfigError([f"{plan.source} ({_cells(c)}): {p}" for p, c in problems.items()])
    return warnings


__all__ = ["check_cells"]
