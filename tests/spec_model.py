"""A deliberately naive reading of SPEC sections 3 to 5, to check the reconciler against.

:func:`spec_report` takes a list of event JSON objects (the dicts
``discrepancy.codec.encode_event`` writes, already valid) and returns the report
object of SPEC section 5. It is written from the SPEC alone and shares no code
with ``discrepancy.state``, ``discrepancy.reconcile`` or ``discrepancy.report``:
each rule is a small function that answers one question by looking at all the
events again, however slow that is. Where the SPEC is silent it follows
docs/reconciliation.md, "Choices where the SPEC is silent", and says so.

Anomalies carry a ``detail`` in our own words; compare them with the library's
by ``(kind, event)`` only.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any

import orjson

Event = dict[str, Any]
Number = int | float
STANCES = ("confirm", "deny", "retract")
GRADES = "ABCDEF"


# --- instants, order and content (SPEC section 2) -------------------------------


def instant(text: str) -> datetime:
    """The instant a timestamp names: "timestamps compare as instants, whatever their offsets".

    Only for the timestamps the test strategies write: a ``Z`` or numeric offset and
    at most six digits of fraction, which ``datetime`` represents exactly.
    """
    fraction = re.search(r"\.(\d+)", text)
    assert fraction is None or len(fraction.group(1)) <= 6, f"too fine for this model: {text}"
    if text[-1] in "Zz":
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    assert moment.tzinfo is not None, f"a timestamp without offset: {text}"
    return moment


def order_key(event: Event) -> tuple[datetime, str]:
    """SPEC: "Later", "earlier" and "after" compare ``(recorded_at, id)``."""
    return (instant(event["recorded_at"]), event["id"])


def is_later(a: Event, b: Event) -> bool:
    """Whether event ``a`` is later than event ``b``."""
    return order_key(a) > order_key(b)


def earliest(events: list[Event]) -> Event:
    return min(events, key=order_key)


def latest(events: list[Event]) -> Event:
    return max(events, key=order_key)


def canonical_bytes(event: Event) -> bytes:
    """The event without ``seq`` and ``chain``, as ``orjson.dumps(event, option=OPT_SORT_KEYS)``."""
    content = {k: v for k, v in event.items() if k not in ("seq", "chain")}
    return orjson.dumps(content, option=orjson.OPT_SORT_KEYS)


# --- values (SPEC section 3) ----------------------------------------------------


def kind_of(value: Any) -> str:
    """Numbers and ``{"min", "max"}`` objects are amounts, booleans flags, strings choices."""
    if isinstance(value, bool):
        return "flag"
    if isinstance(value, str):
        return "choice"
    return "amount"


def bounds(value: Any) -> tuple[Number | None, Number | None]:
    """An amount as ``(at least, at most)``; ``None`` where it sets no bound.

    "integer or finite number: exactly that number"; ``{"min": a}`` / ``{"max": b}`` /
    ``{"min": a, "max": b}``: "at least a / at most b / between a and b, inclusive".
    """
    if isinstance(value, dict):
        return (value.get("min"), value.get("max"))
    return (value, value)


def compatible(a: Any, b: Any) -> bool:
    """SPEC: "Two values are compatible when some answer satisfies both: amount intervals that
    intersect, equal flags, equal choices." """
    if kind_of(a) != kind_of(b):
        return False
    if kind_of(a) != "amount":
        return a == b
    (a_low, a_high), (b_low, b_high) = bounds(a), bounds(b)
    a_above_b = a_low is not None and b_high is not None and a_low > b_high
    b_above_a = b_low is not None and a_high is not None and b_low > a_high
    return not (a_above_b or b_above_a)


def entails(a: Any, b: Any) -> bool:
    """SPEC: "Value A entails value B when every answer that satisfies A satisfies B: A's interval
    lies inside B's, equal flags, equal choices." """
    if kind_of(a) != kind_of(b):
        return False
    if kind_of(a) != "amount":
        return a == b
    (a_low, a_high), (b_low, b_high) = bounds(a), bounds(b)
    low_inside = b_low is None or (a_low is not None and a_low >= b_low)
    high_inside = b_high is None or (a_high is not None and a_high <= b_high)
    return low_inside and high_inside


def width(value: Any) -> Fraction | float:
    """How wide an amount's interval is; infinite when an end is open.

    SPEC is silent on how to subtract; docs/reconciliation.md choice 14: "the narrower
    interval compares the decimals the log writes, exactly". ``repr`` of a float is its
    shortest round-trip spelling, the one the log writes.
    """
    low, high = bounds(value)
    if low is None or high is None:
        return math.inf
    return Fraction(repr(high)) - Fraction(repr(low))


# --- the facts, read once from the set of events (SPEC section 4) --------------


@dataclass
class Reading:
    """The set of events, reduced to the facts the rules of section 4 ask about."""

    events: list[Event]
    """One variant per event id, in order."""
    sources: dict[str, Event]
    """Each registered source's latest ``source`` event."""
    claims: dict[str, Event]
    """Each claim id's claim: the earliest ``claim`` event carrying it."""
    kinds: dict[str, str]
    """Each proposition's kind."""
    anomalies: list[tuple[str, str, str]] = field(default_factory=list)
    """``(kind, event id, detail)``."""

    def note(self, kind: str, event: Event, detail: str) -> None:
        self.anomalies.append((kind, event["id"], detail))

    def of_type(self, *types: str) -> list[Event]:
        return [e for e in self.events if e["type"] in types]


def distinct_events(events: list[Event]) -> tuple[list[Event], list[tuple[str, str, str]]]:
    """SPEC: "An event id seen twice with different content is an anomaly (``id-reused``); the
    variant kept is the one with the smallest ``(recorded_at, canonical bytes)``."

    Content is canonical bytes, so the same line repeated is one event. Reported once per
    id however many variants (docs/reconciliation.md choice 10; SPEC is silent).
    """
    variants: dict[str, dict[bytes, Event]] = {}
    for event in events:
        variants.setdefault(event["id"], {})[canonical_bytes(event)] = event
    kept, anomalies = [], []
    for event_id, by_content in variants.items():
        if len(by_content) > 1:
            anomalies.append(("id-reused", event_id, "this event id names different events"))
        kept.append(
            min(by_content.values(), key=lambda e: (instant(e["recorded_at"]), canonical_bytes(e)))
        )
    return sorted(kept, key=order_key), anomalies


def registered_sources(events: list[Event]) -> dict[str, Event]:
    """SPEC: "A later ``source`` event for the same source id replaces the earlier one." """
    sources: dict[str, list[Event]] = {}
    for event in events:
        if event["type"] == "source":
            sources.setdefault(event["source"], []).append(event)
    return {source: latest(registrations) for source, registrations in sources.items()}


def first_claims(events: list[Event]) -> dict[str, Event]:
    """SPEC: "A claim id names one claim: a second ``claim`` event with the same claim id is an
    ``id-reused`` anomaly, and the earlier one counts." """
    claims: dict[str, list[Event]] = {}
    for event in events:
        if event["type"] == "claim":
            claims.setdefault(event["claim"], []).append(event)
    return {claim_id: earliest(carriers) for claim_id, carriers in claims.items()}


def proposition_kinds(claims: dict[str, Event], events: list[Event]) -> dict[str, str]:
    """SPEC: "A proposition's kind is the kind of its earliest claim."

    SPEC is silent on a proposition with resolutions and no claims; docs/reconciliation.md
    choice 5: it "takes its kind from its earliest resolution". A claim event that reuses a
    claim id is no claim of its own (choice 4), so it gives no kind either.
    """
    kinds = {}
    for proposition in {e["proposition"] for e in events if "proposition" in e}:
        own_claims = [c for c in claims.values() if c["proposition"] == proposition]
        resolutions = [
            e for e in events if e["type"] == "resolve" and e["proposition"] == proposition
        ]
        if own_claims:
            kinds[proposition] = kind_of(earliest(own_claims)["value"])
        elif resolutions:
            kinds[proposition] = kind_of(earliest(resolutions)["value"])
    return kinds


def read(events: list[Event]) -> Reading:
    """Reduce the set of events to its facts, noting the anomalies of SPEC section 5."""
    distinct, anomalies = distinct_events(events)
    claims = first_claims(distinct)
    reading = Reading(
        events=distinct,
        sources=registered_sources(distinct),
        claims=claims,
        kinds=proposition_kinds(claims, distinct),
        anomalies=anomalies,
    )
    for event in reading.of_type("claim", *STANCES, "resolve"):
        note_anomalies(reading, event)
    return reading


def note_anomalies(reading: Reading, event: Event) -> None:
    """The anomalies of SPEC section 5 one event shows. "One event may carry several."

    ``unknown-source``: "a claim, stance or ``via`` naming a source never registered".
    ``id-reused``: a second claim event for a claim id; SPEC is silent on its other
    anomalies, docs/reconciliation.md choice 4: it "is reported as ``id-reused`` only (plus
    ``unknown-source`` if it names an unregistered source), since it names no claim of its
    own". A wrong-kind claim still shows every other anomaly (choice 4).
    """
    if event["type"] == "resolve":
        if kind_of(event["value"]) != reading.kinds[event["proposition"]]:
            reading.note("kind-mismatch", event, "resolution of another kind")
        return
    for role in ("source", "via"):
        if role in event and not is_registered(reading, event[role]):
            reading.note("unknown-source", event, f"{role} {event[role]!r} is not registered")
    if event["type"] == "claim":
        if reading.claims[event["claim"]] is not event:
            reading.note("id-reused", event, "a second claim event for this claim id")
            return
        if kind_of(event["value"]) != reading.kinds[event["proposition"]]:
            reading.note("kind-mismatch", event, "claim of another kind")
        if "supersedes" in event and event["supersedes"] != event["claim"]:
            note_reference(reading, event, event["supersedes"])
        return
    note_reference(reading, event, event["claim"])


def note_reference(reading: Reading, event: Event, claim_id: str) -> None:
    """``dangling-reference``: "a stance or ``supersedes`` naming a claim that is not in the
    set, or naming it under another proposition"; ``not-claimant``: "a retraction or
    ``supersedes`` by a source other than the claimant"."""
    target = reading.claims.get(claim_id)
    if target is None or target["proposition"] != event["proposition"]:
        reading.note("dangling-reference", event, f"no claim {claim_id!r} under this proposition")
    elif event["type"] in ("claim", "retract") and event["source"] != target["source"]:
        reading.note("not-claimant", event, f"{event['source']!r} did not make {claim_id!r}")


# --- sources: registered, parties, independent ----------------------------------


def is_registered(reading: Reading, source: str) -> bool:
    return source in reading.sources


def parties(reading: Reading, source: str) -> set[str]:
    return set(reading.sources[source]["parties"])


def are_independent(reading: Reading, a: str, b: str) -> bool:
    """SPEC: "Two sources are independent when they are different, both are registered, and their
    party sets are disjoint. An unregistered source is independent of no one." """
    both_registered = is_registered(reading, a) and is_registered(reading, b)
    return a != b and both_registered and not parties(reading, a) & parties(reading, b)


def share_a_party(reading: Reading, a: str, b: str) -> bool:
    """Another source "that shares a party with" this one (credibility 2)."""
    both_registered = is_registered(reading, a) and is_registered(reading, b)
    return a != b and both_registered and bool(parties(reading, a) & parties(reading, b))


def reliability_rank(reading: Reading, source: str) -> int:
    """SPEC: "The better reliability of its source (A first, ungraded or unregistered last)"."""
    grade = reading.sources.get(source, {}).get("reliability")
    return GRADES.index(grade) if grade is not None else len(GRADES)


# --- claims: counted, live, stances ---------------------------------------------


def is_counted(reading: Reading, claim: Event) -> bool:
    """The claim its id names, of its proposition's kind: "a claim or resolution of another
    kind is an anomaly (section 5) and is not counted"."""
    return (
        reading.claims.get(claim["claim"]) is claim
        and kind_of(claim["value"]) == (reading.kinds[claim["proposition"]])
    )


def counted_claims(reading: Reading, proposition: str) -> list[Event]:
    """The claims of a proposition that count, by claim id."""
    claims = [c for c in reading.claims.values() if c["proposition"] == proposition]
    return sorted((c for c in claims if is_counted(reading, c)), key=lambda c: c["claim"])


def stances_on(reading: Reading, claim: Event, stance: str) -> list[Event]:
    """The ``confirm``, ``deny`` or ``retract`` events that name this claim under its own
    proposition. Others dangle and have no effect (docs/reconciliation.md choice 2)."""
    return [
        e
        for e in reading.of_type(stance)
        if e["claim"] == claim["claim"] and e["proposition"] == claim["proposition"]
    ]


def confirmers(reading: Reading, claim: Event) -> set[str]:
    """Sources that confirm the claim. SPEC is silent on a claimant confirming its own claim;
    docs/reconciliation.md choice 1: it changes nothing and is not listed."""
    return {e["source"] for e in stances_on(reading, claim, "confirm")} - {claim["source"]}


def denials(reading: Reading, claim: Event) -> list[Event]:
    """``deny`` events against the claim "by sources other than the claimant" (a claimant's
    own denial changes nothing: docs/reconciliation.md choice 1)."""
    return [e for e in stances_on(reading, claim, "deny") if e["source"] != claim["source"]]


def is_retracted(reading: Reading, claim: Event) -> bool:
    """SPEC: "Its own source retracted it"; "a retraction ... by another source is an anomaly and
    has no effect"."""
    return any(e["source"] == claim["source"] for e in stances_on(reading, claim, "retract"))


def is_superseded(reading: Reading, claim: Event) -> bool:
    """SPEC: "Another claim of the same source and proposition names it in ``supersedes``"; "a
    ``supersedes`` by another source is an anomaly and has no effect".

    SPEC is silent on order and on the correction's own fate; docs/reconciliation.md
    choice 3: it counts "even if the correction was recorded first, and even if the
    correction is itself later retracted or superseded", and "a claim naming itself changes
    nothing". Choice 4: a correction that is not counted supersedes nothing.
    """
    return any(
        other.get("supersedes") == claim["claim"]
        and other["claim"] != claim["claim"]
        and other["source"] == claim["source"]
        and other["proposition"] == claim["proposition"]
        and is_counted(reading, other)
        for other in reading.claims.values()
    )


def is_live(reading: Reading, claim: Event) -> bool:
    """SPEC: "A claim is live unless its own source retracted it, or another claim of the same
    source and proposition names it in ``supersedes``." """
    return not is_retracted(reading, claim) and not is_superseded(reading, claim)


def live_claims(reading: Reading, proposition: str) -> list[Event]:
    return [c for c in counted_claims(reading, proposition) if is_live(reading, c)]


def is_independently_supported(reading: Reading, claim: Event) -> bool:
    """SPEC: "A claim is independently supported when a source independent of its claimant
    confirms it, or makes a live claim whose value entails its value." """
    claimant = claim["source"]
    by_confirmation = any(are_independent(reading, s, claimant) for s in confirmers(reading, claim))
    by_entailment = any(
        are_independent(reading, other["source"], claimant)
        and entails(other["value"], claim["value"])
        for other in live_claims(reading, claim["proposition"])
    )
    return by_confirmation or by_entailment


def is_contradicted(reading: Reading, claim: Event) -> bool:
    """SPEC: "A claim is contradicted when a live claim incompatible with it exists, or a source
    other than its claimant denies it." (A source's own incompatible claims count too:
    docs/reconciliation.md choice 13.)"""
    by_claim = any(
        not compatible(other["value"], claim["value"])
        for other in live_claims(reading, claim["proposition"])
    )
    return by_claim or bool(denials(reading, claim))


# --- resolutions ----------------------------------------------------------------


def resolution_in_force(reading: Reading, proposition: str) -> Event | None:
    """SPEC: "A resolution is in force when no ``reopen`` for the proposition is later than it; of
    several in force, the latest counts." Resolutions of another kind are not counted."""
    reopens = [e for e in reading.of_type("reopen") if e["proposition"] == proposition]
    in_force = [
        e
        for e in reading.of_type("resolve")
        if e["proposition"] == proposition
        and kind_of(e["value"]) == reading.kinds[proposition]
        and not any(is_later(reopen, e) for reopen in reopens)
    ]
    return latest(in_force) if in_force else None


# --- a proposition: status, credibility, estimate -------------------------------


def status(reading: Reading, proposition: str) -> str:
    """SPEC 4: "Status of a proposition, the first that applies".

    SPEC is silent on what an incompatible claim after the resolution does beyond denying
    ``resolved``; docs/reconciliation.md choice 8: the status falls through to the next rule.
    """
    resolution = resolution_in_force(reading, proposition)
    claims = counted_claims(reading, proposition)
    live = live_claims(reading, proposition)
    if resolution is not None and all(
        compatible(c["value"], resolution["value"]) for c in live if is_later(c, resolution)
    ):
        return "resolved"
    if claims and not live:
        return "withdrawn"
    if any(is_contradicted(reading, c) for c in live):
        return "contested"
    if any(is_independently_supported(reading, c) for c in live):
        return "corroborated"
    return "unconfirmed"


def credibility(reading: Reading, claim: Event) -> int:
    """SPEC: "Credibility of a live claim (NATO/Admiralty information grade, 1 best), the first
    that applies".

    "A resolution in force" is the one that counts, the latest in force
    (docs/reconciliation.md choice 7; SPEC is silent).
    """
    claimant = claim["source"]
    supported = is_independently_supported(reading, claim)
    contradicted = is_contradicted(reading, claim)
    resolution = resolution_in_force(reading, claim["proposition"])
    live = live_claims(reading, claim["proposition"])
    if not is_registered(reading, claimant):
        return 6
    if resolution is not None and not compatible(resolution["value"], claim["value"]):
        return 5
    if not supported and any(
        is_independently_supported(reading, other)
        and not compatible(other["value"], claim["value"])
        for other in live
    ):
        return 5
    if supported and not contradicted:
        return 1
    same_party_confirms = any(
        share_a_party(reading, s, claimant) for s in confirmers(reading, claim)
    )
    same_party_entails = any(
        share_a_party(reading, other["source"], claimant)
        and entails(other["value"], claim["value"])
        for other in live
    )
    if supported or same_party_confirms or same_party_entails:
        return 2
    if contradicted:
        return 4
    return 3


def same_group(reading: Reading, a: str, b: str) -> bool:
    """SPEC 1.1: "two sources being in one group when they share a party, directly or through a
    chain of registered sources (a registered source with no party is a group of its own)"."""
    reached = {a}
    frontier = [a]
    while frontier:
        here = frontier.pop()
        for other in reading.sources:
            if other not in reached and parties(reading, here) & parties(reading, other):
                reached.add(other)
                frontier.append(other)
    return b in reached


def voices(reading: Reading, claim: Event) -> int:
    """SPEC 1.1: "a claim's voices are the number of distinct groups among the registered sources
    that confirm it or make a live claim entailing it, its own claimant included"."""
    backers = confirmers(reading, claim) | {claim["source"]}
    backers |= {
        other["source"]
        for other in live_claims(reading, claim["proposition"])
        if entails(other["value"], claim["value"])
    }
    registered = sorted(s for s in backers if is_registered(reading, s))
    groups: list[str] = []
    for source in registered:
        if not any(same_group(reading, source, seen) for seen in groups):
            groups.append(source)
    return len(groups)


def best_order(reading: Reading, claim: Event) -> tuple[Any, ...]:
    """The order of ``best``: "independently supported first; then the larger number of
    independent voices ...; then the better reliability of its source ...; then the narrower
    interval; then the smaller upper bound (the conservative choice); then the smaller claim
    id. Flags and choices take best by the same order" (width and bounds do not apply)."""
    value = claim["value"]
    amount = kind_of(value) == "amount"
    high = bounds(value)[1] if amount else None
    return (
        not is_independently_supported(reading, claim),
        -voices(reading, claim),
        reliability_rank(reading, claim["source"]),
        width(value) if amount else 0,
        math.inf if high is None else high,
        claim["claim"],
    )


def best(reading: Reading, proposition: str) -> Any:
    """SPEC: "``best`` is the value of the resolution in force, else the value of the first live
    claim in this order". With neither, ``null`` (docs/reconciliation.md choice 6)."""
    resolution = resolution_in_force(reading, proposition)
    if resolution is not None:
        return resolution["value"]
    live = live_claims(reading, proposition)
    if not live:
        return None
    return min(live, key=lambda c: best_order(reading, c))["value"]


def low_and_high(reading: Reading, proposition: str) -> tuple[Number | None, Number | None]:
    """SPEC: "``low`` is the smallest lower bound (null when some claim has no ``min``), ``high``
    the greatest upper bound (null when some claim has no ``max``)", over the live claims.

    SPEC is silent on which spelling of an equal bound (``4``, ``4.0``) to print;
    docs/reconciliation.md choice 15: that of "the claim with the smallest claim id among
    those that reach the bound". No live claim: both null (choice 6).
    """
    live = live_claims(reading, proposition)  # sorted by claim id
    lows = [bounds(c["value"])[0] for c in live]
    highs = [bounds(c["value"])[1] for c in live]
    if not live:
        return (None, None)
    low = None if None in lows else min(lows)  # min and max keep the first of equals
    high = None if None in highs else max(highs)
    return (low, high)


# --- the report (SPEC section 5) ------------------------------------------------


def claim_entry(reading: Reading, claim: Event) -> dict[str, Any]:
    """One entry of a proposition's ``claims``; a claim no longer live has no credibility."""
    entry = {
        "claim": claim["claim"],
        "source": claim["source"],
        "value": claim["value"],
        "live": is_live(reading, claim),
        "confirmed_by": sorted(confirmers(reading, claim)),
        "denied_by": sorted({e["source"] for e in denials(reading, claim)}),
    }
    if entry["live"]:
        entry["credibility"] = credibility(reading, claim)
    return entry


def proposition_entry(reading: Reading, proposition: str) -> dict[str, Any]:
    """A proposition's report. Flags and choices have no ``low`` and ``high`` keys at all
    (docs/reconciliation.md choice 12; SPEC says only that they "have no low or high")."""
    kind = reading.kinds[proposition]
    entry = {
        "kind": kind,
        "status": status(reading, proposition),
        "best": best(reading, proposition),
        "claims": [claim_entry(reading, c) for c in counted_claims(reading, proposition)],
    }
    if kind == "amount":
        entry["low"], entry["high"] = low_and_high(reading, proposition)
    return entry


def contradiction(reading: Reading, proposition: str) -> dict[str, Any]:
    """SPEC: "It lists ``claims``, the ids of its live claims that are contradicted, and
    ``denials``, the ids of the ``deny`` events against its live claims by sources other
    than the claimant, both sorted." """
    live = live_claims(reading, proposition)
    return {
        "proposition": proposition,
        "claims": sorted(c["claim"] for c in live if is_contradicted(reading, c)),
        "denials": sorted(e["id"] for c in live for e in denials(reading, c)),
    }


def spec_report(events: list[Event], as_of: str | None = None) -> dict[str, Any]:
    """The report object of SPEC section 5 for a set of events.

    "``as_of T`` reconciles only the events with ``recorded_at <= T``"; the report echoes
    ``as_of`` as given (docs/reconciliation.md choice 11). "``events`` counts distinct event
    ids applied". "A proposition appears in the report when it has a claim or a resolution"
    (a claim that counts: see :func:`proposition_kinds`).
    """
    if as_of is not None:
        events = [e for e in events if instant(e["recorded_at"]) <= instant(as_of)]
    reading = read(events)
    propositions = sorted(reading.kinds)
    return {
        "as_of": as_of,
        "events": len(reading.events),
        "propositions": {p: proposition_entry(reading, p) for p in propositions},
        "contradictions": [
            contradiction(reading, p) for p in propositions if status(reading, p) == "contested"
        ],
        "anomalies": [
            {"kind": kind, "event": event, "detail": detail}
            for kind, event, detail in sorted(reading.anomalies)
        ],
    }
