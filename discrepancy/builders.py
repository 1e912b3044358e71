"""Positional builders of frozen attrs classes, for the few paths that run per event.

attrs fills a frozen instance field by field through ``object.__setattr__``,
a generic attribute lookup each time: building a claim that way costs about
twice what setting its slots directly does, and decoding and reconciling
build one or two objects per event. :func:`builder` writes, once per class,
a function that sets the slots directly; it takes the fields it is told, in
that order, and gives every other field its default. The result is the
instance ``cls(**fields)`` would build (a property test checks every
builder the package uses against its class). Pure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

__all__ = ["builder"]

_T = TypeVar("_T")


def builder(cls: type[_T], names: str) -> Callable[..., _T]:
    """A function of the fields ``names`` (space-separated, in that order) that builds ``cls``.

    ``cls`` is a slotted attrs class without validators, converters, factory
    defaults or ``__attrs_post_init__``; every field left out of ``names`` must
    have a plain default. Anything else raises :class:`TypeError` here, once,
    not on a later call.
    """
    given = names.split()
    fields = {f.name: f for f in attrs.fields(cls)}  # type: ignore[arg-type]
    _refuse_unsupported(cls, fields, given)
    lines = [f"def build({', '.join(given)}):", "    self = new(cls)"]
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls}
    for name, field in fields.items():
        namespace[f"set_{name}"] = getattr(cls, name).__set__
        if name in given:
            lines.append(f"    set_{name}(self, {name})")
        else:
            namespace[f"default_{name}"] = field.default
            lines.append(f"    set_{name}(self, default_{name})")
    lines.append("    return self")
    exec("\n".join(lines), namespace)
    built: Callable[..., _T] = namespace["build"]
    built.__qualname__ = built.__name__ = f"build_{cls.__name__}"
    built.__doc__ = f"A {cls.__name__} of ({', '.join(given)}); see discrepancy.builders."
    vars(built).update(builds=cls, fields=tuple(given))  # what the tests check it against
    return built


def _refuse_unsupported(cls: type, fields: dict[str, Any], given: list[str]) -> None:
    if "__slots__" not in cls.__dict__ or hasattr(cls, "__attrs_post_init__"):
        raise TypeError(f"{cls.__name__}: a builder needs a slotted class without post-init")
    unknown = [name for name in given if name not in fields or not fields[name].init]
    if unknown or len(set(given)) != len(given):
        raise TypeError(f"{cls.__name__}: not init fields, or named twice: {given}")
    for name, field in fields.items():
        if field.validator is not None or field.converter is not None:
            raise TypeError(f"{cls.__name__}.{name}: a builder runs no validator or converter")
        if name not in given and (
            field.default is attrs.NOTHING or isinstance(field.default, attrs.Factory)  # type: ignore[arg-type]
        ):
            raise TypeError(f"{cls.__name__}.{name}: needs a value or a plain default")
