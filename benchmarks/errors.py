"""Errors raised while loading tasks: the ``TaskError`` branch of :mod:`sociolab.errors`."""

from sociolab.errors import TaskDataError, TaskError

__all__ = ["TaskDataError", "TaskError"]
