"""Write a perf script's figures into its own marked section of ``benchmarks/perf/README.md``."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).with_name("README.md")


def write_figures(script: str, figures: str, readme: Path = README) -> None:
    """Replace the figures between ``script``'s markers, or append a ``## script`` section."""
    begin = f"<!-- {script} figures: written by benchmarks/perf/{script}.py -->"
    end = f"<!-- end of {script} figures -->"
    text = readme.read_text(encoding="utf-8")
    block = f"{begin}\n{figures.strip()}\n{end}"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        intro = f"`python benchmarks/perf/{script}.py`: see the script's docstring."
        text = f"{text.rstrip()}\n\n## {script}\n\n{intro}\n\n{block}\n"
    readme.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
