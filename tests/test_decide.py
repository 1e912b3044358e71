"""The write side refuses exactly what reading would report (SPEC section 6)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from discrepancy.codec import decode_event
from discrepancy.decide import Ledger
from discrepancy.events import Claim, Event, Source
from discrepancy.reconcile import reconcile
from discrepancy.state import replay
from tests.strategies import TIMES, event_objects, logs


def clean(events: list[Event]) -> list[Event]:
    """The events of ``events`` a durable log would have accepted, in order."""
    ledger, kept = Ledger(), []
    for e in events:
        if ledger.refusal(e) is None:
            ledger.add(e)
            kept.append(e)
    return kept


@st.composite
def log_and_event(draw: st.DrawFn) -> tuple[list[Event], Event]:
    """An anomaly-free log, and an event that mostly names what the log holds."""
    registrations = [
        decode_event(
            {
                "type": "source",
                "id": f"reg-{sid}",
                "recorded_at": TIMES[0],
                "source": sid,
                "name": sid,
                "parties": draw(st.lists(st.sampled_from(["x", "y"]), max_size=1)),
            }
        )
        for sid in ("s1", "s2", "s3")
    ]
    seeded = [
        decode_event(
            {
                "type": "claim",
                "id": f"seed-{n}",
                "recorded_at": draw(st.sampled_from(TIMES)),
                "claim": f"c{n + 1}",
                "source": draw(st.sampled_from(["s1", "s2", "s3"])),
                "proposition": draw(st.sampled_from(["p", "q"])),
                "value": draw(st.sampled_from([1, 2, {"min": 1}])),
            }
        )
        for n in range(draw(st.integers(1, 3)))
    ]
    held = clean([*registrations, *seeded, *draw(logs(max_size=30))])
    obj: dict[str, Any] = draw(event_objects())
    claims = [e for e in held if isinstance(e, Claim)]
    sources = [e for e in held if isinstance(e, Source)]
    how = draw(
        st.sampled_from(["as drawn", "name a claim", "name a claim", "reuse an id", "re-register"])
    )
    if how == "name a claim" and claims:
        target = draw(st.sampled_from(claims))
        kind = draw(st.sampled_from(["confirm", "deny", "retract", "supersede"]))
        obj = {
            "type": "claim" if kind == "supersede" else kind,
            "id": f"new-{kind}",
            "recorded_at": draw(st.sampled_from(TIMES)),
            "claim": target.claim if kind != "supersede" else "c-new",
            "proposition": draw(st.sampled_from([target.proposition] * 3 + ["p", "q"])),
            "source": draw(st.sampled_from([target.source, target.source, "s1", "s2", "ghost"])),
        }
        if kind == "supersede":
            obj["value"] = draw(st.sampled_from([1, 2, True, "east"]))
            obj["supersedes"] = target.claim
    elif how == "reuse an id" and held:
        obj["id"] = draw(st.sampled_from(held)).id
    elif how == "re-register" and sources:
        obj = {
            "type": "source",
            "id": "again",
            "recorded_at": draw(st.sampled_from(TIMES)),
            "source": draw(st.sampled_from(sources)).source,
            "name": "again",
            "parties": draw(st.lists(st.sampled_from(["x", "y", "z"]), max_size=2, unique=True)),
        }
    return held, decode_event(obj)


def anomalies(events: list[Event]) -> set[tuple[str, str, str]]:
    return {(a.kind, a.event, a.detail) for a in reconcile(replay(events)).anomalies}


@given(log_and_event())
def test_an_append_is_refused_iff_reading_would_report_a_new_anomaly(
    case: tuple[list[Event], Event],
) -> None:
    held, new = case
    assert not anomalies(held)
    refused = Ledger.from_events(held).refusal(new)
    event(f"{type(new).__name__}: {'refused' if refused else 'accepted'}")
    found = anomalies([*held, new])
    assert (refused is not None) == bool(found)
    if refused is not None:
        assert refused.rule in {kind for kind, _, _ in found}


def test_the_strategy_reaches_every_kind_of_event_and_verdict() -> None:
    tally: Counter[str] = Counter()

    @settings(max_examples=300, database=None, derandomize=True)
    @given(log_and_event())
    def draw(case: tuple[list[Event], Event]) -> None:
        held, new = case
        refused = Ledger.from_events(held).refusal(new)
        tally[type(new).__name__] += 1
        tally["refused" if refused else "accepted"] += 1
        tally["non-empty log"] += bool(held)
        if refused is not None:
            tally[refused.rule] += 1

    draw()
    for needed in ("Claim", "Confirmation", "Denial", "Retraction", "Source", "refused"):
        assert tally[needed] >= 3, tally
    for rule in ("id-reused", "dangling-reference", "not-claimant", "unknown-source"):
        assert tally[rule] >= 1, tally
    assert tally["non-empty log"] >= 0.8 * sum(tally[k] for k in ("refused", "accepted"))


def test_an_overlay_leaves_its_ledger_alone_until_absorbed() -> None:
    source = decode_event(
        {
            "type": "source",
            "id": "e1",
            "recorded_at": TIMES[0],
            "source": "s1",
            "name": "S1",
            "parties": [],
        }
    )
    ledger = Ledger()
    trial = ledger.overlay()
    trial.add(source)
    assert ledger.refusal(source) is None
    assert "s1" not in ledger.sources
    ledger.absorb(trial)
    assert "s1" in ledger.sources
