"""Timestamps: the sort key orders instants exactly, whatever the offset."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from discrepancy.events import _slow_instant_key, instant_key

OFFSETS = st.sampled_from(["Z", "z", "+00:00", "-00:00", "+05:00", "+04:30", "-09:45", "+14:00"])


@st.composite
def timestamps(draw: st.DrawFn) -> str:
    moment = draw(st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)))
    sep = draw(st.sampled_from(["T", "t", " "]))
    fraction = draw(st.sampled_from(["", ".0", ".5", ".50", ".123456789", ".000001"]))
    # %Y does not zero-pad years before 1000: write the year by hand.
    return f"{moment.year:04d}-{moment:%m-%d}{sep}{moment:%H:%M:%S}{fraction}{draw(OFFSETS)}"


def as_instant(text: str) -> dt.datetime:
    body = text.replace("t", "T").replace(" ", "T").replace("z", "Z").replace("Z", "+00:00")
    head, _, rest = body.partition(".")
    if rest:  # trim to microseconds for datetime; keys are compared on whole seconds below
        body = head + rest[rest.index("+") if "+" in rest else rest.index("-") :]
    return dt.datetime.fromisoformat(body)


@given(timestamps())
@example("2016-12-31T23:59:60Z")
def test_fast_path_agrees_with_the_thorough_parser(text: str) -> None:
    assert instant_key(text) == _slow_instant_key(text)


# After a timestamp, others of the same local minute and offset take a shorter
# path; these tails, valid and not, must get exactly what the full path gives.
TAILS = st.sampled_from(
    [
        ":00",
        ":07",
        ":59",
        ":60",
        ":5",
        ":075",
        ":07.",
        ":07.25",
        ":07.000",
        ":07.1a",
        ":07.\u0661",
        ":07+",
        "",
        "x07",
        ":07 ",
    ]
)


@given(timestamps(), TAILS)
def test_a_minute_already_seen_keeps_keys_exact_and_strict(text: str, tail: str) -> None:
    instant_key(text)  # the minute and offset are now known
    offset = text[-1] if text[-1] in "Zz" else text[-6:]
    other = text[:16] + tail + offset
    try:
        expected = _slow_instant_key(other)
    except ValueError:
        with pytest.raises(ValueError, match=r"RFC 3339|range|calendar"):
            instant_key(other)
    else:
        assert instant_key(other) == expected


def test_years_before_1000_sort_before_later_ones() -> None:
    assert instant_key("0999-12-31T23:59:59Z") < instant_key("1000-01-01T00:00:00Z")
    assert instant_key("0042-06-01T12:00:00+05:00") == "00420601070000."


@given(timestamps(), timestamps())
def test_keys_order_whole_seconds_as_instants(a: str, b: str) -> None:
    ka, kb = instant_key(a), instant_key(b)
    ia, ib = as_instant(a), as_instant(b)
    if ia.replace(microsecond=0) != ib.replace(microsecond=0):
        assert (ka < kb) == (ia < ib)


def test_fractions_compare_exactly() -> None:
    assert instant_key("2025-10-12T10:00:00.5Z") == instant_key("2025-10-12T15:00:00.500+05:00")
    assert instant_key("2025-10-12T10:00:00Z") < instant_key("2025-10-12T10:00:00.0000001Z")
    assert instant_key("2025-10-12T10:00:00.25Z") < instant_key("2025-10-12T10:00:00.3Z")


def test_a_leap_second_sorts_between_59_and_the_next_minute() -> None:
    leap = instant_key("2016-12-31T23:59:60Z")
    assert instant_key("2016-12-31T23:59:59.9Z") < leap < instant_key("2017-01-01T00:00:00Z")


@pytest.mark.parametrize(
    "text",
    [
        "2025-10-12T10:00:00",
        "2025-10-12",
        "",
        "2025-02-30T00:00:00Z",
        "2025-10-12T10:00:00.Z",
        "2025-10-12T10:00:61Z",
        "2025-10-12T10:60:00Z",
        "2025-10-12T24:00:00Z",
        "2025-10-12T10:00:00+24:00",
        "2025-10-12T10:00:0aZ",
        "2025-10-12T10:00X00Z",
        "2025-10-12T10:00:00.1a+05:00",
        "2025-10-12T10:00:00.\u0661Z",
        "2025-10-12T1\u0660:00:00Z",
        "2025-10-12X10:00:00Z",
        "2025-10-12T10:00:00+0500",
        "0001-01-01T00:00:00+01:00",
    ],
)
def test_malformed_timestamps_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"RFC 3339|range|calendar"):
        instant_key(text)
