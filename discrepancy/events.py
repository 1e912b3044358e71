"""The typed events of the log (SPEC section 2).

One frozen class per event type, and :data:`Event`, their closed union.
Every event carries its ``id``, the ``recorded_at`` transaction time, the
format version ``v`` (``None`` when the line had none) and ``extra``, the
fields this version does not know, kept so that they survive a round trip.

The wire format lives in :mod:`discrepancy.codec`; this module is pure data.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from typing import Any, ClassVar, Final, TypeAlias

import attrs

from discrepancy.values import Value

_RFC3339: Final = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:[Zz]|([+-])(\d{2}):(\d{2}))\Z"
)


@functools.lru_cache(maxsize=1 << 16)
def instant_key(text: str) -> str:
    """A string that sorts as the instant ``text`` names, whatever its offset.

    ``text`` is an RFC 3339 timestamp with an offset (``Z`` or ``±HH:MM``),
    with any number of fractional digits. The key is the UTC time as
    ``YYYYMMDDHHMMSS.`` followed by the fraction without trailing zeros, so
    plain string comparison orders instants exactly.

    Raises :class:`ValueError` for anything else, including a timestamp
    without offset.
    """
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
    return f"{moment:%Y%m%d%H%M}{seconds:02d}.{fraction}"


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
