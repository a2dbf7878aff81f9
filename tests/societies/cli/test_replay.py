"""``sociolab replay``: golden output, selections, folding, plain text, --step, --follow."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from societies.cli.app import app
from societies.cli.replay import (
    FOLD_LINES,
    ReplayOptions,
    build_story,
    follow,
    pages,
    replay,
    step,
)
from societies.errors import ConfigError
from societies.transcript import Transcript, dump_event
from societies.transcript.synthetic import EpisodeAnswers, build_transcript, write_transcript

AGENTS = [("ada", "overconfident"), ("bo", "easy-going"), ("cy", "easy-going")]


def _transcript(**kw: object) -> Transcript:
    return build_transcript(
        AGENTS,
        ["initial", "debate"],
        [
            EpisodeAnswers(
                "q7",
                "B",
                [["B", "C", "A"], ["B", "B", None]],
                replies={(0, 1): "I think it is C.\nAnswer: C", (1, 2): "Hmm, not sure."},
            ),
            EpisodeAnswers("q8", "4", [["4", "4", "4"], ["4", "4", "5"]]),
            EpisodeAnswers("q7", "B", [["B", "B", "B"], ["B", "B", "B"]], repeat=1),
        ],
        **kw,  # type: ignore[arg-type]
    )


def _render(t: Transcript, opts: ReplayOptions | None = None, width: int = 72) -> str:
    buf = io.StringIO()
    replay(t, Console(file=buf, width=width), opts or ReplayOptions())
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n"


GOLDEN = """\
────────────────── question q7 · repeat 0 · episode 0 ──────────────────
question q7?
gold: B
round 0 · initial ──────────────────────────────────────────────────────
╭─ ada · overconfident · initial ──────────────────────────────────────╮
│ Answer: B                                                            │
│ finish stop · extraction synthetic                                   │
╰───────────────────────────────────────────────────────── answer B ✓ ─╯
╭─ bo · easy-going · initial ──────────────────────────────────────────╮
│ I think it is C.                                                     │
│ Answer: C                                                            │
│ finish stop · extraction synthetic                                   │
╰───────────────────────────────────────────────────────── answer C ✗ ─╯
╭─ cy · easy-going · initial ──────────────────────────────────────────╮
│ Answer: A                                                            │
│ finish stop · extraction synthetic                                   │
╰───────────────────────────────────────────────────────── answer A ✗ ─╯
consensus ░░░░░░░░░░░░ no two agree · decision none ✗ · 3 distinct

round 1 · debate ───────────────────────────────────────────────────────
╭─ ada · overconfident · debate ───────────────────────────────────────╮
│ Answer: B                                                            │
│ saw: bo, cy                                                          │
│ finish stop · extraction synthetic                                   │
╰───────────────────────────────────────────────────────── answer B ✓ ─╯
╭─ bo · easy-going · debate ───────────────────────────────────────────╮
│ Answer: B                                                            │
│ saw: ada, cy                                                         │
│ finish stop · extraction synthetic                                   │
╰──────────────────────────────────────────────────── answer C -> B ✓ ─╯
╭─ cy · easy-going · debate ───────────────────────────────────────────╮
│ Hmm, not sure.                                                       │
│ saw: ada, bo                                                         │
│ finish stop · extraction none                                        │
╰──────────────────────────────────────────── answer A -> no answer ✗ ─╯
consensus ████████░░░░ 2/3 on B · decision B ✓ · 2 distinct
"""


def test_golden_episode() -> None:
    out = _render(_transcript(), ReplayOptions(questions=frozenset({"q7"}), repeats=frozenset({0})))
    assert out == GOLDEN


def test_every_episode_and_round_in_order() -> None:
    out = _render(_transcript())
    heads = [line.strip("─ ") for line in out.splitlines() if line.startswith("───")]
    assert heads == [
        "question q7 · repeat 0 · episode 0",
        "question q8 · repeat 0 · episode 1",
        "question q7 · repeat 1 · episode 2",
    ]
    assert out.count("consensus ") == 6
    assert "consensus ████████████ 3/3 on 4 · decision 4 ✓ · 1 distinct" in out


def test_filters() -> None:
    t = _transcript()
    only_bo = _render(t, ReplayOptions(agents=frozenset({"bo"})))
    assert "─ bo · easy-going" in only_bo
    assert "─ ada ·" not in only_bo and "─ cy ·" not in only_bo
    assert only_bo.count("consensus ") == 6  # the society's bar is still shown
    round1 = _render(t, ReplayOptions(rounds=frozenset({1}), repeats=frozenset({1})))
    assert "round 1 · debate" in round1 and "round 0" not in round1
    assert "episode 2" in round1 and "episode 0" not in round1
    q8 = _render(t, ReplayOptions(questions=frozenset({"q8"})))
    assert "question q8" in q8 and "question q7" not in q8
    none = _render(t, ReplayOptions(questions=frozenset({"q8"}), repeats=frozenset({1})))
    assert "nothing to replay" in none


def test_unknown_filter_values_name_the_known_ones() -> None:
    with pytest.raises(ConfigError) as err:
        _render(_transcript(), ReplayOptions(agents=frozenset({"zed"}), rounds=frozenset({5})))
    assert err.value.problems == [
        "--agent: unknown value 'zed' (known: ada, bo, cy)",
        "--round: unknown value '5' (known: 0, 1)",
    ]


def test_long_replies_fold_unless_full() -> None:
    long_reply = "\n".join(f"step {i}" for i in range(40)) + "\nAnswer: 4"
    t = build_transcript(
        AGENTS,
        ["initial"],
        [EpisodeAnswers("q", "4", [["4", "4", "4"]], replies={(0, 0): long_reply})],
    )
    folded = _render(t)
    assert f"step {FOLD_LINES - 1}" in folded and f"step {FOLD_LINES} " not in folded
    assert f"… {41 - FOLD_LINES} more lines (--full / key e shows them)" in folded
    full = _render(t, ReplayOptions(full=True))
    assert "step 39" in full and "Answer: 4" in full and "more lines" not in full


def test_very_long_line_is_cut() -> None:
    t = build_transcript(
        AGENTS,
        ["initial"],
        [EpisodeAnswers("q", "4", [["4", "4", "4"]], replies={(0, 0): "x" * 100_000})],
    )
    out = _render(t, width=100)
    assert "more characters]" in out
    assert out.count("x") < 2_000


def test_hostile_reply_is_inert_even_in_a_terminal() -> None:
    evil = "[bold red]boom[/] \x1b[2J\x1b]0;pwned\x07 \x9b31m \u202eevil \ud800"
    t = build_transcript(
        AGENTS,
        ["initial"],
        [EpisodeAnswers("q", "\x1b[5m4", [["\x1b[5m4", "4", "4"]], replies={(0, 0): evil})],
    )
    buf = io.StringIO()
    replay(
        t,
        Console(file=buf, width=80, force_terminal=True, color_system="truecolor"),
        ReplayOptions(),
    )
    out = buf.getvalue()
    for seq in ("\x1b[2J", "\x1b]0;", "\x07", "\x9b", "\u202e", "\x1b[5m"):
        assert seq not in out
    assert "[bold red]boom[/]" in out and "␛[2J" in out
    out.encode("utf-8")


def test_plain_without_terminal_and_colour_with_one() -> None:
    t = _transcript()
    assert "\x1b" not in _render(t)
    buf = io.StringIO()
    replay(
        t,
        Console(file=buf, width=72, force_terminal=True, color_system="standard"),
        ReplayOptions(),
    )
    assert "\x1b[" in buf.getvalue()


def test_step_forward_and_back() -> None:
    story = build_story(_transcript())
    shown = pages(story, ReplayOptions())
    assert [(p.episode, p.round) for p in shown] == [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1)]
    keys: Iterator[str] = iter(["n", "n", "b", "G", "\x1b[D", "q"])
    buf = io.StringIO()
    views = step(story, Console(file=buf, width=72), ReplayOptions(), lambda: next(keys))
    out = buf.getvalue()
    indicators = [line.split("]")[0] + "]" for line in out.splitlines() if line.startswith("[")]
    assert indicators == ["[1/6]", "[2/6]", "[3/6]", "[2/6]", "[6/6]", "[5/6]"]
    assert views == 6


def test_step_ends_after_the_last_page() -> None:
    keys = iter(["n", "n", "n"])
    opts = ReplayOptions(questions=frozenset({"q8"}))
    assert (
        step(build_story(_transcript()), Console(file=io.StringIO()), opts, lambda: next(keys)) == 2
    )


def _lines(t: Transcript) -> list[str]:
    lines = [dump_event(t.header)] + [dump_event(x) for x in t.turns]
    if t.end is not None:
        lines.append(dump_event(t.end))
    return [line + "\n" for line in lines]


def test_follow_a_transcript_being_written(tmp_path: Path) -> None:
    t = _transcript()
    lines = _lines(t)
    path = tmp_path / "transcript.jsonl"
    chunks = [
        "".join(lines[:3]),  # header and two turns
        lines[3][:20],  # half a line: not shown until it is complete
        lines[3][20:] + "".join(lines[4:10]),
        "".join(lines[10:]),  # the rest and the end event
    ]
    writes = iter(chunks)

    def sleep(_: float) -> None:
        chunk = next(writes, None)
        if chunk is not None:
            with path.open("a", encoding="utf-8") as fh:
                fh.write(chunk)

    buf = io.StringIO()
    end = follow(path, Console(file=buf, width=100), ReplayOptions(), poll_s=0, sleep=sleep)
    assert end is not None and end.status == "complete"
    out = buf.getvalue()
    assert out.startswith("waiting for ")
    assert out.count("╭─ ") == len(t.turns)
    assert "q7 · rep 0 · round 1 · bo · easy-going · debate" in out
    assert "q7 · rep 0 · round 1 · consensus ████████░░░░ 2/3 on B" in out
    assert out.count("consensus ") == 6
    assert out.rstrip().endswith("run complete: 3 episodes, 18 turns")


def test_follow_survives_the_final_rewrite(tmp_path: Path) -> None:
    t = _transcript()
    lines = _lines(t)
    path = tmp_path / "transcript.jsonl"
    path.write_text("".join(lines[:8]), encoding="utf-8")
    steps = iter(["rewrite"])

    def sleep(_: float) -> None:
        if next(steps, None) == "rewrite":  # the run ends: the file is replaced in canonical order
            tmp = tmp_path / "new.jsonl"
            tmp.write_text("".join(lines), encoding="utf-8")
            os.replace(tmp, path)

    buf = io.StringIO()
    end = follow(
        path,
        Console(file=buf, width=100),
        ReplayOptions(agents=frozenset({"ada"})),
        poll_s=0,
        sleep=sleep,
    )
    assert end is not None
    out = buf.getvalue()
    assert out.count("╭─ ") == 6  # ada's 6 turns, each once
    assert "· bo ·" not in out


def test_follow_stops_when_asked(tmp_path: Path) -> None:
    polls = iter([False, True])
    end = follow(
        tmp_path / "transcript.jsonl",
        Console(file=io.StringIO()),
        ReplayOptions(),
        poll_s=0,
        sleep=lambda _: None,
        stop=lambda: next(polls),
    )
    assert end is None


def test_cli_replay_plain_and_errors(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    write_transcript(_transcript(), folder / "transcript.jsonl")
    runner = CliRunner()
    ok = runner.invoke(app, ["replay", str(folder), "--question", "q8", "--round", "1"])
    assert ok.exit_code == 0, ok.output
    assert "\x1b" not in ok.stdout
    assert "question q8 · repeat 0 · episode 1" in ok.stdout
    assert "answer 4 -> 5 ✗" in ok.stdout
    bad = runner.invoke(app, ["replay", str(folder), "--agent", "zed"])
    assert bad.exit_code == 2
    assert bad.output.strip() == "error: --agent: unknown value 'zed' (known: ada, bo, cy)"
    missing = runner.invoke(app, ["replay", str(tmp_path / "nothing")])
    assert missing.exit_code == 1
    assert missing.output.startswith("error: ") and len(missing.output.strip().splitlines()) == 1


def test_cli_step_reads_lines_when_stdin_is_not_a_terminal(tmp_path: Path) -> None:
    path = write_transcript(_transcript(), tmp_path / "transcript.jsonl")
    res = CliRunner().invoke(app, ["replay", str(path), "--step"], input="n\nb\nq\n")
    assert res.exit_code == 0, res.output
    assert [line[:5] for line in res.stdout.splitlines() if line.startswith("[")] == [
        "[1/6]",
        "[2/6]",
        "[1/6]",
    ]
    # each page shown alone starts with its question
    assert res.stdout.count("question q7 · repeat 0 · episode 0") == 3
