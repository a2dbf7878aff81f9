"""Turn pydantic validation errors into one readable line per problem."""

from __future__ import annotations

import types
import typing
from typing import Any, Union

from pydantic import BaseModel, ValidationError

from sociolab.specs import concrete_model


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types an annotation may hold (Optional, Annotated, unions unwrapped)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return [t for a in typing.get_args(annotation) for t in _unwrap(a)]
    return [annotation]


def _step(annotation: Any, key: Any, data: Any, *, last: bool = False) -> tuple[Any, bool]:
    """Follow one location element; returns (new annotation, whether key is a real path part).

    ``data`` is the value at ``annotation``'s place: a registry-chosen model
    (a backend, a task, ...) is resolved from its kind there.
    """
    for t in _unwrap(annotation):
        origin = typing.get_origin(t)
        if isinstance(t, type) and issubclass(t, BaseModel):
            t = concrete_model(t, data)
            if isinstance(key, str) and key in t.model_fields:
                return t.model_fields[key].annotation, True
            # A discriminated-union tag (pydantic puts it in the location): skip it.
            # A tag is never the last element (an unknown key equal to a tag is).
            for tag in ("kind", "name") if not last else ():
                field = t.model_fields.get(tag)
                if field is not None and typing.get_args(field.annotation) == (key,):
                    return t, False
        elif origin in (list, tuple) and isinstance(key, int):
            args = typing.get_args(t)
            return (args[0] if args else Any), True
        elif origin is dict and isinstance(key, str):
            return typing.get_args(t)[1], True
    return Any, True


def _known_fields(annotation: Any, data: Any) -> list[str]:
    for t in _unwrap(annotation):
        if isinstance(t, type) and issubclass(t, BaseModel):
            return list(concrete_model(t, data).model_fields)
    return []


def _child(data: Any, key: Any) -> Any:
    """``data[key]`` where it exists (the data follows the error's location), else None."""
    if isinstance(data, dict):
        return data.get(key)
    if isinstance(data, list | tuple) and isinstance(key, int) and 0 <= key < len(data):
        return data[key]
    if isinstance(data, BaseModel) and isinstance(key, str):
        return getattr(data, key, None)
    return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def format_validation_error(
    exc: ValidationError, data: Any, model: type[BaseModel], source: str
) -> list[str]:
    """One ``source: path: message (got value)`` line per error."""
    lines = []
    for err in exc.errors(include_url=False):
        annotation: Any = model
        parts: list[str] = []
        parent: Any = model
        node, parent_node = data, data
        loc = err["loc"]
        for i, key in enumerate(loc):
            parent, parent_node = annotation, node
            annotation, real = _step(annotation, key, node, last=i == len(loc) - 1)
            if real:
                parts.append(f"[{key}]" if isinstance(key, int) else f".{key}")
                node = _child(node, key)
        path = "".join(parts).lstrip(".") or "(top level)"
        kind = err["type"]
        if kind == "extra_forbidden":
            known = ", ".join(_known_fields(parent, parent_node))
            msg = f"unknown field (known: {known})"
        elif kind == "missing":
            msg = "required field is missing"
        elif kind == "union_tag_invalid":
            ctx = err.get("ctx", {})
            tag = str(ctx.get("discriminator", "kind")).strip("'")
            tag = "kind" if tag.endswith("()") else tag  # a callable discriminator
            msg = f"unknown {tag} {ctx.get('tag')!r} (known: {ctx.get('expected_tags')})"
        elif kind == "union_tag_not_found":
            ctx = err.get("ctx", {})
            msg = f"missing {str(ctx.get('discriminator', 'kind')).strip(chr(39))} field"
        elif kind in ("cross_field", "unknown_name", "plugin_failed"):
            msg = err["msg"]  # already says what is wrong and what is valid
        elif kind == "value_error":
            msg = str(err["msg"]).removeprefix("Value error, ")
        else:
            msg = err["msg"]
            if "input" in err:
                msg += f" (got {_short(err['input'])})"
        lines.append(f"{source}: {path}: {msg}")
    return lines
