"""The perf scripts' README writer: a script's figures replace only its own marked block."""

from __future__ import annotations

from pathlib import Path

from benchmarks.perf.readme import write_figures


def test_figures_are_appended_then_replaced_in_place(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# perf\n\nkept text\n", encoding="utf-8")
    write_figures("alpha", "| a | 1 |", readme)
    write_figures("beta", "| b | 2 |", readme)
    write_figures("alpha", "| a | 3 |", readme)
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# perf\n\nkept text\n\n## alpha\n")
    assert "| a | 1 |" not in text and "| a | 3 |" in text and "| b | 2 |" in text
    assert text.count("## alpha") == 1 and text.index("| a | 3 |") < text.index("## beta")
    assert text.endswith("<!-- end of beta figures -->\n")
