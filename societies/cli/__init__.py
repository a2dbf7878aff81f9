"""The ``sociolab`` command line: commands, replay view, progress displays, terminal rendering."""

from societies.cli.app import main

__all__ = ["main"]
