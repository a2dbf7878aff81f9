"""The backend-kind registry: ``@register("kind", SpecClass)`` on a provider class.

Built-in providers and plugins register the same way; a config's
``backends.NAME.kind`` is checked against :data:`BACKENDS` when it is validated.

Provider modules import only light packages at module level; heavy optional
ones (torch, transformers) are imported through :func:`require`, which fails
with the exact ``pip install`` line when they are missing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import TypeVar

from agents.backends.base import BackendSpec, Provider
from agents.errors import MissingDependencyError
from sociolab.registry import Registry

BACKENDS: Registry[type[Provider]] = Registry("backend kind")
"""Backend kind -> provider class (whose ``spec_class`` is its config model)."""

PROVIDERS = BACKENDS  # the older name

P = TypeVar("P", bound=type[Provider])


def register(kind: str, spec: type[BackendSpec]) -> Callable[[P], P]:
    """Class decorator: register a provider class as backend ``kind``, configured by ``spec``.

    ``spec`` must declare ``kind: Literal["<kind>"] = "<kind>"``.
    """

    def deco(cls: P) -> P:
        cls.kind = kind
        cls.spec_class = spec
        BACKENDS.register(kind, cls)
        return cls

    return deco


def require(module: str, *, extra: str) -> ModuleType:
    """Import an optional dependency or explain how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"this backend needs the package {module!r}: pip install 'sociolab[{extra}]'"
        ) from exc


def create_provider(spec: BackendSpec, *, name: str) -> Provider:
    """Build the provider that ``spec`` describes; ``name`` is its key in the config."""
    return BACKENDS[spec.kind].from_spec(spec, name=name)
