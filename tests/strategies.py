"""Hypothesis strategies for logs that really collide.

Ids, claims, sources, parties, propositions and instants come from small
pools, so that a few dozen events already produce contradictions, reused
ids, timestamp ties written with different offsets, retractions by the
wrong source, dangling stances, ``supersedes``, kind mismatches, and
resolutions that are later reopened.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from discrepancy.codec import decode_event
from discrepancy.events import Event

EVENT_IDS = [f"e{i}" for i in range(12)]
CLAIM_IDS = ["c1", "c2", "c3", "c4", "c5"]
PROPOSITIONS = ["p", "q", "r"]
SOURCES = ["s1", "s2", "s3", "s4", "ghost"]  # "ghost" is never registered
PARTIES = ["x", "y", "z"]
CHOICES = ["east", "west"]

# Several texts name the same instant: ties between different writings.
TIMES = [
    "2025-10-12T08:00:00Z",
    "2025-10-12T13:00:00+05:00",  # = 08:00Z
    "2025-10-12T09:00:00Z",
    "2025-10-12T09:00:00.000+00:00",  # = 09:00Z
    "2025-10-12T13:30:00+04:30",  # = 09:00Z
    "2025-10-12T09:00:00.5Z",
    "2025-10-12T10:00:00Z",
    "2025-10-12T15:00:00+05:00",  # = 10:00Z
    "2025-10-12T11:00:00Z",
]

small = st.integers(min_value=0, max_value=6)


@st.composite
def amounts(draw: st.DrawFn) -> Any:
    shape = draw(st.sampled_from(["exact", "float", "min", "max", "between"]))
    if shape == "exact":
        return draw(small)
    if shape == "float":
        return draw(small) + draw(st.sampled_from([0.0, 0.5]))
    if shape == "min":
        return {"min": draw(small)}
    if shape == "max":
        return {"max": draw(small)}
    low = draw(small)
    return {"min": low, "max": low + draw(small)}


def values() -> st.SearchStrategy[Any]:
    # Mostly amounts, so that propositions keep a kind and mismatches stay rare
    # but reachable.
    return st.one_of(amounts(), amounts(), amounts(), st.booleans(), st.sampled_from(CHOICES))


@st.composite
def event_objects(draw: st.DrawFn) -> dict[str, Any]:
    """One valid event as its JSON object."""
    kind = draw(
        st.sampled_from(
            [
                "source",
                "source",
                "claim",
                "claim",
                "claim",
                "claim",
                "confirm",
                "deny",
                "retract",
                "resolve",
                "reopen",
            ]
        )
    )
    obj: dict[str, Any] = {
        "type": kind,
        "id": draw(st.sampled_from(EVENT_IDS)),
        "recorded_at": draw(st.sampled_from(TIMES)),
    }
    if kind == "source":
        obj["source"] = draw(st.sampled_from(SOURCES[:-1]))
        obj["name"] = obj["source"].upper()
        obj["parties"] = draw(st.lists(st.sampled_from(PARTIES), max_size=2, unique=True))
        if draw(st.booleans()):
            obj["reliability"] = draw(st.sampled_from("ABCDEF"))
    elif kind == "claim":
        obj["claim"] = draw(st.sampled_from(CLAIM_IDS))
        obj["source"] = draw(st.sampled_from(SOURCES))
        obj["proposition"] = draw(st.sampled_from(PROPOSITIONS))
        obj["value"] = draw(values())
        if draw(st.integers(0, 4)) == 0:
            obj["supersedes"] = draw(st.sampled_from(CLAIM_IDS))
        if draw(st.integers(0, 6)) == 0:
            obj["via"] = draw(st.sampled_from(SOURCES))
    elif kind in ("confirm", "deny", "retract"):
        obj["claim"] = draw(st.sampled_from(CLAIM_IDS))
        obj["proposition"] = draw(st.sampled_from(PROPOSITIONS))
        obj["source"] = draw(st.sampled_from(SOURCES))
    elif kind == "resolve":
        obj["proposition"] = draw(st.sampled_from(PROPOSITIONS))
        obj["value"] = draw(values())
        obj["rationale"] = "adjudicated"
        obj["analyst"] = "ana"
    else:
        obj["proposition"] = draw(st.sampled_from(PROPOSITIONS))
        obj["rationale"] = "new facts"
        obj["analyst"] = "ana"
    if draw(st.integers(0, 9)) == 0:
        obj["note"] = draw(st.sampled_from(["coded by k", {"tags": ["a", 1.5]}]))
    if draw(st.integers(0, 9)) == 0:
        obj["v"] = 1
    return obj


def events() -> st.SearchStrategy[Event]:
    return event_objects().map(decode_event)


@st.composite
def logs(draw: st.DrawFn, max_size: int = 30) -> list[Event]:
    """A log: events with some lines repeated verbatim."""
    base = draw(st.lists(events(), max_size=max_size))
    if base and draw(st.booleans()):
        repeats = draw(st.lists(st.sampled_from(base), max_size=5))
        base = base + repeats
    return base


# Each invalid case of SPEC section 2, as (mutation of a valid claim, field named).
INVALID: list[tuple[dict[str, Any], str | None]] = [
    ({"type": "rumour"}, "type"),
    ({"type": None}, "type"),
    ({"id": ""}, "id"),
    ({"id": 5}, "id"),
    ({"recorded_at": "2025-10-12T08:00:00"}, "recorded_at"),
    ({"recorded_at": "2025-10-12"}, "recorded_at"),
    ({"value": None}, "value"),
    ({"value": [1]}, "value"),
    ({"value": {"min": 3, "max": 1}}, "value"),
    ({"value": {"low": 3}}, "value"),
    ({"v": 2}, "v"),
    ({"source": 7}, "source"),
    ({"stated_at": "noon"}, "stated_at"),
    ({"quote": ["a"]}, "quote"),
]
REQUIRED = ["type", "id", "recorded_at", "claim", "source", "proposition", "value"]


@st.composite
def invalid_objects(draw: st.DrawFn) -> tuple[object, str | None]:
    """An invalid event object and the field its error must name."""
    valid = {
        "type": "claim",
        "id": "bad",
        "recorded_at": TIMES[0],
        "claim": "c1",
        "source": "s1",
        "proposition": "p",
        "value": 1,
    }
    how = draw(st.sampled_from(["mutate", "drop", "not-object"]))
    if how == "mutate":
        change, field = draw(st.sampled_from(INVALID))
        return {**valid, **change}, field
    if how == "drop":
        field = draw(st.sampled_from(REQUIRED))
        return {k: v for k, v in valid.items() if k != field}, field
    # Integers stay within 64 bits: the test writes them with orjson.
    ints = st.integers(min_value=-(2**63), max_value=2**63 - 1)
    return draw(st.one_of(st.lists(ints, max_size=2), st.text(max_size=3), ints, st.none())), None


@st.composite
def _registration(draw: st.DrawFn, sid: str, again: int) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": "source",
        "id": f"src-{sid}-{again}",
        "recorded_at": TIMES[again * 2],
        "source": sid,
        "name": sid,
        "parties": draw(st.lists(st.sampled_from(["x", "y", "z", "w"]), max_size=3, unique=True)),
    }
    if draw(st.booleans()):
        obj["reliability"] = draw(st.sampled_from("ABC"))
    return obj


@st.composite
def crowded_logs(draw: st.DrawFn, max_claims: int = 40) -> list[Event]:
    """Many claims and stances on one amount proposition from many registered sources.

    Sources carry zero to three of a few parties, so groups join through chains,
    and some are re-registered with other parties; values nest, overlap and
    repeat, so quadrants hold many points; an unregistered source appears too.
    """
    sources = [f"s{i}" for i in range(draw(st.integers(2, 9)))]
    speakers = st.sampled_from([*sources, "ghost"])
    objects = [
        draw(_registration(sid, again))
        for sid in sources
        for again in range(draw(st.integers(1, 2)))
    ]
    claims = draw(st.integers(1, max_claims))
    objects += [
        {
            "type": "claim",
            "id": f"claim-{n}",
            "recorded_at": draw(st.sampled_from(TIMES)),
            "claim": f"c{n}",
            "source": draw(speakers),
            "proposition": "p",
            "value": draw(amounts()),
        }
        for n in range(claims)
    ]
    objects += [
        {
            "type": draw(st.sampled_from(["confirm", "confirm", "deny", "retract"])),
            "id": f"stance-{n}",
            "recorded_at": draw(st.sampled_from(TIMES)),
            "claim": f"c{draw(st.integers(0, claims - 1))}",
            "proposition": "p",
            "source": draw(speakers),
        }
        for n in range(draw(st.integers(0, claims)))
    ]
    return [decode_event(obj) for obj in objects]
