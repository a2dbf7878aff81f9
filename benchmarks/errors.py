"""Errors raised while loading tasks."""


class TaskError(Exception):
    """Base class: a task could not be loaded (missing file, bad row, unknown subject)."""


class TaskDataError(TaskError):
    """A data file is missing or malformed; the message names the file and line."""
