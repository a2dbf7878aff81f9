"""Provider registry: a plain dict filled by ``@register("kind")``.

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
from agents.errors import BackendConfigError, MissingDependencyError

PROVIDERS: dict[str, type[Provider]] = {}

P = TypeVar("P", bound=type[Provider])


def register(kind: str) -> Callable[[P], P]:
    """Class decorator that registers a provider class under ``kind``."""

    def deco(cls: P) -> P:
        cls.kind = kind
        PROVIDERS[kind] = cls
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
    cls = PROVIDERS.get(spec.kind)
    if cls is None:
        known = ", ".join(sorted(PROVIDERS))
        raise BackendConfigError(f"unknown backend kind {spec.kind!r} (known: {known})")
    return cls.from_spec(spec, name=name)
