"""``sociolab report``: tables in the terminal, report.md, metrics.csv/.parquet, PNG plots.

Everything is computed by :mod:`societies.analysis.metrics` from transcripts only. The
tables come from :mod:`societies.analysis.tables`, so the terminal and report.md
show the same numbers; groups (of runs) are columns side by side.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from societies.analysis.labels import distinct_labels
from societies.analysis.metrics import (
    CSV_COLUMNS,
    GROUP_KEYS,
    Metrics,
    Run,
    compute_metrics,
    metric_rows,
    metrics_json,
)
from societies.analysis.scoring import TruncatedMode
from societies.analysis.tables import (
    Section,
    sections,
    significance_section,
    study_section,
    warnings,
)
from societies.analysis.ways import WAYS_HEADERS, ways_section
from societies.errors import SociolabError
from societies.render import md_text, one_line, safe_text
from societies.transcript import find_transcripts, load_transcript


class ReportError(SociolabError):
    """A report cannot be written (e.g. the output folder is not writable)."""


HEADER_WIDTH = 60
"""Group labels longer than this lose the words all groups share (never the differing part)."""


def _table(s: Section, headers: Sequence[str]) -> Table:
    table = Table(
        title=Text(s.title, style="bold"),
        caption=Text(s.caption) if s.caption else None,
        title_justify="left",
        caption_justify="left",
    )
    table.add_column("")
    for h in distinct_labels([one_line(h, 1000) for h in headers], HEADER_WIDTH):
        table.add_column(safe_text(h), justify="right", overflow="fold")
    for label, cells in s.rows:
        table.add_row(safe_text(one_line(label, 100)), *(safe_text(c) for c in cells))
    return table


def render_report(metrics: Metrics, console: Console) -> None:
    """Print every table of the report on ``console``."""
    headers = [g.label for g in metrics.groups]
    for w in warnings(metrics):
        console.print(safe_text(f"warning: {w}", "bold yellow"))
    ways = ways_section(metrics.overall.runs, metrics.truncated)
    if ways is not None:
        console.print(_table(ways, WAYS_HEADERS))
    for s in sections(metrics):
        console.print(_table(s, headers))
    for sig in _tests(metrics):
        console.print(_table(sig, TEST_HEADERS))


TEST_HEADERS = ("groups", "Levene W (p)", "ANOVA F (p)", "note")


def _tests(metrics: Metrics) -> list[Section]:
    """MachineSoM's grid tests first, then the pooled view (each when there is one)."""
    return [s for s in (study_section(metrics), significance_section(metrics)) if s is not None]


def _md_table(s: Section, headers: Sequence[str]) -> list[str]:
    lines = [f"### {md_text(s.title)}", ""]
    if s.caption:
        lines += [md_text(s.caption, 300), ""]
    lines.append("| | " + " | ".join(md_text(h) for h in headers) + " |")
    lines.append("|---|" + "---:|" * len(headers))
    for label, cells in s.rows:
        lines.append(f"| {md_text(label)} | " + " | ".join(md_text(c) for c in cells) + " |")
    return [*lines, ""]


def markdown(metrics: Metrics, plots: Sequence[Path] = ()) -> str:
    """report.md: the groups, every table, the plots and the significance tests."""
    lines = ["# sociolab report", ""]
    for g in metrics.groups:
        lines.append(
            f"- **{md_text(g.label)}**: "
            + ", ".join(f"{k} {md_text(v)}" for k, v in g.keys.items())
        )
        for r in g.runs:
            lines.append(f"  - `{md_text(str(r.path) if r.path else r.header.name, 300)}`")
    lines.append("")
    for w in warnings(metrics):
        lines += [f"> **Warning:** {md_text(w, 500)}", ""]
    ways = ways_section(metrics.overall.runs, metrics.truncated)
    if ways is not None:
        lines += _md_table(ways, WAYS_HEADERS)
    headers = [g.label for g in metrics.groups]
    for s in sections(metrics):
        lines += _md_table(s, headers)
    for sig in _tests(metrics):
        lines += _md_table(sig, TEST_HEADERS)
    if plots:
        lines += ["## plots", ""]
        lines += [f"![{md_text(p.stem)}]({p.name})" for p in plots]
        lines.append("")
    return "\n".join(lines)


def _csv_value(v: Any) -> Any:
    if isinstance(v, str):
        return one_line(v, 1000)
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def write_csv(metrics: Metrics, path: Path) -> Path:
    """metrics.csv: :func:`~societies.analysis.metrics.metric_rows`, undefined values empty."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(CSV_COLUMNS))
        w.writeheader()
        for row in metric_rows(metrics):
            w.writerow({k: _csv_value(v) for k, v in row.items()})
    return path


def write_parquet(metrics: Metrics, path: Path) -> Path | None:
    """metrics.parquet (same rows as the CSV) when pyarrow is installed, else None."""
    if importlib.util.find_spec("pyarrow") is None:
        return None
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{k: _csv_value(v) for k, v in row.items()} for row in metric_rows(metrics)]
    schema = pa.schema(
        [(c, pa.string()) for c in ("group", *GROUP_KEYS)]
        + [("round", pa.int64()), ("pattern", pa.string()), ("measure", pa.string())]
        + [("subject", pa.string())]
        + [(c, pa.float64()) for c in ("value", "mean", "std", "ci_low", "ci_high")]
        + [("repeats", pa.int64())]
    )
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    return path


def _finite_json(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _finite_json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite_json(v) for v in obj]
    return obj


def to_json(metrics: Metrics) -> str:
    """The ``--json`` output: one JSON object (ASCII only, so it is inert in a terminal)."""
    return json.dumps(_finite_json(metrics_json(metrics)), ensure_ascii=True, allow_nan=False)


def load_runs(paths: Sequence[Path]) -> list[Run]:
    """Read the transcripts named by ``paths`` (files, run folders or sweep folders).

    Raises:
        TranscriptError: a path holds no readable transcript.
    """
    return [Run(load_transcript(p), p, i) for i, p in enumerate(find_transcripts(list(paths)))]


def default_out_dir(paths: Sequence[Path]) -> Path:
    """Where files go without ``--out``: the run (or sweep) folder; for several, their common parent."""
    folders = [p.parent if p.is_file() else p for p in paths]
    if len(folders) == 1:
        return folders[0]
    return Path(os.path.commonpath([f.resolve() for f in folders]))


@dataclass(frozen=True)
class ReportResult:
    """What :func:`make_report` computed and wrote."""

    metrics: Metrics
    files: list[Path]


def write_files(metrics: Metrics, out_dir: Path, *, plots: bool = True) -> list[Path]:
    """Write report.md, metrics.csv (and .parquet) and the plots into ``out_dir``.

    Raises:
        ReportError: the folder or a file cannot be written.
    """
    from societies.analysis.plots import write_plots

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        images = write_plots(metrics, out_dir) if plots else []
        files = [write_csv(metrics, out_dir / "metrics.csv")]
        parquet = write_parquet(metrics, out_dir / "metrics.parquet")
        if parquet is not None:
            files.append(parquet)
        md = out_dir / "report.md"
        md.write_text(markdown(metrics, images), encoding="utf-8")
    except OSError as exc:
        where = exc.filename or out_dir
        raise ReportError(f"{where}: cannot write the report: {exc.strerror or exc}") from None
    return [md, *files, *images]


def make_report(
    paths: Sequence[Path],
    *,
    by: Sequence[str] = GROUP_KEYS,
    out_dir: Path | None = None,
    write: bool = True,
    plots: bool = True,
    truncated: TruncatedMode | None = None,
) -> ReportResult:
    """Load the runs, compute the metrics and (unless ``write`` is False) write the files.

    ``truncated`` scores answers from truncated replies for every run (``keep`` or
    ``no-answer``); None: each run's own ``scoring.truncated``.

    Raises:
        ConfigError: ``by`` names an unknown key.
        TranscriptError: a path holds no readable transcript.
        ReportError: the files cannot be written.
    """
    runs = load_runs(paths)
    metrics = compute_metrics(runs, by, truncated)
    files: list[Path] = []
    if write:
        files = write_files(metrics, out_dir or default_out_dir(paths), plots=plots)
    return ReportResult(metrics, files)


__all__ = [
    "ReportError",
    "ReportResult",
    "default_out_dir",
    "load_runs",
    "make_report",
    "markdown",
    "render_report",
    "to_json",
    "write_csv",
    "write_files",
    "write_parquet",
]
