"""Rules 1.1 independent voices as properties, and the reasons explain gives."""

from __future__ import annotations

import attrs
from hypothesis import event, given
from hypothesis import strategies as st

from discrepancy.events import Event, Source
from discrepancy.reconcile import explain, source_groups
from discrepancy.state import replay
from tests.builders import claim, confirm, source
from tests.strategies import crowded_logs


def voices(events: list[Event]) -> dict[str, int]:
    reasons = explain(replay(events), "p")
    return {} if reasons is None else dict(reasons.voices)


def latest_registrations(events: list[Event]) -> dict[str, Source]:
    latest: dict[str, Source] = {}
    for e in events:
        if isinstance(e, Source) and (e.source not in latest or e.order > latest[e.source].order):
            latest[e.source] = e
    return latest


@given(crowded_logs(), st.data())
def test_adding_a_party_to_a_source_never_adds_a_voice(
    events: list[Event], data: st.DataObject
) -> None:
    latest = latest_registrations(events)
    sid = data.draw(st.sampled_from(sorted(latest)))
    party = data.draw(st.sampled_from(["x", "y", "z", "w", "fresh"]))
    held = latest[sid]
    widened = attrs.evolve(held, parties=tuple(sorted({*held.parties, party})))
    changed = [widened if e is held else e for e in events]
    before, after = voices(events), voices(changed)
    event("fewer voices somewhere" if after != before else "same voices")
    assert before.keys() == after.keys()
    assert all(after[c] <= before[c] for c in before)


@given(crowded_logs(), st.permutations(["x", "y", "z", "w"]))
def test_voices_do_not_depend_on_party_names(events: list[Event], names: list[str]) -> None:
    rename = dict(zip(["x", "y", "z", "w"], names, strict=True))
    renamed = [
        attrs.evolve(e, parties=tuple(rename[p] for p in e.parties)) if isinstance(e, Source) else e
        for e in events
    ]
    assert voices(renamed) == voices(events)
    assert explain(replay(renamed), "p") == explain(replay(events), "p")


def test_groups_join_through_chains_and_partyless_sources_stand_alone() -> None:
    groups = source_groups(
        {
            "a": frozenset({"x"}),
            "b": frozenset({"x", "y"}),
            "c": frozenset({"y"}),
            "d": frozenset({"z"}),
            "e": frozenset(),
            "f": frozenset(),
        }
    )
    assert groups["a"] == groups["b"] == groups["c"]
    assert len({groups["a"], groups["d"], groups["e"], groups["f"]}) == 4


SOURCES = (
    source("mod-af", "taliban", grade="D"),
    source("outlet", "taliban", "haqqani"),
    source("ispr", "pakistan", grade="B"),
    source("wire", grade="A"),
    source("observer", "un"),
)


def test_explain_names_the_rung_and_both_sides() -> None:
    events = [
        *SOURCES,
        claim("c1", "mod-af", 58),
        claim("c2", "ispr", 23),
        confirm("c1", "outlet"),
    ]
    reasons = explain(replay(events), "p")
    assert reasons is not None
    assert reasons.best.rung == "reliability"
    assert reasons.best.best is not None
    assert reasons.best.runner_up is not None
    assert (reasons.best.best.claim, reasons.best.best.reliability) == ("c2", "B")
    assert (reasons.best.runner_up.claim, reasons.best.runner_up.reliability) == ("c1", "D")
    assert (reasons.best.best.voices, reasons.best.runner_up.voices) == (1, 1)
    grade = {g.claim: g for g in reasons.grades}
    assert (grade["c1"].grade, grade["c1"].rule, grade["c1"].sources) == (2, "allied", ("outlet",))
    assert (grade["c2"].grade, grade["c2"].rule, grade["c2"].claims) == (4, "contradicted", ("c1",))


def test_explain_says_voices_decided() -> None:
    events = [
        *SOURCES,
        claim("c1", "mod-af", 58),
        claim("c2", "ispr", 23),
        confirm("c1", "wire"),
        confirm("c1", "observer"),
        confirm("c2", "wire"),
    ]
    reasons = explain(replay(events), "p")
    assert reasons is not None
    assert reasons.best.rung == "voices"
    assert reasons.best.best is not None
    assert reasons.best.runner_up is not None
    assert (reasons.best.best.voices, reasons.best.runner_up.voices) == (3, 2)
    grade = {g.claim: g for g in reasons.grades}
    assert grade["c1"].rule == "supported-but-contradicted"
    assert grade["c1"].sources == ("observer", "wire")
