"""The near-linear timeline equals its plain twin, and analysts who disagree are found."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from discrepancy.codec import decode_event
from discrepancy.events import Event
from discrepancy.history import _StandIn, kept_events, relevant_events, timeline, timeline_plain
from discrepancy.reconcile import reconcile
from discrepancy.reconcile.analysts import disagreements
from discrepancy.report import report
from discrepancy.state import replay
from discrepancy.summary import show_value
from tests.bench_loader import load_benchmark
from tests.builders import at, claim, reopen, source
from tests.strategies import logs

CROWD_SOURCES = ["s1", "s2", "s3", "ghost"]
# Mostly amounts with bounds written one way (claim ids then decide nothing
# that shows); 1.0 and {"min": 2, "max": 2} write a bound another way, and a
# flag is another kind: both make ids matter again.
CROWD_VALUES: list[Any] = [1, 2, {"min": 1}, {"min": 0, "max": 3}] * 6 + [
    1.0,
    {"min": 2, "max": 2},
    True,
]


@st.composite
def crowd(draw: st.DrawFn) -> list[Event]:
    """One proposition, many claims of few sources and values: the stand-in's case."""
    size = draw(st.integers(min_value=1, max_value=40))
    out = []
    for n in range(size):
        kind = draw(
            st.sampled_from(
                ["claim"] * 8
                + ["source", "confirm", "deny", "retract", "resolve", "reopen", "correct"]
            )
        )
        obj: dict[str, Any] = {
            "type": "claim" if kind == "correct" else kind,
            "id": f"e{n}" if draw(st.integers(0, 15)) else "e0",
            "recorded_at": at(draw(st.integers(0, 12)), draw(st.sampled_from([0, 30]))),
        }
        cid = f"c{draw(st.integers(0, 30)):02d}"
        if kind == "source":
            obj |= {
                "source": draw(st.sampled_from(CROWD_SOURCES[:-1])),
                "name": "S",
                "parties": draw(st.lists(st.sampled_from("xyz"), max_size=2, unique=True)),
            }
            if draw(st.booleans()):
                obj["reliability"] = draw(st.sampled_from("ABC"))
        elif kind in ("claim", "correct"):
            obj |= {
                "claim": cid,
                "source": draw(st.sampled_from(CROWD_SOURCES)),
                "proposition": "p",
                "value": draw(st.sampled_from(CROWD_VALUES)),
            }
            if kind == "correct":
                obj["supersedes"] = f"c{draw(st.integers(0, 30)):02d}"
        elif kind in ("confirm", "deny", "retract"):
            obj |= {
                "claim": cid,
                "proposition": "p",
                "source": draw(st.sampled_from(CROWD_SOURCES)),
            }
        elif kind == "resolve":
            obj |= {
                "proposition": "p",
                "value": draw(st.sampled_from(CROWD_VALUES)),
                "rationale": "r",
                "analyst": draw(st.sampled_from(["ana", "bo"])),
            }
        else:
            obj |= {"proposition": "p", "rationale": "r", "analyst": "ana"}
        out.append(decode_event(obj))
    return out


def _tally_skips(events: list[Event]) -> None:
    found = relevant_events(kept_events(replay(events)), ["p"])["p"]
    stand_in = _StandIn(found)
    skipped = sum(not stand_in.add(e) for e in found)
    event("stand-in left a claim out" if skipped else "stand-in held every event")
    event("claim ids matter" if stand_in._ids_matter else "claim ids decide nothing shown")


@settings(max_examples=150, deadline=None)
@given(crowd())
def test_the_stand_in_timeline_equals_reconciling_after_every_event(events: list[Event]) -> None:
    _tally_skips(events)
    state = replay(events)
    assert timeline(state, "p") == timeline_plain(state, "p")


@settings(max_examples=150, deadline=None)
@given(logs())
def test_the_stand_in_timeline_equals_its_twin_on_any_log(events: list[Event]) -> None:
    state = replay(events)
    for key in ("p", "q", "r"):
        assert timeline(state, key) == timeline_plain(state, key)


def _resolve(value: Any, analyst: str, hour: int, eid: str) -> Event:
    return decode_event(
        {
            "type": "resolve",
            "id": eid,
            "recorded_at": at(hour),
            "proposition": "p",
            "value": value,
            "rationale": "r",
            "analyst": analyst,
        }
    )


BASE = [source("s1", "x"), claim("c1", "s1", 5, when=at(1))]


def test_an_incompatible_resolution_by_another_analyst_is_a_disagreement() -> None:
    state = replay([*BASE, _resolve(5, "ana", 2, "r1"), _resolve(9, "bo", 3, "r2")])
    rec = reconcile(state)
    found = disagreements(state, rec)["p"]
    assert (found.in_force.id, found.replaced.id) == ("r2", "r1")
    assert report(rec, disagreements=found and [found])["disagreements"] == [
        {
            "proposition": "p",
            "resolution": "r2",
            "analyst": "bo",
            "replaces": "r1",
            "replaced_analyst": "ana",
        }
    ]


def test_no_disagreement_for_the_same_analyst_a_compatible_value_or_after_a_reopening() -> None:
    same = [*BASE, _resolve(5, "ana", 2, "r1"), _resolve(9, "ana", 3, "r2")]
    agreeing = [*BASE, _resolve({"min": 4}, "ana", 2, "r1"), _resolve(5, "bo", 3, "r2")]
    reopened = [
        *BASE,
        _resolve(5, "ana", 2, "r1"),
        reopen(when=at(2, 30)),
        _resolve(9, "bo", 3, "r2"),
    ]
    for events in (same, agreeing, reopened):
        state = replay(events)
        rec = reconcile(state)
        assert disagreements(state, rec) == {}
        assert "disagreements" not in report(rec, disagreements=disagreements(state, rec).values())


def test_a_correction_of_an_interchangeable_claim_is_held() -> None:
    events = [
        source("s1", "x"),
        claim("c05", "s1", {"min": 1}, when=at(1)),
        claim("c02", "s1", 1, when=at(2)),
        claim("c03", "s1", {"min": 1}, when=at(3), supersedes="c02"),
    ]
    state = replay(events)
    assert timeline(state, "p") == timeline_plain(state, "p")
    assert [str(s.best) for s in timeline(state, "p")][-1] == str(
        timeline_plain(state, "p")[-1].best
    )


def test_a_re_registration_that_moves_the_best_value_is_a_step() -> None:
    events = [
        source("s1", "x", grade="A", when=at(0)),
        source("s2", "y", grade="C", when=at(0)),
        claim("c1", "s1", 5, when=at(1)),
        claim("c2", "s2", 9, when=at(2)),
        source("s1", "x", grade="F", when=at(3), eid="s1-again"),
    ]
    steps = timeline(replay(events), "p")
    assert [s.event.id for s in steps] == ["ev-c1", "ev-c2", "s1-again"]
    assert [show_value(s.best) for s in steps] == ["5", "5", "9"]


def test_the_explain_benchmark_runs(tmp_path: Path) -> None:
    module = load_benchmark("bench_explain")
    out = tmp_path / "bench.json"
    rows = module.main(["--claims", "120", "--plain", "--json", str(out)])
    assert rows["events"] > 120
    assert rows["explain_seconds"] > 0
    assert rows["plain_timeline_seconds"] > 0
    assert json.loads(out.read_text())["rows"] == rows
