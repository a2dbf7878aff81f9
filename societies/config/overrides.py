"""``--set key=value``: change one field of a config (or a sweep's base) from the command line.

``key`` is a dotted path into the YAML (``backends.local.kind``,
``agents.0.trait``: list items by index); ``value`` is read as YAML, so
``--set generation.max_tokens=64`` sets a number and
``--set 'backends.local={kind: openai, model: gpt-4o-mini, api_key_env: OPENAI_API_KEY}'``
replaces a whole backend. Missing mappings on the way are created. A relative
``path`` or ``table`` given this way (also inside a mapping value) is taken
relative to the current folder (not the config's), since that is where it was typed.

Replacing the whole ``task`` mapping (``--set 'task={name: mmlu, path: x.jsonl}'``,
or a sweep's ``set``/``grid`` on ``task``) keeps the old task's ``extraction``
(how answers are read and scored) unless the new mapping sets one, when the new
task has that rule: pointing a study's preset at other data keeps the study's
scoring. ``--set task.path=...`` changes only the path and keeps everything else.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from benchmarks.base import TASKS
from societies.config.yamlio import load_yaml_text, yaml_problem
from societies.errors import ConfigError
from sociolab.errors import SociolabError

PATH_KEYS = frozenset({"path", "table"})
"""Last keys whose relative values are made absolute against the current folder."""

KEPT_TASK_KEYS = ("extraction",)
"""Keys of ``task`` that a new whole ``task`` mapping inherits unless it sets them."""


def _accepts(task_name: object, key: str, value: Any) -> bool:
    """Whether the registered task ``task_name`` has field ``key`` and accepts ``value`` there."""
    spec = TASKS.get(task_name) if isinstance(task_name, str) else None
    if spec is None or key not in spec.model_fields:
        return False
    try:
        spec.model_validate({"name": task_name, key: value})
    except ValidationError as exc:  # only this field's problems matter here
        return not any(tuple(e["loc"][:1]) == (key,) for e in exc.errors())
    except SociolabError:
        return False
    return True


def kept_task(old: Any, new: Any) -> Any:
    """``new`` (a whole ``task`` value) with :data:`KEPT_TASK_KEYS` carried over from ``old``.

    A key is carried when ``old`` has it, ``new`` does not, and the task ``new``
    names has such a field that accepts the old value (``extraction: machinesom``
    goes from ``mmlu`` to ``chess`` or ``math``, which have that rule, but not to
    ``arithmetic``, which has not). Anything else is returned unchanged.
    """
    if not isinstance(old, dict) or not isinstance(new, dict):
        return new
    carried = {
        k: old[k]
        for k in KEPT_TASK_KEYS
        if k in old and k not in new and _accepts(new.get("name"), k, old[k])
    }
    return {**new, **carried} if carried else new


def _short(item: str) -> str:
    """``item`` quoted, shortened to fit on one line of an error."""
    text = repr(item)
    return text if len(text) <= 80 else text[:60] + "..." + text[-12:]


def parse_override(item: str) -> tuple[list[str], Any]:
    """Split ``a.b=value`` into (["a", "b"], parsed value).

    Raises:
        ConfigError: no ``=``, an empty key part, or a value that is not YAML.
    """
    key, sep, raw = item.partition("=")
    parts = key.strip().split(".")
    if not sep or not all(parts):
        raise ConfigError([f"--set {_short(item)}: expected KEY=VALUE with a dotted KEY (a.b.c=1)"])
    try:
        value = load_yaml_text(raw) if raw.strip() else ""
    except yaml.YAMLError as exc:
        raise ConfigError(
            [f"--set {_short(item)}: the value is not valid YAML: {yaml_problem(exc)}"]
        ) from None
    return parts, _absolute(parts[-1], value)


def _absolute(key: str, value: Any) -> Any:
    """``value`` with relative :data:`PATH_KEYS` paths (also inside mappings) made absolute."""
    if isinstance(value, dict):
        return {k: _absolute(str(k), v) for k, v in value.items()}
    if key in PATH_KEYS and isinstance(value, str) and value:
        p = Path(value).expanduser()
        return str(p if p.is_absolute() else (Path.cwd() / p).resolve())
    return value


def set_path(data: dict[str, Any], parts: Sequence[str], value: Any, *, label: str) -> None:
    """Set ``data[parts[0]][parts[1]]... = value`` in place, creating mappings on the way.

    A whole ``task`` keeps the old one's scoring keys (:func:`kept_task`).

    Raises:
        ConfigError: a step goes into a value that is neither a mapping nor a list,
            or a list index is not a valid integer.
    """
    node: Any = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        where = ".".join(parts[: depth + 1])
        if isinstance(node, dict):
            if last:
                node[part] = kept_task(node.get(part), value) if list(parts) == ["task"] else value
                return
            if part not in node or node[part] is None:
                node[part] = {}
            node = node[part]
        elif isinstance(node, list):
            index = int(part) if part.isdigit() else -1
            if not 0 <= index < len(node):
                raise ConfigError(
                    [f"{label}: {where}: {part!r} is not an index of a list of {len(node)}"]
                )
            if last:
                node[index] = value
                return
            node = node[index]
        else:
            raise ConfigError(
                [f"{label}: {where}: cannot go into {type(node).__name__} value {node!r}"]
            )


def apply_overrides(data: dict[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """A copy of ``data`` with each ``key=value`` applied in order.

    Raises:
        ConfigError: a malformed override or a path that cannot be followed.
    """
    if not overrides:
        return data
    out = copy.deepcopy(data)
    for item in overrides:
        parts, value = parse_override(item)
        set_path(out, parts, value, label=f"--set {_short(item)}")
    return out


__all__ = [
    "KEPT_TASK_KEYS",
    "PATH_KEYS",
    "apply_overrides",
    "kept_task",
    "parse_override",
    "set_path",
]
