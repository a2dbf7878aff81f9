"""Help text with plain metavars (``CONFIG``, ``PATH``, ``N``), never Python types.

Typer's plain help writes each value's Python type (``--set <list[str]>``,
``--out <path>``) and wraps required arguments in braces (``{CONFIG}``). Every
command is built with :class:`PlainCommand`, whose options and arguments show
their ``metavar`` when one is set and otherwise a plain word derived from the type.
"""

from __future__ import annotations

from typing import Any, get_args, get_origin

import typer.core
from typer import _click

_WORDS: dict[type, str] = {int: "N", float: "X", str: "TEXT", bool: "BOOL"}


def plain_metavar(param: typer.core.TyperArgument | typer.core.TyperOption) -> str:
    """The word standing for a parameter's value in help: its metavar, else one from its type."""
    if param.metavar is not None:
        return param.metavar
    if isinstance(param, typer.core.TyperArgument):
        return (param.name or "value").upper()
    desc = param.type_descriptor
    if desc.is_choice and desc.choices is not None:
        return "|".join(str(getattr(c, "value", c)) for c in desc.choices)
    if desc.is_path:
        name = param.name or ""
        return "DIR" if name.endswith(("dir", "dirs")) else "PATH"
    annotation: Any = desc.annotation
    if get_origin(annotation) is list:
        (annotation,) = get_args(annotation)  # repeatable: the help says so
    return _WORDS.get(annotation, "VALUE")


class PlainArgument(typer.core.TyperArgument):
    """An argument shown as ``NAME`` (``[NAME]`` when optional, ``NAME...`` for many)."""

    def display_type_rich(self, ctx: _click.Context) -> str | None:
        """No type after the name: the name is the metavar."""
        return None

    def _rich_display_name(self) -> str:
        name = plain_metavar(self)
        return f"{name}..." if self.nargs != 1 else name

    def _usage_display_name(self) -> str:
        name = self._rich_display_name()
        return name if self.required else f"[{name}]"


class PlainOption(typer.core.TyperOption):
    """An option whose value is shown as its metavar or a plain word (``--out DIR``)."""

    def display_type_rich(self, ctx: _click.Context) -> str | None:
        """The metavar, or a word for the type (``N``, ``PATH``, ``a|b``)."""
        return plain_metavar(self)


class PlainCommand(typer.core.TyperCommand):
    """A command whose help shows plain metavars (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            # Same state, other display methods: the classes add no attributes.
            if type(param) is typer.core.TyperArgument:
                param.__class__ = PlainArgument
            elif type(param) is typer.core.TyperOption:
                param.__class__ = PlainOption


__all__ = ["PlainArgument", "PlainCommand", "PlainOption", "plain_metavar"]
