"""The wire format: JSON objects to events and back (SPEC section 2).

This module alone knows field names and the format version. Decoding is
strict: anything SPEC section 2 calls invalid raises
:class:`~discrepancy.errors.LogDecodeError` naming the field, and the caller
(a log reader) adds the file and line. Unknown extra fields are kept on the
event and written back, so a round trip loses nothing.

``seq`` and ``chain`` belong to the durable log's envelope, not to the event:
they are dropped on decoding and never written by :func:`encode_event`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from typing import Any, Final

import orjson

from discrepancy.builders import builder
from discrepancy.errors import LogDecodeError
from discrepancy.events import (
    EVENT_TYPES,
    Claim,
    Confirmation,
    Denial,
    Event,
    Reopening,
    Resolution,
    Retraction,
    Source,
    Timestamp,
    instant_key,
)
from discrepancy.values import Amount, Value, json_type, value_from_json, value_to_json

FORMAT_VERSION: Final = 1
"""The newest format version this reader knows."""

ENVELOPE_FIELDS: Final = frozenset({"seq", "chain"})
"""Fields the durable log adds around an event; not part of its canonical bytes."""

MAX_ID_LENGTH: Final = 256
MAX_DEPTH: Final = 64
"""The deepest nesting of arrays and objects an event may hold (an extra field's
value counts from the event object, depth 1)."""
_intern = sys.intern
_RELIABILITY: Final = frozenset("ABCDEF")


def _string(raw: object, name: str) -> str:
    if not isinstance(raw, str):
        raise LogDecodeError(f"expected a string, got {json_type(raw)}", field=name)
    return raw


def _timestamp(raw: object, name: str) -> Timestamp:
    text = _string(raw, name)
    try:
        return Timestamp(text=text, key=instant_key(text))
    except ValueError as exc:
        raise LogDecodeError(str(exc), field=name) from None


def _parties(raw: object, name: str) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise LogDecodeError(f"expected a list of strings, got {json_type(raw)}", field=name)
    for i, party in enumerate(raw):
        if not isinstance(party, str):
            raise LogDecodeError(
                f"expected a list of strings, item {i} is {json_type(party)}", field=name
            )
    return tuple(raw)


def _reliability(raw: object, name: str) -> str:
    grade = _string(raw, name)
    if grade not in _RELIABILITY:
        raise LogDecodeError(f"expected a grade A to F, got {grade!r}", field=name)
    return grade


def _value(raw: object, name: str) -> Any:
    return value_from_json(raw, field=name)


_Convert = Callable[[object, str], Any]

# Per type: (field, converter, required). Common fields are handled apart.
_STANCE: Final[tuple[tuple[str, _Convert, bool], ...]] = (
    ("claim", _string, True),
    ("proposition", _string, True),
    ("source", _string, True),
)
_FIELDS: Final[dict[str, tuple[tuple[str, _Convert, bool], ...]]] = {
    "source": (
        ("source", _string, True),
        ("name", _string, True),
        ("parties", _parties, True),
        ("reliability", _reliability, False),
        ("kind", _string, False),
    ),
    "claim": (
        ("claim", _string, True),
        ("source", _string, True),
        ("proposition", _string, True),
        ("value", _value, True),
        ("stated_at", _timestamp, False),
        ("via", _string, False),
        ("quote", _string, False),
        ("url", _string, False),
        ("supersedes", _string, False),
    ),
    "confirm": _STANCE,
    "deny": _STANCE,
    "retract": _STANCE,
    "resolve": (
        ("proposition", _string, True),
        ("value", _value, True),
        ("rationale", _string, True),
        ("analyst", _string, True),
    ),
    "reopen": (
        ("proposition", _string, True),
        ("rationale", _string, True),
        ("analyst", _string, True),
    ),
}
_COMMON: Final = frozenset({"type", "id", "recorded_at", "v"})
_KNOWN: Final[dict[str, frozenset[str]]] = {
    name: _COMMON | ENVELOPE_FIELDS | {f for f, _, _ in fields} for name, fields in _FIELDS.items()
}


def decode_event(obj: object) -> Event:
    """The event a decoded JSON object stands for.

    Raises :class:`LogDecodeError` (without path or line; see
    :func:`decode_line`) if ``obj`` is not a valid event of format v1.
    """
    if type(obj) is dict:
        type_name = obj.get("type")
        fast = _FAST.get(type_name) if type(type_name) is str else None
        if fast is not None:
            try:
                event = fast(obj)
            except (KeyError, _Unusual):
                pass
            else:
                if event is not None:
                    return event
    return _decode_thoroughly(obj)


class _Unusual(Exception):
    """The fast path met something it leaves to the thorough one."""


_TIMESTAMPS: dict[str, Timestamp] = {}
# The fast path builds its events and timestamps with builders (see
# discrepancy.builders): half the cost of the classes' own __init__.
_TIMESTAMP: Final = builder(Timestamp, "text key")
_CLAIM: Final = builder(
    Claim, "id recorded_at claim source proposition value stated_at via quote url supersedes"
)
_STANCES: Final[dict[type[Confirmation | Denial | Retraction], Callable[..., Event]]] = {
    cls: builder(cls, "id recorded_at claim proposition source")
    for cls in (Confirmation, Denial, Retraction)
}
# Exact integers and choices recur across a log: share one value object each.
# (Keyed only by int and str, whose equal keys write the same JSON.)
_VALUES: dict[object, Value] = {}


def _when(text: object) -> Timestamp:
    """A timestamp, shared by the lines that write it alike (fast path only)."""
    if type(text) is not str:
        raise _Unusual
    found = _TIMESTAMPS.get(text)
    if found is None:
        try:
            found = _TIMESTAMP(text, instant_key(text))
        except ValueError:
            raise _Unusual from None
        if len(_TIMESTAMPS) >= 1 << 12:
            _TIMESTAMPS.clear()
        _TIMESTAMPS[text] = found
    return found


_FLAGS: Final[dict[bool, Value]] = {True: value_from_json(True), False: value_from_json(False)}


def _fast_value(raw: object) -> Value:
    kind = type(raw)
    if kind is bool:
        return _FLAGS[raw]  # type: ignore[index]
    try:
        if kind is int or kind is str:
            found = _VALUES.get(raw)
            if found is None:
                found = value_from_json(raw)
                if len(_VALUES) < 1 << 12:
                    _VALUES[raw] = found
            return found
        return value_from_json(raw)
    except LogDecodeError:
        raise _Unusual from None


def _fast_claim(obj: dict[str, Any]) -> Event | None:
    # One function, no helper calls for the common fields: this runs once per
    # claim line. Any doubt (a null, an unknown field, a "v") returns None and
    # leaves the line to the thorough decoder, which names what is wrong.
    event_id = obj["id"]
    claim = obj["claim"]
    source = obj["source"]
    proposition = obj["proposition"]
    if (
        type(event_id) is not str
        or type(claim) is not str
        or type(source) is not str
        or type(proposition) is not str
        or not 0 < len(event_id) <= MAX_ID_LENGTH
    ):
        return None
    recorded_at = _when(obj["recorded_at"])
    value = _fast_value(obj["value"])
    stated_at = via = quote = url = supersedes = None
    size = len(obj)
    if size > 7:
        get = obj.get
        raw_stated_at = get("stated_at")
        via = get("via")
        quote = get("quote")
        url = get("url")
        supersedes = get("supersedes")
        # Each optional field present and not null is counted; a null or an
        # unknown field leaves the count short of the size.
        counted = (
            7
            + ("seq" in obj)
            + ("chain" in obj)
            + (raw_stated_at is not None)
            + (via is not None)
            + (quote is not None)
            + (url is not None)
            + (supersedes is not None)
        )
        if size != counted or not (
            (via is None or type(via) is str)
            and (quote is None or type(quote) is str)
            and (url is None or type(url) is str)
            and (supersedes is None or type(supersedes) is str)
        ):
            return None
        if raw_stated_at is not None:
            stated_at = _when(raw_stated_at)
    return _CLAIM(
        event_id,
        recorded_at,
        _intern(claim),
        _intern(source),
        _intern(proposition),
        value,
        stated_at,
        None if via is None else _intern(via),
        quote,
        url,
        supersedes,
    )


def _fast_stance(
    cls: type[Confirmation | Denial | Retraction],
) -> Callable[[dict[str, Any]], Event | None]:
    build = _STANCES[cls]

    def fast(obj: dict[str, Any]) -> Event | None:
        if len(obj) != 6 + ("seq" in obj) + ("chain" in obj):
            return None
        event_id = obj["id"]
        claim = obj["claim"]
        proposition = obj["proposition"]
        source = obj["source"]
        if (
            type(event_id) is not str
            or type(claim) is not str
            or type(proposition) is not str
            or type(source) is not str
            or not 0 < len(event_id) <= MAX_ID_LENGTH
        ):
            return None
        return build(
            event_id,
            _when(obj["recorded_at"]),
            _intern(claim),
            _intern(proposition),
            _intern(source),
        )

    return fast


_FAST: Final[dict[str, Callable[[dict[str, Any]], Event | None]]] = {
    "claim": _fast_claim,
    "confirm": _fast_stance(Confirmation),
    "deny": _fast_stance(Denial),
    "retract": _fast_stance(Retraction),
}


def _decode_thoroughly(obj: object) -> Event:
    if not isinstance(obj, dict):
        raise LogDecodeError(f"expected a JSON object, got {json_type(obj)}")
    version = obj.get("v")
    if version is not None or "v" in obj:
        if isinstance(version, bool) or not isinstance(version, int):
            raise LogDecodeError(f"expected an integer, got {json_type(version)}", field="v")
        if version > FORMAT_VERSION:
            raise LogDecodeError(
                f"format version {version} is newer than this reader knows "
                f"({FORMAT_VERSION}); upgrade discrepancy",
                field="v",
            )
        if version < 1:
            raise LogDecodeError(f"format versions start at 1, got {version}", field="v")
    if "type" not in obj:
        raise LogDecodeError("missing", field="type")
    type_name = obj["type"]
    if not isinstance(type_name, str) or type_name not in _FIELDS:
        known = ", ".join(EVENT_TYPES)
        raise LogDecodeError(f"unknown event type {type_name!r} (known: {known})", field="type")
    kwargs: dict[str, Any] = {}
    common: tuple[tuple[str, _Convert], ...] = (("id", _string), ("recorded_at", _timestamp))
    for name, convert in common:
        if name not in obj:
            raise LogDecodeError("missing", field=name)
        kwargs[name] = convert(obj[name], name)
    if not 1 <= len(kwargs["id"]) <= MAX_ID_LENGTH:
        raise LogDecodeError(
            f"an event id has 1 to {MAX_ID_LENGTH} characters, got {len(kwargs['id'])}",
            field="id",
        )
    for field, to_value, required in _FIELDS[type_name]:
        if field in obj:
            kwargs[field] = to_value(obj[field], field)
        elif required:
            raise LogDecodeError("missing", field=field)
    if len(obj) > len(kwargs) + 1 + ("v" in obj):
        known_fields = _KNOWN[type_name]
        extra = tuple(sorted((k, v) for k, v in obj.items() if k not in known_fields))
        if extra:
            _check_depth(extra)
            kwargs["extra"] = extra
    kwargs["v"] = version
    return EVENT_TYPES[type_name](**kwargs)


def _check_depth(extra: tuple[tuple[str, Any], ...]) -> None:
    """Refuse extra fields nested deeper than :data:`MAX_DEPTH` (no recursion)."""
    for name, value in extra:
        level: list[Any] = [value]
        depth = 1
        while level:
            depth += 1
            if depth > MAX_DEPTH:
                raise LogDecodeError(f"nested deeper than {MAX_DEPTH} levels", field=name)
            level = [
                item
                for node in level
                if isinstance(node, dict | list)
                for item in (node.values() if isinstance(node, dict) else node)
                if isinstance(item, dict | list)
            ]


def decode_line(line: bytes | str, *, path: str | None = None, line_no: int | None = None) -> Event:
    """The event one log line holds; errors name ``path`` and ``line_no``."""
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise LogDecodeError(f"not valid JSON ({exc})", path=path, line=line_no) from None
    try:
        event = decode_event(obj)
    except LogDecodeError as exc:
        raise exc.located(path=path, line=line_no) from None
    if type(event) is Claim or type(event) is Resolution:
        value = event.value
        if type(value) is Amount and (type(value.low) is float or type(value.high) is float):
            _refuse_wide_integers(line, path=path, line_no=line_no)
    return event


def _refuse_wide_integers(line: bytes | str, *, path: str | None, line_no: int | None) -> None:
    """Refuse a value written as an integer beyond 64 bits.

    orjson reads such an integer as the nearest float, which is not "exactly
    that number" (SPEC section 3) and could not be written back; the exact
    reading of the line tells the two apart. Runs only for float amounts.
    """
    raw = json.loads(line).get("value")
    bounds = [("value", raw)]
    if isinstance(raw, dict):
        bounds = [(f"value.{end}", raw.get(end)) for end in ("min", "max")]
    for field, number in bounds:
        if type(number) is int:
            try:
                value_from_json(number, field=field)
            except LogDecodeError as exc:
                raise exc.located(path=path, line=line_no) from None


def encode_event(event: Event) -> dict[str, Any]:
    """The JSON object of ``event``, unknown extra fields included."""
    out: dict[str, Any] = dict(event.extra)
    out["type"] = event.TYPE
    out["id"] = event.id
    out["recorded_at"] = event.recorded_at.text
    if event.v is not None:
        out["v"] = event.v
    match event:
        case Source():
            out["source"] = event.source
            out["name"] = event.name
            out["parties"] = list(event.parties)
            _put(out, "reliability", event.reliability)
            _put(out, "kind", event.kind)
        case Claim():
            out["claim"] = event.claim
            out["source"] = event.source
            out["proposition"] = event.proposition
            out["value"] = value_to_json(event.value)
            if event.stated_at is not None:
                out["stated_at"] = event.stated_at.text
            _put(out, "via", event.via)
            _put(out, "quote", event.quote)
            _put(out, "url", event.url)
            _put(out, "supersedes", event.supersedes)
        case Confirmation() | Denial() | Retraction():
            out["claim"] = event.claim
            out["proposition"] = event.proposition
            out["source"] = event.source
        case Resolution():
            out["proposition"] = event.proposition
            out["value"] = value_to_json(event.value)
            out["rationale"] = event.rationale
            out["analyst"] = event.analyst
        case Reopening():
            out["proposition"] = event.proposition
            out["rationale"] = event.rationale
            out["analyst"] = event.analyst
        case _:  # pragma: no cover - the union is closed
            raise TypeError(f"not an event: {event!r}")
    return out


def canonical_bytes(event: Event | Mapping[str, Any]) -> bytes:
    """The canonical bytes of an event (SPEC section 2).

    Sorted keys, no whitespace, UTF-8 with non-ASCII characters unescaped,
    shortest round-trip numbers; ``seq`` and ``chain`` are left out. Accepts an
    :data:`Event` or its JSON object.
    """
    if isinstance(event, Mapping):
        obj = {k: v for k, v in event.items() if k not in ENVELOPE_FIELDS}
    else:
        obj = encode_event(event)
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)


def _put(out: dict[str, Any], name: str, value: str | None) -> None:
    if value is not None:
        out[name] = value
