"""The cells and tables a report is made of: a :class:`Section` per table, and cell formats."""

from __future__ import annotations

from dataclasses import dataclass, field


def pct(x: float | None) -> str:
    """``62.5%``, or ``–`` when undefined."""
    return "–" if x is None else f"{x:.1%}"


def num(x: float | None, digits: int = 2) -> str:
    """A number with ``digits`` decimals, or ``–`` when undefined."""
    return "–" if x is None else f"{x:,.{digits}f}"


def frac(x: float | None, hits: int, n: int) -> str:
    """``62.5% (5/8)``, or ``–`` when undefined."""
    return "–" if x is None else f"{pct(x)} ({hits}/{n})"


@dataclass
class Section:
    """One table: labelled rows, one cell per group."""

    title: str
    caption: str = ""
    rows: list[tuple[str, list[str]]] = field(default_factory=list)

    def add(self, label: str, cells: list[str]) -> None:
        """Add a row."""
        self.rows.append((label, cells))


__all__ = ["Section", "frac", "num", "pct"]
