"""The typed events of the log (SPEC section 2).

One frozen class per event type, and :data:`Event`, their closed union.
Every event carries its ``id``, the ``recorded_at`` transaction time, the
format version ``v`` (``None`` when the line had none) and ``extra``, the
fields this version does not know, kept so that they survive a round trip.

The wire format lives in :mod:`discrepancy.codec`; this module is pure data.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any, ClassVar, Final, TypeAlias

import attrs

from discrepancy.values import Value

_RFC3339: Final = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:[Zz]|([+-])(\d{2}):(\d{2}))\Z",
    re.ASCII,  # \d is 0-9 only: no other script's digits in a timestamp
)


def _slow_instant_key(text: str) -> str:
    m = _RFC3339.match(text)
    if m is None:
        raise ValueError(f"{text!r} is not an RFC 3339 timestamp with offset")
    year, month, day, hour, minute, second = (int(g) for g in m.group(1, 2, 3, 4, 5, 6))
    fraction = (m.group(7) or "").rstrip("0")
    if hour > 23 or minute > 59 or second > 60:
        raise ValueError(f"{text!r} has a time of day out of range")
    try:
        moment = _dt.datetime(year, month, day, hour, minute, min(second, 59))
    except ValueError:
        raise ValueError(f"{text!r} names no calendar date") from None
    if m.group(8) is not None:
        off_hours, off_minutes = int(m.group(9)), int(m.group(10))
        if off_hours > 23 or off_minutes > 59:
            raise ValueError(f"{text!r} has an offset out of range")
        offset = _dt.timedelta(hours=off_hours, minutes=off_minutes)
        try:
            moment = moment - offset if m.group(8) == "+" else moment + offset
        except OverflowError:
            raise ValueError(f"{text!r} is out of the representable range") from None
    # A leap second (second 60) sorts after :59 and before the next minute.
    seconds = 60 if second == 60 else moment.second
    return f"{_ymd(moment)}{moment:%H%M}{seconds:02d}.{fraction}"


def _ymd(day: _dt.date) -> str:
    """The date as YYYYMMDD, the year zero-padded (``%Y`` is not, before 1000)."""
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


# Fast path. Timestamps of one log share days and offsets, so calendar work is
# done once per day (the day before and after, for offsets that cross midnight)
# and once per offset; every timestamp then costs a few lookups and slices.
_DAYS: dict[str, tuple[str, str, str]] = {}
_DAYS_MAX: Final = 1 << 16
_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z", re.ASCII)
_TWO_DIGITS: Final = {f"{n:02d}": n for n in range(60)}
_HHMM: Final = tuple(f"{m // 60:02d}{m % 60:02d}" for m in range(1440))
_OFFSETS: dict[str, int] = {"Z": 0, "z": 0}


def _day(date: str) -> tuple[str, str, str] | None:
    """("YYYYMMDD" of the day before, of the day, of the day after), or None."""
    if _DATE.match(date) is None:
        return None
    try:
        day = _dt.date(int(date[:4]), int(date[5:7]), int(date[8:10]))
        days = (
            _ymd(day - _dt.timedelta(days=1)),
            _ymd(day),
            _ymd(day + _dt.timedelta(days=1)),
        )
    except (ValueError, OverflowError):
        return None
    if len(_DAYS) >= _DAYS_MAX:
        _DAYS.clear()
    _DAYS[date] = days
    return days


def _offset_minutes(offset: str) -> int | None:
    """Minutes to add to local time to get UTC, or None if not ``±HH:MM``."""
    if len(offset) != 6 or offset[0] not in "+-" or offset[3] != ":":
        return None
    hours = _TWO_DIGITS.get(offset[1:3])
    minutes = _TWO_DIGITS.get(offset[4:6])
    if hours is None or minutes is None or hours > 23:
        return None
    delta = hours * 60 + minutes
    _OFFSETS[offset] = found = -delta if offset[0] == "+" else delta
    return found


# The UTC minute ("YYYYMMDDHHMM") of a local minute ("YYYY-MM-DDTHH:MM"), per
# offset: filled from keys the full path has checked, so that timestamps in a
# minute already seen cost a few lookups and slices (see instant_key).
_MINUTES: dict[str, dict[str, str]] = {}
_MINUTES_MAX: Final = 1 << 16
_SECONDS: Final = frozenset(f"{n:02d}" for n in range(60))


def instant_key(text: str) -> str:
    """A string that sorts as the instant ``text`` names, whatever its offset.

    ``text`` is an RFC 3339 timestamp with an offset (``Z`` or ``±HH:MM``),
    with any number of fractional digits. The key is the UTC time as
    ``YYYYMMDDHHMMSS.`` followed by the fraction without trailing zeros, so
    plain string comparison orders instants exactly.

    Raises :class:`ValueError` for anything else, including a timestamp
    without offset.
    """
    cut = -1 if text[-1:] in ("Z", "z") else -6
    offset = text[cut:]
    minutes = _MINUTES.get(offset)
    if minutes is not None:
        minute = minutes.get(text[:16])
        if minute is not None:
            # The date, hour, minute and offset are known good; check the rest,
            # ":SS" or ":SS.digits", as strictly as the full path does.
            rest = text[16:cut]
            if rest[:1] == ":" and rest[1:3] in _SECONDS:
                if len(rest) == 3:
                    return f"{minute}{rest[1:3]}."
                fraction = rest[4:]
                if rest[3] == "." and fraction.isdigit() and fraction.isascii():
                    return f"{minute}{rest[1:3]}.{fraction.rstrip('0')}"
    key = _minute_key(text)
    if text[16:17] == ":" and text[17:19] in _SECONDS:
        # A valid timestamp has a fixed-width head: remember its UTC minute.
        minutes = _MINUTES.get(offset)
        if minutes is None:
            minutes = _MINUTES[offset] = {}
        elif len(minutes) >= _MINUTES_MAX:
            minutes.clear()
        minutes[text[:16]] = key[:12]
    return key


def _minute_key(text: str) -> str:
    """:func:`instant_key` without the cache of minutes already seen."""
    # "YYYY-MM-DDTHH:MM:SS[.fff]" then "Z" or "±HH:MM"; anything unusual (a
    # leap second, a stray character, ...) takes the slow, thorough way.
    if text[-1:] in ("Z", "z"):
        body, offset = text[:-1], text[-1]
    else:
        body, offset = text[:-6], text[-6:]
    shift = _OFFSETS.get(offset)
    if shift is None:
        shift = _offset_minutes(offset)
    days = _DAYS.get(body[:10])
    if days is None:
        days = _day(body[:10])
    hour = _TWO_DIGITS.get(body[11:13])
    minute = _TWO_DIGITS.get(body[14:16])
    fraction = body[20:]
    if (
        shift is not None
        and days is not None
        and hour is not None
        and hour < 24
        and minute is not None
        and body[10:11] in ("T", "t", " ")
        and body[13:14] == ":"
        and body[16:17] == ":"
        and body[17:19] in _TWO_DIGITS
        and (len(body) == 19 or (body[19] == "." and fraction.isdigit() and fraction.isascii()))
    ):
        total = hour * 60 + minute + shift
        day = days[1 + total // 1440]  # offsets are under a day: -1, 0 or +1
        return f"{day}{_HHMM[total % 1440]}{body[17:19]}.{fraction.rstrip('0')}"
    return _slow_instant_key(text)


@attrs.frozen(kw_only=True)
class Timestamp:
    """An RFC 3339 timestamp: ``text`` as written and ``key``, its sort key.

    Two timestamps name the same instant when their keys are equal, even if
    written with different offsets; they are equal as values only when
    written the same way.
    """

    text: str
    key: str = attrs.field(eq=False, repr=False)

    @classmethod
    def parse(cls, text: str) -> Timestamp:
        """The timestamp ``text`` names; :class:`ValueError` if it is not RFC 3339."""
        return cls(text=text, key=instant_key(text))


@attrs.frozen(kw_only=True)
class _Base:
    id: str
    recorded_at: Timestamp
    v: int | None = None
    # Unknown fields, sorted by name: kept and ignored (SPEC section 2).
    extra: tuple[tuple[str, Any], ...] = attrs.field(default=(), hash=False)

    TYPE: ClassVar[str]

    @property
    def order(self) -> tuple[str, str]:
        """``(recorded_at, id)``: what "earlier" and "later" compare."""
        return (self.recorded_at.key, self.id)


@attrs.frozen(kw_only=True)
class Source(_Base):
    """Registers (or re-registers) a source: who says things."""

    TYPE: ClassVar[str] = "source"

    source: str
    name: str
    parties: tuple[str, ...] = ()
    reliability: str | None = None
    kind: str | None = None


@attrs.frozen(kw_only=True)
class Claim(_Base):
    """A source's answer to a proposition."""

    TYPE: ClassVar[str] = "claim"

    claim: str
    source: str
    proposition: str
    value: Value
    stated_at: Timestamp | None = None
    via: str | None = None
    quote: str | None = None
    url: str | None = None
    supersedes: str | None = None


@attrs.frozen(kw_only=True)
class _Stance(_Base):
    claim: str
    proposition: str
    source: str


@attrs.frozen(kw_only=True)
class Confirmation(_Stance):
    """Another source confirms a claim."""

    TYPE: ClassVar[str] = "confirm"


@attrs.frozen(kw_only=True)
class Denial(_Stance):
    """Another source denies a claim."""

    TYPE: ClassVar[str] = "deny"


@attrs.frozen(kw_only=True)
class Retraction(_Stance):
    """The claimant withdraws its own claim."""

    TYPE: ClassVar[str] = "retract"


@attrs.frozen(kw_only=True)
class Resolution(_Base):
    """An analyst's adjudicated answer to a proposition."""

    TYPE: ClassVar[str] = "resolve"

    proposition: str
    value: Value
    rationale: str
    analyst: str


@attrs.frozen(kw_only=True)
class Reopening(_Base):
    """An analyst sets aside the resolutions recorded before it."""

    TYPE: ClassVar[str] = "reopen"

    proposition: str
    rationale: str
    analyst: str


Event: TypeAlias = Source | Claim | Confirmation | Denial | Retraction | Resolution | Reopening
Stance: TypeAlias = Confirmation | Denial | Retraction

EVENT_TYPES: Final[dict[str, type[Event]]] = {
    cls.TYPE: cls
    for cls in (Source, Claim, Confirmation, Denial, Retraction, Resolution, Reopening)
}
"""The closed registry of event type names (never import a class named by stored text)."""
