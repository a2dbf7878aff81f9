"""A coalition's skill table: what each member scores on each stage, read from and written to files.

``sociolab calibrate`` measures the table (:mod:`societies.engine.calibrate`);
``protocol.routing.table`` names its file and ``protocol.routing.skills`` adds or
overrides entries inline.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from protocols.coalition import Skill, SkillTable
from societies.config.coalition import CoalitionSpec, SkillEntry
from societies.errors import ConfigError

TABLE_FORMAT = "sociolab-skills/1"

_ENTRIES: TypeAdapter[list[SkillEntry]] = TypeAdapter(list[SkillEntry])


@dataclass(frozen=True)
class LoadedTable:
    """The skill table in use: entries, where they came from, and a digest of them."""

    entries: list[SkillEntry]
    source: str | None
    digest: str

    @property
    def table(self) -> SkillTable:
        """The entries as a :class:`SkillTable`."""
        return SkillTable(
            (e.member, e.stage, e.category, Skill(e.accuracy, e.tokens, e.n)) for e in self.entries
        )


def _digest(entries: Sequence[SkillEntry]) -> str:
    blob = json.dumps([e.model_dump(mode="json") for e in entries], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def read_table_file(path: Path) -> list[SkillEntry]:
    """The entries of a skill-table file (JSON or YAML: ``{entries: [...]}`` or a list).

    Raises:
        ConfigError: the file is missing (with the calibrate hint) or malformed.
    """
    where = "protocol.routing.table"
    if not path.exists():
        raise ConfigError(
            [
                f"{where}: {path} does not exist: measure the members with "
                "`sociolab calibrate CONFIG` (it writes this file)"
            ]
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError([f"{where}: {path}: cannot read: {exc}"]) from None
    raw = data.get("entries") if isinstance(data, dict) else data
    try:
        return _ENTRIES.validate_python(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise ConfigError([f"{path}: entries.{loc}: {first['msg']}"]) from None


def load_table(spec: CoalitionSpec) -> LoadedTable:
    """The table file's entries (if any) overridden by the inline ``skills``.

    Raises:
        ConfigError: the table file is missing or malformed.
    """
    entries: dict[tuple[str, str, str], SkillEntry] = {}
    path = spec.routing.table
    if path is not None:
        for e in read_table_file(path):
            entries[(e.member, e.stage, e.category)] = e
    for e in spec.routing.skills:
        entries[(e.member, e.stage, e.category)] = e
    merged = [entries[k] for k in sorted(entries)]
    return LoadedTable(merged, str(path) if path else None, _digest(merged))


def write_table_file(path: Path, entries: Sequence[SkillEntry], meta: Mapping[str, Any]) -> None:
    """Write a skill table (JSON) that ``protocol.routing.table`` can reference."""
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "format": TABLE_FORMAT,
        **meta,
        "entries": [e.model_dump(mode="json") for e in entries],
    }
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


__all__ = ["TABLE_FORMAT", "LoadedTable", "load_table", "read_table_file", "write_table_file"]
