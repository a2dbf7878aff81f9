"""The interactive replay (``--step``) driven by scripted keys, and ``--follow``'s waiting state."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

from rich.console import Console

from societies.cli.replay import ReplayOptions, build_story, follow, step
from societies.transcript import dump_event
from tests.societies.cli.test_replay_story import _story_transcript


def _drive(keys: list[str], opts: ReplayOptions | None = None, *, lines: bool = False) -> list[str]:
    """Run the view on the scripted keys; returns each screen (page, status line, footer)."""
    it: Iterator[str] = iter(keys)
    buf = io.StringIO()
    step(
        build_story(_story_transcript()),
        Console(file=buf, width=100),
        opts or ReplayOptions(),
        lambda: next(it, "q"),
        lines=lines,
    )
    screens, current = [], []
    for line in buf.getvalue().splitlines():
        current.append(line)
        if line.startswith("m messages · p peers"):
            screens.append("\n".join(current))
            current = []
    return screens


def _status(screen: str) -> str:
    return next(line for line in screen.splitlines() if line.startswith("["))


def test_m_and_p_toggle_messages_and_peers_on_the_same_page() -> None:
    screens = _drive(["n", "m", "p", "m", "p"])
    assert [_status(s).split(" · ")[0] for s in screens] == [
        "[1/9] episode 0",
        "[2/9] episode 0",
        "[2/9] episode 0",
        "[2/9] episode 0",
        "[2/9] episode 0",
        "[2/9] episode 0",
    ]
    assert "▸ sent" not in screens[1] and "saw: ada, cy" in screens[1]
    assert "▸ sent: 1 message" in screens[2] and "▸ peers'" not in screens[2]
    assert "showing messages" in _status(screens[2])
    assert "▸ sent: 1 message" in screens[3] and "▸ peers' replies it saw (round 0)" in screens[3]
    assert "Lyon is a city in France. Answer: C" in screens[3]  # bo's round-0 reply, seen by ada
    assert "showing messages, peers" in _status(screens[3])
    assert "▸ sent" not in screens[4] and "▸ peers' replies" in screens[4]
    assert "▸" not in screens[5]


def test_filter_keys_narrow_the_pages_and_x_clears_them() -> None:
    screens = _drive(["w", "n", "c", "f", "x"])
    assert _status(screens[1]).startswith("[1/4] episode 0 · round 0 · filters: wrong")
    assert _status(screens[2]).startswith("[2/4] episode 2 · round 0")
    assert _status(screens[3]).startswith("[1/1] episode 2 · round 1 · filters: wrong · changed")
    statuses = _status(screens[4])
    assert statuses.startswith("[1/1] episode 2 · round 1 · filters: wrong · changed · conformity")
    assert _status(screens[5]).startswith("[8/9] episode 2 · round 1")
    assert "filters" not in _status(screens[5])


def test_a_filter_that_keeps_nothing_says_so_and_can_be_undone() -> None:
    screens = _drive(["/", "nowhere", "/", ""], lines=True)
    assert _status(screens[1]).startswith("[0/0] nothing to replay")
    assert "search 'nowhere'" in _status(screens[1])
    assert _status(screens[2]).startswith("[1/9] episode 0 · round 0")


def test_search_typed_key_by_key_with_backspace() -> None:
    screens = _drive(["/", "c", "x", "\x7f", "i", "t", "y", "\r"])
    assert _status(screens[1]).startswith("[1/1] episode 0 · round 0 · filters: search 'city'")


def test_jump_and_question_keys() -> None:
    screens = _drive(["j", "2", "\r", "[", "]", "]", "j", "q2", "\r", "j", "zz", "\r", "G", "g"])
    heads = [_status(s).split(" · round")[0] for s in screens]
    assert heads == [
        "[1/9] episode 0",
        "[7/9] episode 2",  # j 2: episode 2
        "[4/9] episode 1",  # [: previous question
        "[7/9] episode 2",  # ]
        "[7/9] episode 2",  # ] on the last question stays
        "[4/9] episode 1",  # j q2: question q2's first episode
        "[4/9] episode 1",  # j zz: unknown
        "[9/9] episode 2",
        "[1/9] episode 0",
    ]
    assert "'zz': no such question or episode" in _status(screens[6])
    hidden = _drive(["w", "j", "1", "\r"])
    assert "'1': hidden by the filters or selections" in _status(hidden[2])


def test_help_and_unknown_keys() -> None:
    screens = _drive(["?", "x", "z"])
    assert "replay keys" in screens[1] and "toggle the peers' replies" in screens[1]
    assert "unknown key (? shows the keys)" in _status(screens[2])


def _lines(path: Path) -> list[str]:
    t = _story_transcript()
    return [dump_event(e) + "\n" for e in (t.header, *t.turns, t.end) if e is not None]


def test_follow_says_how_many_turns_it_waits_for(tmp_path: Path) -> None:
    path = tmp_path / "transcript.jsonl"
    lines = _lines(path)
    chunks = iter(["".join(lines[:4]), "", "".join(lines[4:28]), "", "".join(lines[28:])])

    def sleep(_: float) -> None:
        chunk = next(chunks, None)
        if chunk:
            with path.open("a", encoding="utf-8") as fh:
                fh.write(chunk)

    buf = io.StringIO()
    end = follow(path, Console(file=buf, width=100), ReplayOptions(), poll_s=0, sleep=sleep)
    assert end is not None
    waits = [line for line in buf.getvalue().splitlines() if line.startswith("waiting for turns")]
    # planned: 2 questions x 2 repeats x 3 agents x 3 rounds
    assert waits == ["waiting for turns (3/36) …", "waiting for turns (27/36) …"]
    assert "conforms to the majority (F->T)" in buf.getvalue()
    assert "⚠ truncated ⚠ fallback" in buf.getvalue()


def test_follow_in_a_terminal_shows_a_live_waiting_line(tmp_path: Path) -> None:
    path = tmp_path / "transcript.jsonl"
    lines = _lines(path)
    chunks = iter(["".join(lines[:4]), "", "".join(lines[4:])])

    def sleep(_: float) -> None:
        chunk = next(chunks, None)
        if chunk:
            with path.open("a", encoding="utf-8") as fh:
                fh.write(chunk)

    buf = io.StringIO()
    console = Console(file=buf, width=100, force_terminal=True, color_system=None)
    follow(path, console, ReplayOptions(agents=frozenset({"ada"})), poll_s=0, sleep=sleep)
    assert "waiting for turns (3/36)" in buf.getvalue()


def test_follow_with_filters_prints_kept_rounds_whole(tmp_path: Path) -> None:
    path = tmp_path / "transcript.jsonl"
    path.write_text("".join(_lines(path)), encoding="utf-8")
    buf = io.StringIO()
    opts = ReplayOptions(changed=True, conformity=True)
    follow(path, Console(file=buf, width=100), opts, poll_s=0, sleep=lambda _: None)
    out = buf.getvalue()
    assert out.count("╭─ ") == 6  # rounds (episode 0, round 2) and (episode 2, round 1), whole
    assert out.count("consensus ") == 2
    assert "q1 · rep 0 · round 2 · consensus" in out and "q1 · rep 1 · round 1 · consensus" in out


def test_e_unfolds_long_replies() -> None:
    t = _story_transcript()
    long_reply = "\n".join(f"step {i}" for i in range(30))
    turns = [x.model_copy(update={"reply": long_reply}) if x.episode == 0 else x for x in t.turns]
    story = build_story(type(t)(t.header, turns, t.end))
    keys = iter(["e", "e"])
    buf = io.StringIO()
    step(story, Console(file=buf, width=100), ReplayOptions(), lambda: next(keys, "q"))
    screens = buf.getvalue().split("m messages · p peers")
    assert (
        "… 18 more lines (--full / key e shows them)" in screens[0] and "step 29" not in screens[0]
    )
    assert "step 29" in screens[1] and "more lines" not in screens[1]
    assert "showing full" in screens[1]
    assert "… 18 more lines" in screens[2]
