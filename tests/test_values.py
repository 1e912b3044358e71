"""Values of SPEC section 3: decoding, compatibility, entailment."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from discrepancy.errors import LogDecodeError
from discrepancy.values import (
    Amount,
    Choice,
    Flag,
    compatible,
    entails,
    value_from_json,
    value_to_json,
)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (58, Amount.of(58)),
        (2.5, Amount.of(2.5)),
        ({"min": 23}, Amount.between(23, None)),
        ({"max": 30}, Amount.between(None, 30)),
        ({"min": 23, "max": 58}, Amount.between(23, 58)),
        ({"min": 5, "max": 5}, Amount.between(5, 5)),
        (True, Flag(holds=True)),
        (False, Flag(holds=False)),
        ("pakistan", Choice(answer="pakistan")),
    ],
)
def test_decoding_and_back(raw: object, value: object) -> None:
    assert value_from_json(raw) == value
    assert value_to_json(value_from_json(raw)) == raw  # written back as it was written


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        (None, "value", "got null"),
        ([1, 2], "value", "got a list"),
        ({}, "value", "needs"),
        ({"min": 1, "avg": 2}, "value", "'avg'"),
        ({"min": 40, "max": 30}, "value", "min 40 > max 30"),
        ({"min": "3"}, "value.min", "expected a number"),
        ({"max": True}, "value.max", "expected a number"),
        ({"min": None}, "value.min", "got null"),
        (math.nan, "value", "finite"),
        (math.inf, "value", "finite"),
        (2**70, "value", "64-bit"),
    ],
)
def test_invalid_values_name_the_field(raw: object, field: str, message: str) -> None:
    with pytest.raises(LogDecodeError) as info:
        value_from_json(raw)
    assert info.value.field == field
    assert message in str(info.value)


AT_LEAST_23 = Amount.between(23, None)
FIFTY_EIGHT = Amount.of(58)


def test_entailment_is_not_symmetric() -> None:
    assert entails(FIFTY_EIGHT, AT_LEAST_23)
    assert not entails(AT_LEAST_23, FIFTY_EIGHT)


@pytest.mark.parametrize(
    ("a", "b", "is_compatible"),
    [
        (Amount.of(23), Amount.of(58), False),
        (Amount.of(23), Amount.of(23.0), True),
        (Amount.between(20, 30), Amount.between(30, 40), True),  # inclusive ends touch
        (Amount.between(20, 30), Amount.between(31, None), False),
        (Amount.between(None, 30), Amount.between(None, 1), True),
        (Flag(holds=True), Flag(holds=False), False),
        (Choice(answer="a"), Choice(answer="a"), True),
        (Choice(answer="a"), Choice(answer="b"), False),
        (Amount.of(1), Flag(holds=True), False),
    ],
)
def test_compatibility_is_symmetric(a: object, b: object, is_compatible: bool) -> None:
    assert compatible(a, b) is is_compatible  # type: ignore[arg-type]
    assert compatible(b, a) is is_compatible  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("a", "b", "entailed"),
    [
        (Amount.between(25, 30), Amount.between(20, 40), True),
        (Amount.between(20, 40), Amount.between(25, 30), False),
        (Amount.between(20, None), Amount.between(10, None), True),
        (Amount.between(20, None), Amount.between(10, 100), False),
        (Amount.between(None, 5), Amount.between(None, 10), True),
        (Amount.of(10), Amount.of(10.0), True),
        (Flag(holds=True), Flag(holds=True), True),
        (Choice(answer="a"), Choice(answer="b"), False),
    ],
)
def test_entailment(a: object, b: object, entailed: bool) -> None:
    assert entails(a, b) is entailed  # type: ignore[arg-type]


# --- the interval shortcut equals the general path ---------------------------------

_EDGE = st.sampled_from([-(2**63), -(2**63) - 1, 2**64 - 1, 2**64, 0, 1, -1])
_BOUND = st.one_of(_EDGE, st.integers(), st.floats(), st.booleans(), st.none(), st.text(max_size=2))


@given(st.dictionaries(st.sampled_from(["min", "max", "mid"]), _BOUND, min_size=2, max_size=2))
def test_the_interval_shortcut_equals_the_general_path(obj: dict[str, object]) -> None:
    from discrepancy.values import _value_generally

    def outcome(decode: Callable[[], object]) -> object:
        try:
            value = decode()
        except LogDecodeError as exc:
            return ("error", str(exc), exc.field)
        assert isinstance(value, Amount)
        return (type(value.low), value.low, type(value.high), value.high, value.exact)

    fast = outcome(lambda: value_from_json(obj, field="v"))
    event("shortcut taken" if fast[0] is int and type(obj.get("min")) is int else "general")
    assert fast == outcome(lambda: _value_generally(obj, "v"))
