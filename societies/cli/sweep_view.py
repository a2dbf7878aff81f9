"""Terminal tables for sweeps and calibrations."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from societies.engine.calibrate import CalibrationResult
from societies.render import one_line, safe_text
from societies.sweeps.outcomes import SweepResult


def render_outcomes(result: SweepResult, console: Console) -> None:
    """One row per cell (status, turns, calls, attempts, first error), then the call totals."""
    table = Table(title="sweep cells", title_justify="left")
    for col, justify in (
        ("cell", "left"),
        ("status", "left"),
        ("turns", "right"),
        ("calls", "right"),
        ("attempts", "right"),
        ("first error", "left"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for c in result.cells:
        style = "green" if c.status in ("complete", "skipped") else "red"
        table.add_row(
            safe_text(c.name),
            Text(c.status, style=style),
            str(c.turns) if c.status != "skipped" else "–",
            str(c.calls) if c.status != "skipped" else "–",
            str(c.attempts) if c.status != "skipped" else "–",
            safe_text(one_line(c.errors[0], 100)) if c.errors else "",
        )
    console.print(table)
    done = sum(c.status in ("complete", "skipped") for c in result.cells)
    skipped = sum(c.status == "skipped" for c in result.cells)
    console.print(
        f"{done}/{len(result.cells) + result.remaining} cells complete ({skipped} finished before); "
        f"{result.requests:,} calls asked, {result.calls_made:,} made, "
        f"{result.shared:,} shared between cells or cached",
        markup=False,
        highlight=False,
    )
    for old, new in result.adopted:
        console.print(
            safe_text(f"cell {new} continues the run recorded as cell {old} (folder renamed)"),
            highlight=False,
        )
    if result.orphans:
        names = ", ".join(result.orphans[:3]) + (
            f" and {len(result.orphans) - 3} more" if len(result.orphans) > 3 else ""
        )
        console.print(
            safe_text(
                f"{len(result.orphans)} folder(s) in cells/ are not cells of this sweep file "
                f"(left out of its report): {names}"
            ),
            highlight=False,
        )
    if result.remaining:
        console.print(
            f"{result.remaining} cells left for later: run the same command again to continue",
            markup=False,
            highlight=False,
        )


def render_skills(result: CalibrationResult, console: Console) -> None:
    """The measured skill table: accuracy and tokens per member, stage and category."""
    table = Table(
        title=f"skills on {result.questions} calibration questions (reference: {result.reference})",
        title_justify="left",
    )
    for col in ("member", "stage", "category", "accuracy", "tokens", "n"):
        table.add_column(col, justify="right" if col in ("accuracy", "tokens", "n") else "left")
    for e in result.entries:
        table.add_row(
            safe_text(e.member),
            safe_text(e.stage),
            safe_text(e.category),
            f"{e.accuracy:.1%}",
            f"{e.tokens:,.1f}",
            str(e.n),
        )
    console.print(table)
    console.print(
        f"wrote {result.path} ({result.requests:,} calls asked, {result.calls_made:,} made)",
        markup=False,
        highlight=False,
    )


__all__ = ["render_outcomes", "render_skills"]
