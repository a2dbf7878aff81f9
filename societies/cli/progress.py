"""Rich progress displays for runs (episodes, turns, tokens, errors) and sweeps (cells, turns)."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Self

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from societies.transcript import TurnEvent

if TYPE_CHECKING:
    from societies.sweeps.outcomes import CellOutcome


class RichDisplay:
    """A rich progress display on stderr, used as a context manager (shared set-up)."""

    def __init__(self, console: Console | None = None, *, remaining: bool = False) -> None:
        """Draw on ``console`` (default: stderr); ``remaining`` adds a time-left column."""
        self.console = console or Console(stderr=True)
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[info]}"),
            TimeElapsedColumn(),
            *([TimeRemainingColumn()] if remaining else []),
            console=self.console,
            transient=False,
        )

    def __enter__(self) -> Self:
        self.progress.start()
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.progress.stop()


class ProgressMonitor(RichDisplay):
    """Implements :class:`societies.engine.experiment.RunMonitor` with a rich progress bar."""

    def __init__(self, console: Console | None = None) -> None:
        """Draw on ``console`` (default: stderr)."""
        super().__init__(console, remaining=True)
        self.tokens = 0
        self.errors = 0
        self.cached = 0
        self._episodes: TaskID | None = None
        self._turns: TaskID | None = None
        self._starting: dict[str, TaskID] = {}

    def started(self, episodes: int, turns: int, already_done: int) -> None:
        """Create the two bars."""
        self._episodes = self.progress.add_task("episodes", total=episodes, info="")
        self._turns = self.progress.add_task("turns", total=turns, completed=already_done, info="")

    def backend_start(self, name: str, what: str, done: bool) -> None:
        """A row while a backend starts (a model loading), removed when it has started."""
        if done:
            row = self._starting.pop(name, None)
            if row is not None:
                self.progress.remove_task(row)
        elif name not in self._starting:
            self._starting[name] = self.progress.add_task(f"{name}: {what}", total=None, info="")

    def _info(self) -> str:
        return f"tokens {self.tokens:,}  cached {self.cached:,}  errors {self.errors}"

    def turn(self, event: TurnEvent) -> None:
        """Advance the turn bar and the token count."""
        self.tokens += event.usage.total_tokens
        self.cached += int(event.cached)
        if self._turns is not None:
            self.progress.update(self._turns, advance=1, info=self._info())

    def episode(self, ok: bool) -> None:
        """Advance the episode bar; count failures."""
        self.errors += 0 if ok else 1
        if self._episodes is not None:
            self.progress.update(self._episodes, advance=1, info=f"errors {self.errors}")


class SweepProgress(RichDisplay):
    """A rich display of a sweep: cells done, turns done, tokens, calls shared."""

    def __init__(self, console: Console | None = None) -> None:
        """Draw on ``console`` (default: stderr)."""
        super().__init__(console)
        self.tokens = 0
        self.cached = 0
        self.failed = 0
        self._cells: TaskID | None = None
        self._turns: TaskID | None = None

    def started(self, cells: int) -> None:
        """The sweep starts with ``cells`` cells."""
        self._cells = self.progress.add_task("cells", total=cells, info="")
        self._turns = self.progress.add_task("turns", total=0, info="")

    def cell_started(self, turns: int, already_done: int) -> None:
        """A cell starts: its turns join the total."""
        if self._turns is not None:
            task = self.progress.tasks[self._turns]
            total = (task.total or 0) + turns
            self.progress.update(self._turns, total=total, advance=already_done)

    def turn(self, event: TurnEvent) -> None:
        """A turn of some cell completed."""
        self.tokens += event.usage.total_tokens
        self.cached += int(event.cached)
        if self._turns is not None:
            info = f"tokens {self.tokens:,}  shared/cached {self.cached:,}"
            self.progress.update(self._turns, advance=1, info=info)

    def set_turns(self, done: int) -> None:
        """Set the turns done directly (the Ray executor polls the cells' transcripts)."""
        if self._turns is not None:
            self.progress.update(self._turns, completed=done, total=None)

    def cell_done(self, outcome: CellOutcome) -> None:
        """A cell finished (or was skipped, or failed)."""
        self.failed += outcome.status not in ("complete", "skipped")
        if self._cells is not None:
            self.progress.update(self._cells, advance=1, info=f"not complete {self.failed}")
