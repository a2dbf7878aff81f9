"""``sociolab replay``: a transcript, episode by episode and round by round, in the terminal.

The package's modules, one job each:

- :mod:`.story`: the story as data (each turn with its previous turn, the peers'
  replies it saw, whether it changed or conformed, truncation and fallback marks);
- :mod:`.filters`: the options (selections, filters, what to unfold) and their checks;
- :mod:`.render`: rich renderables (the question with its options, turn panels,
  consensus and coalition lines);
- :mod:`.pages`: rounds as pages and moving between them;
- :mod:`.keys`, :mod:`.viewer`: the interactive view (``--step``) and its keys;
- :mod:`.follow`: ``--follow`` on a run in progress;
- :mod:`.plain`: the printed replay and finding a run's transcript.
"""

from societies.cli.replay.filters import ReplayOptions, check_options, keeps
from societies.cli.replay.follow import follow
from societies.cli.replay.keys import Command, command_of, line_reader
from societies.cli.replay.pages import Page, find, pages
from societies.cli.replay.plain import replay, resolve_transcript
from societies.cli.replay.render import FOLD_LINES, consensus_bar, turn_panel
from societies.cli.replay.story import Story, build_story
from societies.cli.replay.viewer import step

__all__ = [
    "FOLD_LINES",
    "Command",
    "Page",
    "ReplayOptions",
    "Story",
    "build_story",
    "check_options",
    "command_of",
    "consensus_bar",
    "find",
    "follow",
    "keeps",
    "line_reader",
    "pages",
    "replay",
    "resolve_transcript",
    "step",
    "turn_panel",
]
