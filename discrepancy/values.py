"""Typed claim values (SPEC section 3) and the two relations between them.

A value is one of three kinds:

* :class:`Amount`: a closed interval of numbers, either end possibly open-ended
  (``58``, ``{"min": 23}``, ``{"max": 30}``, ``{"min": 23, "max": 58}``);
* :class:`Flag`: the proposition holds, or does not;
* :class:`Choice`: one answer out of many, named by a string.

:func:`compatible` says whether some answer satisfies both values,
:func:`entails` whether every answer satisfying the first satisfies the second.
This module is pure: no I/O, no logging.
"""

from __future__ import annotations

import math
from decimal import Context, Decimal
from typing import Any, Final, Literal, TypeAlias

import attrs

from discrepancy.builders import builder
from discrepancy.errors import LogDecodeError

Number: TypeAlias = int | float
ValueKind: TypeAlias = Literal["amount", "flag", "choice"]

# Enough digits to subtract any two doubles written in shortest form exactly.
_EXACT: Final = Context(prec=1000)


@attrs.frozen(kw_only=True)
class Amount:
    """A number or an inclusive interval of numbers.

    ``low`` and ``high`` are the bounds (``None`` where the claim sets none);
    ``exact`` records that the value was written as a bare number, so that it
    is written back the same way.
    """

    low: Number | None
    high: Number | None
    exact: bool = False

    kind: ValueKind = attrs.field(default="amount", init=False, eq=False, repr=False)

    @classmethod
    def of(cls, number: Number) -> Amount:
        """Exactly ``number``."""
        return cls(low=number, high=number, exact=True)

    @classmethod
    def between(cls, low: Number | None = None, high: Number | None = None) -> Amount:
        """At least ``low`` and at most ``high``; either may be left open."""
        return cls(low=low, high=high, exact=False)

    @property
    def width(self) -> int | float | Decimal:
        """``high - low``, exactly; infinite when either end is open.

        Numbers are the decimals the log writes, so widths compare as decimals
        (``{"min": 0.1, "max": 0.3}`` is as wide as ``{"min": 0, "max": 0.2}``),
        and integers of any size stay exact.
        """
        low, high = self.low, self.high
        if low is None or high is None:
            return math.inf
        if type(low) is int and type(high) is int:
            return high - low
        return _EXACT.subtract(Decimal(repr(high)), Decimal(repr(low)))


@attrs.frozen(kw_only=True)
class Flag:
    """Whether the proposition holds."""

    holds: bool

    kind: ValueKind = attrs.field(default="flag", init=False, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class Choice:
    """One answer out of many."""

    answer: str

    kind: ValueKind = attrs.field(default="choice", init=False, eq=False, repr=False)


Value: TypeAlias = Amount | Flag | Choice

_AMOUNT_KEYS: Final = frozenset({"min", "max"})
_INT_MIN: Final = -(2**63)
_INT_MAX: Final = 2**64 - 1


def compatible(a: Value, b: Value) -> bool:
    """Whether some answer satisfies both ``a`` and ``b`` (symmetric).

    Values of different kinds are never compatible.
    """
    if isinstance(a, Amount):
        if not isinstance(b, Amount):
            return False
        if a.low is not None and b.high is not None and a.low > b.high:
            return False
        return not (b.low is not None and a.high is not None and b.low > a.high)
    return a == b


def entails(a: Value, b: Value) -> bool:
    """Whether every answer that satisfies ``a`` satisfies ``b``.

    For amounts: ``a``'s interval lies inside ``b``'s. For flags and choices:
    the two are equal. Values of different kinds never entail each other.
    """
    if isinstance(a, Amount):
        if not isinstance(b, Amount):
            return False
        if b.low is not None and (a.low is None or a.low < b.low):
            return False
        return not (b.high is not None and (a.high is None or a.high > b.high))
    return a == b


def _number(obj: object, field: str) -> Number:
    # bool is an int subclass in Python but a flag in JSON.
    if isinstance(obj, bool) or not isinstance(obj, int | float):
        raise LogDecodeError(f"expected a number, got {json_type(obj)}", field=field)
    if isinstance(obj, float):
        if not math.isfinite(obj):
            raise LogDecodeError("expected a finite number", field=field)
    elif not _INT_MIN <= obj <= _INT_MAX:
        # orjson writes integers of at most 64 bits; canonical bytes need it.
        raise LogDecodeError(f"integer {obj} is out of the 64-bit range", field=field)
    return obj


_AMOUNT: Final = builder(Amount, "low high exact")


def value_from_json(obj: object, *, field: str = "value") -> Value:
    """The value a decoded JSON object stands for (SPEC section 3).

    Raises :class:`~discrepancy.errors.LogDecodeError` naming ``field`` for
    anything section 3 does not allow (null, NaN, lists, other objects,
    ``min`` greater than ``max``).
    """
    if type(obj) is dict and len(obj) == 2:
        # The common interval, two integers in range and in order, is built
        # directly; anything else, and every error, takes the general path.
        low, high = obj.get("min"), obj.get("max")
        if type(low) is int and type(high) is int and _INT_MIN <= low <= high <= _INT_MAX:
            return _AMOUNT(low, high, False)
    return _value_generally(obj, field)


def _value_generally(obj: object, field: str) -> Value:
    """:func:`value_from_json` without its shortcut: the plain twin a property test checks."""
    if isinstance(obj, bool):
        return Flag(holds=obj)
    if isinstance(obj, str):
        return Choice(answer=obj)
    if isinstance(obj, int | float):
        return Amount.of(_number(obj, field))
    if isinstance(obj, dict):
        if not obj:
            raise LogDecodeError('an interval needs "min", "max" or both', field=field)
        unknown = obj.keys() - _AMOUNT_KEYS
        if unknown:
            names = ", ".join(sorted(repr(k) for k in unknown))
            raise LogDecodeError(
                f'an interval takes only "min" and "max", not {names}', field=field
            )
        low = _number(obj["min"], f"{field}.min") if "min" in obj else None
        high = _number(obj["max"], f"{field}.max") if "max" in obj else None
        if low is not None and high is not None and low > high:
            raise LogDecodeError(f"min {low} > max {high}", field=field)
        return Amount.between(low, high)
    raise LogDecodeError(
        f"expected a number, interval, true/false or string, got {json_type(obj)}",
        field=field,
    )


def value_to_json(value: Value) -> Any:
    """The JSON form of ``value``: the inverse of :func:`value_from_json`."""
    if isinstance(value, Amount):
        if value.exact:
            return value.low
        out: dict[str, Number] = {}
        if value.low is not None:
            out["min"] = value.low
        if value.high is not None:
            out["max"] = value.high
        return out
    if isinstance(value, Flag):
        return value.holds
    return value.answer


def json_type(obj: object) -> str:
    """How a JSON value's type reads in an error message ("null", "a list", ...)."""
    match obj:
        case None:
            return "null"
        case bool():
            return "true/false"
        case int() | float():
            return "a number"
        case str():
            return "a string"
        case list():
            return "a list"
        case dict():
            return "an object"
        case _:
            return type(obj).__name__
