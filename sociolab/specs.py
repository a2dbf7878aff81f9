"""Config models chosen by a registry: the open counterpart of a discriminated union.

``registered(Base, registry, tag="kind")`` is a field type that reads the tag
of the data (``{kind: openai, ...}``), looks the class up in the registry at
validation time (so a plugin's kinds are accepted once loaded) and validates
the data with it. Errors inside keep their full field paths; an unknown or
missing tag is reported at ``<field>.<tag>``, listing the known names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    SerializeAsAny,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from sociolab.registry import Registry

M = TypeVar("M", bound=BaseModel)


class _Dispatch:
    """How to find the concrete model class of a registered base class."""

    def __init__(
        self, registry: Registry[Any], tag: str, default: str | None,
        model_of: Callable[[Any], type[BaseModel]],
    ) -> None:  # fmt: skip
        self.registry, self.tag, self.default, self.model_of = registry, tag, default, model_of

    def name_in(self, data: Any) -> Any:
        return data.get(self.tag, self.default) if isinstance(data, dict) else self.default

    def concrete(self, data: Any) -> type[BaseModel] | None:
        name = self.name_in(data)
        if isinstance(name, str) and name in self.registry:
            return self.model_of(self.registry[name])
        return None


_DISPATCH: dict[type[BaseModel], _Dispatch] = {}


def _fail(title: str, tag: str, kind: str, message: str, value: Any) -> ValidationError:
    detail: InitErrorDetails = {
        "type": PydanticCustomError(kind, message),
        "loc": (tag,),
        "input": value,
    }
    return ValidationError.from_exception_data(title, [detail])


def registered(
    base: type[M],
    registry: Registry[Any],
    *,
    tag: str = "kind",
    default: str | None = None,
    model_of: Callable[[Any], type[BaseModel]] = lambda item: item,
) -> Any:
    """A field type: any model registered in ``registry``, chosen by the data's ``tag``.

    Args:
        base: the common base class (instances of it pass as they are).
        registry: names -> registry items.
        tag: the field that names the entry.
        default: the name used when the data has no ``tag``.
        model_of: the model class of a registry item (identity when it holds classes).
    """
    dispatch = _Dispatch(registry, tag, default, model_of)
    _DISPATCH[base] = dispatch

    def validate(value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Any:
        if isinstance(value, base):
            name = getattr(value, tag, default)
            if name not in registry:
                raise _fail(base.__name__, tag, "unknown_name", registry.unknown(name), name)
            return value
        if not isinstance(value, dict):
            return handler(value)  # the base's own "should be a mapping" error
        name = dispatch.name_in(value)
        if name is None:
            raise _fail(base.__name__, tag, "missing", "required field is missing", value)
        if not isinstance(name, str) or name not in registry:
            raise _fail(base.__name__, tag, "unknown_name", registry.unknown(name), name)
        return model_of(registry[name]).model_validate(value, context=info.context)

    return Annotated[SerializeAsAny[base], WrapValidator(validate)]  # type: ignore[valid-type,misc]


def concrete_model(cls: type[BaseModel], data: Any) -> type[BaseModel]:
    """The class that validates ``data`` where ``cls`` is declared (itself if not registered)."""
    dispatch = _DISPATCH.get(cls)
    found = dispatch.concrete(data) if dispatch is not None else None
    return found or cls


__all__ = ["concrete_model", "registered"]
