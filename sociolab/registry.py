"""Named registries of what sociolab can be extended with, and plugin loading.

Each concept (backend kinds, task kinds, round patterns, ...) has one
:class:`Registry`, kept in the package that owns the concept. Built-ins register
exactly the way a plugin does::

    PATTERNS.register("critique", Critique)        # or as a decorator

Plugins are modules that register things when imported. They are found in two
places: the entry-point group ``sociolab.plugins`` of installed distributions
(loaded once, the first time any registry is queried) and the ``plugins:`` list
of a config (:func:`load_plugins`).
"""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Generic, TypeVar, overload

from sociolab.errors import ConfigError

ENTRY_POINT_GROUP = "sociolab.plugins"

T = TypeVar("T")
_entry_points_loaded = False


class UnknownNameError(ConfigError, KeyError):
    """A name no registry entry has; the message lists the known names."""

    def __str__(self) -> str:
        return "\n".join(self.problems)


class Registry(Mapping[str, T], Generic[T]):
    """Names -> items of one kind (a read-only mapping plus :meth:`register`).

    Args:
        what: what the names name, for messages ("backend kind").
    """

    def __init__(self, what: str) -> None:
        self.what = what
        self._items: dict[str, T] = {}

    @overload
    def register(self, name: str) -> Callable[[T], T]: ...

    @overload
    def register(self, name: str, item: T) -> T: ...

    def register(self, name: str, item: T | None = None) -> T | Callable[[T], T]:
        """Register ``item`` under ``name``; without ``item``, a decorator that does so.

        A later registration of the same name replaces the earlier one (a plugin
        may override a built-in on purpose).
        """
        if item is not None:
            self._items[name] = item
            return item

        def deco(obj: T) -> T:
            self._items[name] = obj
            return obj

        return deco

    def names(self) -> list[str]:
        """Every registered name (plugins loaded), sorted."""
        load_entry_points()
        return sorted(self._items)

    def unknown(self, name: object) -> str:
        """The message for a name that is not registered."""
        return f"unknown {self.what} {name!r} (known: {', '.join(self.names())})"

    def check(self, name: str) -> str:
        """``name`` itself when it is registered: a field validator (``AfterValidator(REG.check)``).

        Raises:
            ValueError: an unknown name; the message lists the known ones.
        """
        if name not in self:
            raise ValueError(self.unknown(name))
        return name

    def __getitem__(self, name: str) -> T:
        """The item registered as ``name``.

        Raises:
            UnknownNameError: no such name; the message lists the known ones.
        """
        load_entry_points()
        try:
            return self._items[name]
        except KeyError:
            raise UnknownNameError([self.unknown(name)]) from None

    def __contains__(self, name: object) -> bool:
        load_entry_points()
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        load_entry_points()
        return len(self._items)

    def __repr__(self) -> str:
        return f"Registry({self.what!r}: {', '.join(sorted(self._items))})"


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".splitlines()[0]


def load_plugins(modules: Iterable[str]) -> None:
    """Import plugin modules by dotted path (a config's ``plugins:`` list).

    Importing a module twice is a no-op, so this may be called for every config.

    Raises:
        ConfigError: one line per module that failed to import, naming it and why.
    """
    problems = []
    for module in modules:
        try:
            importlib.import_module(module)
        except Exception as exc:  # any failure of foreign code is reported, not raised
            problems.append(f"plugin {module!r} failed to import: {_reason(exc)}")
    if problems:
        raise ConfigError(problems)


def load_entry_points() -> None:
    """Load every ``sociolab.plugins`` entry point, once per process.

    An entry point names a module (``mine = "my_pkg.sociolab_plugin"``) whose import
    registers its kinds, or a callable in it (``"my_pkg.plugin:setup"``) that is called.

    Raises:
        ConfigError: one line per entry point that failed, naming it and why.
    """
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True  # set first: a plugin may query a registry while loading
    problems = []
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            obj = ep.load()
            if callable(obj):
                obj()
        except Exception as exc:
            problems.append(f"plugin entry point {ep.name!r} ({ep.value}) failed: {_reason(exc)}")
    if problems:
        raise ConfigError(problems)


__all__ = [
    "ENTRY_POINT_GROUP",
    "Registry",
    "UnknownNameError",
    "load_entry_points",
    "load_plugins",
]
