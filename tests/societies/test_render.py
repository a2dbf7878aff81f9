"""Safe rendering: hostile model text prints as inert text and never crashes."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import pytest
from matplotlib.figure import Figure
from rich.console import Console
from rich.panel import Panel

from societies.render import MAX_LINE, clean, fold, md_text, one_line, plot_text, safe_text
from societies.transcript import load_transcript

HOSTILE = {
    "markup": "[bold red]alarm[/bold red] [link=http://evil]x[/link] :smile:",
    "csi": "before\x1b[2J\x1b[31mred\x1b[0mafter",
    "osc_title": "\x1b]0;pwned\x07title",
    "osc_hyperlink": "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\",
    "c1_csi": "\x9b2J\x9d0;t\x9c",
    "controls": "bell\x07 back\x08space nul\x00 del\x7f vt\x0b ff\x0c",
    "carriage_return": "safe text\rEVIL",
    "bidi": "abc\u202edcba\u2066x\u2069",
    "surrogate": "lone \ud800 surrogate",
    "line_separator": "one\u2028two",
}


def _visible_controls(text: str) -> list[str]:
    return [ch for ch in text if unicodedata.category(ch) == "Cc" and ch != "\n"]


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_clean_leaves_no_control_characters(name: str) -> None:
    out = clean(HOSTILE[name])
    assert _visible_controls(out) == []
    assert not any(ch in out for ch in "\u202e\u2066\u2069\u2028")
    out.encode("utf-8")  # no lone surrogates left


def test_escape_sequences_stay_visible_as_text() -> None:
    assert clean("\x1b[31mred") == "␛[31mred"
    assert clean("a\x07b") == "a␇b"
    assert clean("\x9b2J") == "<U+009B>2J"
    assert clean("x\u202ey") == "x<U+202E>y"
    assert clean("a\r\nb\rc") == "a\nb\nc"
    assert clean("a\tb") == "a   b"


def test_invalid_utf8_bytes_are_replaced() -> None:
    assert clean(b"ok \xff\xfe \xc3( end") == "ok \ufffd\ufffd \ufffd( end"


def test_very_long_line_is_cut() -> None:
    line = "x" * 5_000_000
    out = clean(line)
    assert out.startswith("x" * MAX_LINE)
    assert out.endswith(f"[{5_000_000 - MAX_LINE:,} more characters]")
    assert len(out) < MAX_LINE + 100
    assert len(clean(line, max_line=None)) == 5_000_000


def test_fold_and_one_line() -> None:
    text = "\n".join(f"line {i}" for i in range(10))
    shown, hidden = fold(text, 3)
    assert shown == "line 0\nline 1\nline 2" and hidden == 7
    assert fold("short", 3) == ("short", 0)
    assert one_line("a\nb\x1b", 10) == "a⏎b␛"
    assert one_line("x" * 50, 10) == "x" * 9 + "…"


def _render(obj: object, *, terminal: bool) -> str:
    buf = io.StringIO()
    console = Console(
        file=buf,
        width=60,
        force_terminal=terminal,
        color_system="truecolor" if terminal else None,
    )
    console.print(obj)
    return buf.getvalue()


@pytest.mark.parametrize("name", sorted(HOSTILE))
@pytest.mark.parametrize("terminal", [False, True])
def test_hostile_text_prints_inert_in_a_panel(name: str, terminal: bool) -> None:
    out = _render(
        Panel(safe_text(HOSTILE[name]), title=safe_text(HOSTILE[name])), terminal=terminal
    )
    if not terminal:
        assert "\x1b" not in out
    # whatever rich adds for its own styles, none of the payload's sequences get through
    for seq in ("\x1b[2J", "\x1b]", "\x07", "\x08", "\x9b", "\x00", "\r", "\u202e"):
        assert seq not in out
    out.encode("utf-8")


def test_markup_is_printed_literally() -> None:
    out = _render(safe_text(HOSTILE["markup"]), terminal=True)
    assert "[bold red]alarm[/bold red]" in out
    assert ":smile:" in out  # no emoji substitution either


def test_markdown_cell_is_escaped() -> None:
    cell = md_text("a | b <script>x</script> [link](http://e) *bold*\nnext")
    assert "|" not in cell.replace("\\|", "")
    assert "<" not in cell.replace("\\<", "")
    assert "\n" not in cell
    assert cell.startswith("a \\| b")


def test_plot_label_with_dollars_and_controls_renders() -> None:
    label = plot_text("cost $x^{2}$ \x1b[31m $ unbalanced")
    assert "\x1b" not in label
    fig = Figure()
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], label=label)
    ax.set_title(label)
    ax.legend()
    fig.savefig(io.BytesIO(), format="png")


def test_transcript_with_invalid_utf8_can_be_read(tmp_path: Path) -> None:
    from societies.transcript.synthetic import EpisodeAnswers, build_transcript, write_transcript

    t = build_transcript(
        [("a", "x"), ("b", "y")],
        ["initial"],
        [EpisodeAnswers("q", "1", [["1", "1"]], replies={(0, 0): "MARKER"})],
    )
    path = write_transcript(t, tmp_path / "transcript.jsonl")
    path.write_bytes(path.read_bytes().replace(b"MARKER", b"bad \xff\xfe bytes"))
    loaded = load_transcript(path)
    assert loaded.turns[0].reply == "bad \ufffd\ufffd bytes"
    assert len(loaded.turns) == 2 and loaded.end is not None
