"""Prompt sets as data: YAML files of templates, by name or path, resolved for one task.

A set file::

    name: machinesom
    description: one line
    source: where the texts come from (a study's code, its commit, its licence)
    base: sociolab            # optional: start from another set (a user's file defaults to sociolab)
    only_tasks: true          # optional: refuse tasks without a section below
    defaults: {...}           # fields of TaskPrompts for every task
    tasks:                    # per task name: fields that replace the defaults
      mmlu: {...}

A config selects a set with ``prompts: NAME``, ``prompts: path/to/set.yaml`` or a mapping
``{base: NAME-or-path, <field>: <template>, ...}`` that overrides fields one by one.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from protocols.prompts.model import TaskPrompts
from sociolab.registry import Registry

BUILTIN_DIR = Path(__file__).resolve().parent
DEFAULT_SET = "sociolab"

PROMPT_SETS: Registry[Path] = Registry("prompt set")
"""Prompt-set name -> its YAML file (the built-in ones, and any a plugin registers)."""
for _path in sorted(BUILTIN_DIR.glob("*.yaml")):
    PROMPT_SETS.register(_path.stem, _path)

_FILE_KEYS = {
    "name", "description", "source", "base", "only_tasks", "defaults", "tasks", "coalition_stages"
}  # fmt: skip


def _is_path(ref: str) -> bool:
    return "/" in ref or ref.endswith((".yaml", ".yml"))


@lru_cache(maxsize=64)
def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read prompt set {path}: {exc.strerror or exc}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ValueError(
            f"prompt set {path} is not valid YAML: {str(exc).splitlines()[0]}"
        ) from None
    if not isinstance(data, dict):
        raise ValueError(f"prompt set {path} must be a mapping (name, defaults, tasks)")
    unknown = sorted(set(data) - _FILE_KEYS)
    if unknown:
        raise ValueError(
            f"prompt set {path}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_FILE_KEYS))})"
        )
    return data


def _locate(ref: str, base_dir: Path | None) -> tuple[str, Path]:
    if _is_path(ref):
        path = Path(ref).expanduser()
        if not path.is_absolute() and base_dir is not None:
            path = (base_dir / path).resolve()
        if not path.is_file():
            raise ValueError(f"prompt set file {path} does not exist")
        return str(path), path
    if ref not in PROMPT_SETS:
        raise ValueError(PROMPT_SETS.unknown(ref) + " (or give a path to a .yaml file)")
    return ref, PROMPT_SETS[ref]


def _fields(ref: str, task: str, base_dir: Path | None, depth: int = 0) -> dict[str, Any]:
    """The merged template fields of set ``ref`` for ``task`` (its bases first)."""
    if depth > 8:
        raise ValueError(f"prompt set {ref!r}: bases nest more than 8 deep (a cycle?)")
    name, path = _locate(ref, base_dir)
    data = _read(path)
    base = data.get("base", None if name == DEFAULT_SET else DEFAULT_SET)
    tasks = data.get("tasks") or {}
    if not isinstance(tasks, dict) or not isinstance(data.get("defaults") or {}, dict):
        raise ValueError(f"prompt set {name}: defaults and tasks must be mappings")
    if data.get("only_tasks") and task not in tasks:
        raise ValueError(
            f"prompt set {name!r} has texts for the tasks {', '.join(sorted(tasks))} only, "
            f"not {task!r}"
        )
    fields = _fields(str(base), task, path.parent, depth + 1) if base else {}
    fields.update(data.get("defaults") or {})
    fields.update(tasks.get(task) or {})
    fields["name"] = name
    return fields


def resolve_prompts(
    ref: str | Mapping[str, Any] | None, task: str, base_dir: Path | None = None
) -> TaskPrompts:
    """The prompts a config's ``prompts`` field selects, for the run's task.

    Args:
        ref: a set name, a path to a set file, or ``{base: name-or-path, field: template, ...}``
            (None: the ``sociolab`` set).
        task: the task's name (selects the set's section for it).
        base_dir: the folder relative paths are read from (the config's).

    Raises:
        ValueError: one line: unknown set, unreadable file, a task the set has no texts for,
            an unknown field, or a template with a placeholder its field does not provide.
    """
    overrides: dict[str, Any] = {}
    if ref is None:
        ref = DEFAULT_SET
    elif isinstance(ref, Mapping):
        overrides = dict(ref)
        ref = str(overrides.pop("base", DEFAULT_SET))
    fields = _fields(ref, task, base_dir)
    fields.update(overrides)
    unknown = sorted(set(fields) - set(TaskPrompts.model_fields))
    if unknown:
        known = ", ".join(f for f in TaskPrompts.model_fields if f != "name")
        raise ValueError(f"{unknown[0]}: unknown prompt field (known: {known})")
    try:
        return TaskPrompts.model_validate(fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise ValueError(f"{where}: {msg}" if where else msg) from None


def describe_sets() -> list[tuple[str, str]]:
    """(name, description) of every registered prompt set."""
    out = []
    for name in PROMPT_SETS.names():
        try:
            out.append((name, str(_read(PROMPT_SETS[name]).get("description", ""))))
        except ValueError as exc:
            out.append((name, f"(unreadable: {exc})"))
    return out


def coalition_stages(ref: str = DEFAULT_SET) -> tuple[tuple[str, str, str], ...]:
    """A set's default coalition stages: (name, prompt template, what it passes on) each.

    Raises:
        ValueError: the set has no well-formed ``coalition_stages`` list.
    """
    # The built-in set is read directly: this runs at import time, before plugins load.
    path = BUILTIN_DIR / f"{DEFAULT_SET}.yaml" if ref == DEFAULT_SET else _locate(ref, None)[1]
    stages = _read(path).get("coalition_stages")
    if not isinstance(stages, list) or not stages:
        raise ValueError(f"prompt set {ref!r} has no coalition_stages list")
    try:
        return tuple((str(s["name"]), str(s["prompt"]), str(s["passes"])) for s in stages)
    except (TypeError, KeyError) as exc:
        raise ValueError(
            f"prompt set {ref!r}: coalition_stages must list name, prompt, passes"
        ) from exc


@lru_cache(maxsize=8)
def default_prompts(task: str = "") -> TaskPrompts:
    """The ``sociolab`` set for ``task`` (what a turn uses when no set is given)."""
    return resolve_prompts(None, task)


__all__ = [
    "BUILTIN_DIR",
    "DEFAULT_SET",
    "PROMPT_SETS",
    "default_prompts",
    "describe_sets",
    "resolve_prompts",
]
