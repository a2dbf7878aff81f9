"""Reading YAML from users safely: bounded size, UTF-8, no duplicate keys, no bombs.

A config, a sweep or a ``--set`` value may be anything a user (or an accident)
hands us: a device, a FIFO, a huge file, another encoding, a document nested
thousands of levels deep or an alias bomb. Each of these ends in one
:class:`~societies.errors.ConfigError` line here, before anything is expanded.
"""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from societies.errors import ConfigError

MAX_BYTES = 2 << 20
"""Largest config or sweep file read (2 MiB: the largest shipped preset is a few KiB)."""

MAX_DEPTH = 64
"""Deepest nesting of mappings and lists (a config needs fewer than ten levels)."""

MAX_NODES = 100_000
"""Most values a document may hold once its aliases are expanded (an alias bomb holds billions)."""

_WIDE_BOMS = {
    codecs.BOM_UTF32_LE: "UTF-32",
    codecs.BOM_UTF32_BE: "UTF-32",
    codecs.BOM_UTF16_LE: "UTF-16",
    codecs.BOM_UTF16_BE: "UTF-16",
}


# libyaml's parser when PyYAML has it: it composes ~15x faster than the pure-Python one
# and without Python recursion, so a deep document cannot hit the recursion limit.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Limited(_Loader):  # type: ignore[valid-type, misc]
    """A safe loader that refuses duplicate keys (the checks of size run on the nodes)."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                key = self.construct_object(key_node, deep=True)
                if key in seen:
                    raise yaml.YAMLError(
                        f"line {key_node.start_mark.line + 1}: duplicate key {key!r}"
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _measure(root: Node) -> None:
    """Refuse a node tree nested too deep or too large once its aliases are expanded.

    Iterative (a deep tree must not exhaust the stack); an alias is a shared
    node, so each node is measured once and its size counted at every use.
    """
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    open_: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in size:
            continue
        kids = _children(node)
        line = node.start_mark.line + 1
        if not children_done:
            if key in open_:
                raise yaml.YAMLError(f"line {line}: a recursive alias")
            open_.add(key)
            stack.append((node, True))
            for kid in kids:
                if id(kid) in open_:
                    raise yaml.YAMLError(f"line {line}: a recursive alias")
                if id(kid) not in size:
                    stack.append((kid, False))
            continue
        open_.discard(key)
        size[key] = 1 + sum(size[id(k)] for k in kids)
        height[key] = 1 + max((height[id(k)] for k in kids), default=0)
        if height[key] > MAX_DEPTH:
            raise yaml.YAMLError(f"line {line}: nested deeper than {MAX_DEPTH} levels")
        if size[key] > MAX_NODES:
            raise yaml.YAMLError(
                f"line {line}: more than {MAX_NODES:,} values once aliases are expanded "
                "(an alias bomb?)"
            )


def yaml_problem(exc: yaml.YAMLError) -> str:
    """One line saying what is wrong with a YAML text and where."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        return f"{where}{exc.problem or exc.context or 'invalid YAML'}"
    if isinstance(exc, yaml.reader.ReaderError):
        return f"position {exc.position}: unacceptable character #x{exc.character:04x}"
    return " ".join(str(exc).split())


def load_yaml_text(text: str) -> Any:
    """Parse one YAML document with the limits of this module.

    Raises:
        yaml.YAMLError: invalid YAML, a duplicate key, too deep, or too many values.
    """
    loader = _Limited(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _measure(node)
        return loader.construct_document(node)
    except RecursionError:  # only the pure-Python parser recurses per level
        raise yaml.YAMLError(f"nested deeper than {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()


def read_text(path: Path) -> str:
    """A config file's text: a regular file of at most :data:`MAX_BYTES`, in UTF-8.

    A UTF-8 byte-order mark is accepted (and dropped).

    Raises:
        ConfigError: not a regular file, too large, unreadable, or not UTF-8.
    """
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            what = "a folder" if stat.S_ISDIR(info.st_mode) else "a device, FIFO or socket"
            raise ConfigError([f"{path}: not a regular file (it is {what})"])
        if info.st_size > MAX_BYTES:
            raise ConfigError(
                [f"{path}: too large ({info.st_size:,} bytes; a config may have {MAX_BYTES:,})"]
            )
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read: {(exc.strerror or str(exc)).lower()}"]) from None
    if len(data) > MAX_BYTES:
        raise ConfigError([f"{path}: too large (a config may have {MAX_BYTES:,} bytes)"])
    for bom, name in _WIDE_BOMS.items():
        if data.startswith(bom):
            raise ConfigError([f"{path}: the file is {name}; save it as UTF-8"])
    if b"\0" in data:
        raise ConfigError([f"{path}: not UTF-8 text (it holds NUL bytes: UTF-16 or binary?)"])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            [f"{path}: line {line}: not UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8"]
        ) from None


def read_yaml(path: Path) -> dict[str, Any]:
    """A YAML file's top-level mapping (read with :func:`read_text` and the loader's limits).

    Raises:
        ConfigError: the file cannot be read, is not YAML, or is not a mapping.
    """
    text = read_text(path)
    try:
        data = load_yaml_text(text)
    except yaml.YAMLError as exc:
        raise ConfigError([f"{path}: invalid YAML: {yaml_problem(exc)}"]) from None
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: expected a mapping of config fields at the top level"])
    return data


__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "load_yaml_text",
    "read_text",
    "read_yaml",
    "yaml_problem",
]
