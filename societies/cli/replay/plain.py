"""The plain replay (no ``--step``): every kept round printed in order, and finding the transcript."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.text import Text

from societies.cli.replay.filters import ReplayOptions, check_options
from societies.cli.replay.pages import pages
from societies.cli.replay.story import build_story
from societies.cli.replay.viewer import NOTHING
from societies.errors import TranscriptError
from societies.transcript import TRANSCRIPT, Transcript, find_transcripts


def replay(t: Transcript, console: Console, opts: ReplayOptions) -> int:
    """Print the whole replay; returns the number of rounds shown.

    Raises:
        ConfigError: a selected question, repeat, episode, agent or round is not in the run.
    """
    check_options(t.header, opts, [x.episode for x in t.turns])
    shown = pages(build_story(t), opts)
    for page in shown:
        console.print(page.renderable)
    if not shown:
        console.print(Text(NOTHING, style="dim"))
    return len(shown)


def resolve_transcript(path: Path, *, must_exist: bool = True) -> Path:
    """The transcript a replay reads: the file itself, or the one in a run folder.

    With ``must_exist`` False (``--follow``), a path that is not a file yet is
    taken as the transcript when it ends in ``.jsonl``, else as its run folder.

    Raises:
        TranscriptError: no transcript there, or a sweep folder with several.
    """
    if not must_exist and not path.is_file():
        return path if path.suffix == ".jsonl" else path / TRANSCRIPT
    found = find_transcripts([path])
    if len(found) > 1:
        raise TranscriptError(f"{path}: holds {len(found)} transcripts; name one (e.g. {found[0]})")
    return found[0]


__all__ = ["replay", "resolve_transcript"]
