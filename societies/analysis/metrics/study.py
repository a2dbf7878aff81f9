"""MachineSoM's statistics on a society x strategy grid: gated ANOVA and W-T.

As the study's ``evaluate.py`` (``anova``/``main_split_anova`` and
``win_lose``) does them, on the per-repeat final-round accuracy of each cell
(one society with one strategy) under the study's society answer
(``machinesom_final_accuracy``):

- **Significance**: for each society, the strategies are compared; for each
  strategy, the societies are compared. Each test is Levene's test
  (median-centred, scipy's default as in the study) and, only when its p-value
  is not below 0.05, a one-way ANOVA; otherwise the result says why there is
  none. The study sums correct items per repeat rather than taking the share;
  with the same number of items in every repeat (the study's 50) the two give
  the same p-values.
- **W-T** (win-tie): for each society and each strategy other than the
  all-debate one (``000``), the number of repeats in which the strategy's
  accuracy is at least that of ``000`` in the same repeat; summed over
  societies per strategy and over strategies per society.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from societies.analysis.metrics.stats import Significance, gated_compare

Cell = tuple[str, str]
"""(society, strategy)."""


@dataclass(frozen=True)
class GridTest:
    """One of the study's tests: ``across`` compared, with the other factor fixed at ``given``."""

    across: str
    given: str
    groups: list[str]
    result: Significance


@dataclass(frozen=True)
class WinTie:
    """W-T counts against the all-debate strategy.

    Attributes:
        baseline: the all-debate strategy (``000`` for three rounds).
        by_cell: (society, strategy) -> repeats at least as accurate as the baseline.
        pairs: (society, strategy) -> repeats compared (present in both cells).
        by_strategy: strategy -> W-T summed over societies.
        by_society: society -> W-T summed over strategies.
    """

    baseline: str
    by_cell: dict[Cell, int]
    pairs: dict[Cell, int]
    by_strategy: dict[str, int]
    by_society: dict[str, int]


def grid_tests(cells: Mapping[Cell, Mapping[int, float]]) -> list[GridTest]:
    """Per society across strategies, then per strategy across societies (study order)."""
    societies = list(dict.fromkeys(s for s, _ in cells))
    strategies = sorted({k for _, k in cells})
    out = []
    for soc in societies:
        samples = {k: list(cells[(soc, k)].values()) for k in strategies if (soc, k) in cells}
        out.append(GridTest("strategy", soc, list(samples), gated_compare(samples)))
    for k in strategies:
        samples = {s: list(cells[(s, k)].values()) for s in societies if (s, k) in cells}
        out.append(GridTest("society", k, list(samples), gated_compare(samples)))
    return out


def win_tie(cells: Mapping[Cell, Mapping[int, float]]) -> WinTie | None:
    """W-T of every strategy against the all-debate one (None when no cell has it)."""
    strategies = sorted({k for _, k in cells})
    baseline = next((k for k in strategies if k and set(k) == {"0"}), None)
    if baseline is None:
        return None
    by_cell: dict[Cell, int] = {}
    pairs: dict[Cell, int] = {}
    for (soc, k), values in cells.items():
        base = cells.get((soc, baseline))
        if k == baseline or base is None:
            continue
        common = sorted(set(values) & set(base))
        pairs[(soc, k)] = len(common)
        by_cell[(soc, k)] = sum(values[r] >= base[r] for r in common)
    by_strategy = {k: 0 for k in strategies if k != baseline}
    by_society: dict[str, int] = {}
    for (soc, k), n in by_cell.items():
        by_strategy[k] += n
        by_society[soc] = by_society.get(soc, 0) + n
    return WinTie(baseline, by_cell, pairs, by_strategy, by_society)


@dataclass(frozen=True)
class StudyGrid:
    """The study's tests and W-T, or a note saying why the runs do not form its grid."""

    measure: str
    tests: list[GridTest]
    win_tie: WinTie | None
    note: str = ""


def study_grid(cells: Mapping[Cell, Mapping[int, float]], measure: str) -> StudyGrid:
    """Tests and W-T of ``measure``'s per-repeat values in each (society, strategy) cell."""
    return StudyGrid(measure, grid_tests(cells), win_tie(cells))


__all__ = ["Cell", "GridTest", "StudyGrid", "WinTie", "grid_tests", "study_grid", "win_tie"]
