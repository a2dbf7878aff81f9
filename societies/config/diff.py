"""Which fields of a config changed, and whether each change would change a run's results.

``--resume`` and sweep extension compare the config a run was started with (its
transcript header holds it, resolved) with the config given now. Each changed
field is classified:

- ``results``: recorded turns would have come out differently (the model, the
  prompts, seeds, the task, sampling, protocol, agents, decision ...). Every
  field not known to be harmless counts as this (conservative by design).
- ``extends``: more repeats: the recorded episodes stay valid and new ones are added.
- ``none``: how the run executes or is accounted (prices, concurrency, budget,
  threads, retries, cache, the run's name), or how the analysis scores it (applied
  to every turn alike).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Effect = Literal["results", "extends", "none"]

ABSENT = "<absent>"
"""How a field that one side does not have is shown."""

TOP_LEVEL_HARMLESS = {
    "name": "a label",
    "concurrency": "execution",
    "cache": "execution",
    "budget": "execution",
    "scoring": "scoring, applied to every turn alike",
}
"""Top-level config fields whose changes leave every recorded turn valid (field -> why)."""

BACKEND_HARMLESS = {
    "retry": "execution",
    "max_concurrency": "execution",
    "requests_per_second": "execution",
    "timeout_s": "execution",
    "startup_timeout_s": "execution",
    "api_key_env": "execution",
    "n_parallel": "execution",
    "threads": "execution",
    "max_batch": "execution",
    "max_wait_ms": "execution",
    "prefix_cache_mb": "execution",
    "latency_ms": "execution (simulated time)",
    "price_per_1m_prompt_tokens": "cost accounting",
    "price_per_1m_completion_tokens": "cost accounting",
}
"""Fields of a backend (config or identity) whose changes leave replies as they were."""


@dataclass(frozen=True)
class FieldChange:
    """One changed field: its dotted path, both values, and what the change does."""

    path: str
    old: Any
    new: Any
    effect: Effect
    why: str = ""

    def line(self) -> str:
        """``path: old -> new (what it does)``, values shortened."""
        if self.effect == "results":
            note = "changes results"
        elif self.effect == "extends":
            note = "adds episodes; recorded ones stay"
        else:
            note = f"does not change results: {self.why}"
        return f"{self.path}: {_show(self.old)} -> {_show(self.new)} ({note})"


@dataclass(frozen=True)
class ConfigDiff:
    """Every changed field between a recorded config and the current one."""

    changes: tuple[FieldChange, ...] = ()

    @property
    def changes_results(self) -> bool:
        """Whether any change would change recorded results (the run must not continue)."""
        return any(c.effect == "results" for c in self.changes)

    def __bool__(self) -> bool:
        return bool(self.changes)

    def lines(self) -> list[str]:
        """One line per change, those that change results first."""
        ordered = sorted(self.changes, key=lambda c: c.effect != "results")
        return [c.line() for c in ordered]


def _show(value: Any, limit: int = 60) -> str:
    if value is ABSENT:
        return str(value)
    text: str = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    if len(text) <= limit:
        return text
    # A long string is most often a path, which differs at its end: keep the end.
    return "…" + text[-(limit - 1) :] if isinstance(value, str) else text[: limit - 1] + "…"


def _walk(old: Any, new: Any, path: str) -> Iterator[tuple[str, Any, Any]]:
    """(path, old, new) of every leaf that differs; lists of equal length are walked by index."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in list(old) + [k for k in new if k not in old]:
            sub = f"{path}.{key}" if path else str(key)
            yield from _walk(old.get(key, ABSENT), new.get(key, ABSENT), sub)
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            yield from _walk(a, b, f"{path}[{i}]")
    elif old != new:
        yield path, old, new


def classify(path: str, old: Any, new: Any) -> tuple[Effect, str]:
    """What changing the field at ``path`` from ``old`` to ``new`` does (and why, if harmless)."""
    parts = [p for p in re.split(r"[.\[\]]", path) if p]
    top = parts[0] if parts else ""
    if top in TOP_LEVEL_HARMLESS:
        return "none", TOP_LEVEL_HARMLESS[top]
    if top == "repeats":
        grows = isinstance(old, int) and isinstance(new, int) and new > old
        return ("extends", "") if grows else ("results", "")
    if top == "backends" and len(parts) >= 3:
        field = parts[3] if parts[2] == "identity" and len(parts) >= 4 else parts[2]
        if field in BACKEND_HARMLESS:
            return "none", BACKEND_HARMLESS[field]
    return "results", ""


def diff_configs(old: Mapping[str, Any], new: Mapping[str, Any], *, prefix: str = "") -> ConfigDiff:
    """Every changed field between two resolved configs (JSON dicts), each classified.

    Args:
        old: the recorded config (a transcript header's ``config``).
        new: the current config (:meth:`ExperimentConfig.resolved`).
        prefix: put before every path (e.g. ``backends.local.identity``).
    """
    return ConfigDiff(
        tuple(FieldChange(p, a, b, *classify(p, a, b)) for p, a, b in _walk(old, new, prefix))
    )


def merge(diffs: Sequence[ConfigDiff]) -> ConfigDiff:
    """The changes of several diffs, a path listed once (the first diff's entry wins)."""
    seen: set[str] = set()
    out: list[FieldChange] = []
    for d in diffs:
        for c in d.changes:
            if c.path not in seen:
                seen.add(c.path)
                out.append(c)
    return ConfigDiff(tuple(out))


__all__ = [
    "ABSENT",
    "BACKEND_HARMLESS",
    "TOP_LEVEL_HARMLESS",
    "ConfigDiff",
    "Effect",
    "FieldChange",
    "classify",
    "diff_configs",
    "merge",
]
