"""Terse builders of valid events for example tests.

Every builder returns an :data:`~discrepancy.events.Event` through the real
codec, so tests exercise the same decoding as a log file would.
"""

from __future__ import annotations

import itertools
from typing import Any

from discrepancy.codec import decode_event
from discrepancy.events import Event

_ids = itertools.count(1)


def at(hour: int, minute: int = 0) -> str:
    """A recorded_at on the day of the border clash, in UTC."""
    return f"2025-10-12T{hour:02d}:{minute:02d}:00Z"


def _event(type_: str, when: str | None, eid: str | None, **fields: Any) -> Event:
    obj = {
        "type": type_,
        "id": eid or f"e{next(_ids)}",
        "recorded_at": when or at(12),
        **{k: v for k, v in fields.items() if v is not None},
    }
    return decode_event(obj)


def source(
    sid: str,
    *parties: str,
    grade: str | None = None,
    when: str | None = None,
    eid: str | None = None,
) -> Event:
    return _event(
        "source",
        when or at(0),
        eid or f"src-{sid}-{next(_ids)}",
        source=sid,
        name=sid.title(),
        parties=list(parties),
        reliability=grade,
    )


def claim(
    cid: str,
    sid: str,
    value: Any,
    prop: str = "p",
    *,
    when: str | None = None,
    eid: str | None = None,
    supersedes: str | None = None,
    via: str | None = None,
) -> Event:
    return _event(
        "claim",
        when,
        eid or f"ev-{cid}",
        claim=cid,
        source=sid,
        proposition=prop,
        value=value,
        supersedes=supersedes,
        via=via,
    )


def confirm(
    cid: str, sid: str, prop: str = "p", *, when: str | None = None, eid: str | None = None
) -> Event:
    return _event("confirm", when, eid, claim=cid, proposition=prop, source=sid)


def deny(
    cid: str, sid: str, prop: str = "p", *, when: str | None = None, eid: str | None = None
) -> Event:
    return _event("deny", when, eid, claim=cid, proposition=prop, source=sid)


def retract(
    cid: str, sid: str, prop: str = "p", *, when: str | None = None, eid: str | None = None
) -> Event:
    return _event("retract", when, eid, claim=cid, proposition=prop, source=sid)


def resolve(
    value: Any, prop: str = "p", *, when: str | None = None, eid: str | None = None
) -> Event:
    return _event(
        "resolve", when, eid, proposition=prop, value=value, rationale="adjudicated", analyst="ana"
    )


def reopen(prop: str = "p", *, when: str | None = None, eid: str | None = None) -> Event:
    return _event("reopen", when, eid, proposition=prop, rationale="new facts", analyst="ana")
