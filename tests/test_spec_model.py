"""The library's report equals a naive reading of the SPEC (tests/spec_model.py).

The properties run on two kinds of log: ``logs()`` from tests/strategies.py as it
is, and ``aimed_logs()``, which registers every source and adds stances and
corrections aimed at the log's own claims, so that contested, resolved and
withdrawn propositions and every credibility grade are common rather than rare
(``test_aimed_logs_reach_*`` below checks that, within the properties' budget).
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from discrepancy.codec import decode_event, encode_event
from discrepancy.events import Event
from discrepancy.reconcile import reconcile
from discrepancy.report import report
from discrepancy.state import replay
from tests import spec_model
from tests.spec_model import spec_report
from tests.strategies import (
    CHOICES,
    CLAIM_IDS,
    EVENT_IDS,
    PARTIES,
    SOURCES,
    TIMES,
    amounts,
    crowded_logs,
    event_objects,
    logs,
)

# Instants to limit to: the strategies' own, one before them all, one between two.
MOMENTS = [*TIMES, "2025-10-12T07:59:59Z", "2025-10-12T14:29:59.999999+05:00"]


# --- logs whose claims are answered ---------------------------------------------


@st.composite
def registrations(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A ``source`` event for every source but the ghost, before anything else."""
    registered = []
    for source in SOURCES[:-1]:
        obj: dict[str, Any] = {
            "type": "source",
            "id": f"registers-{source}",
            "recorded_at": TIMES[0],
            "source": source,
            "name": source.upper(),
            "parties": draw(st.lists(st.sampled_from(PARTIES), max_size=2, unique=True)),
        }
        if draw(st.booleans()):
            obj["reliability"] = draw(st.sampled_from("ABCDEF"))
        registered.append(obj)
    return registered


def values_like(value: Any) -> st.SearchStrategy[Any]:
    """Values of the same kind as ``value``."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, str):
        return st.sampled_from(CHOICES)
    return amounts()


@st.composite
def answer(draw: st.DrawFn, claim: dict[str, Any], n: int) -> dict[str, Any]:
    """An event aimed at ``claim``: its claimant's retraction or correction; another
    source's confirmation, denial or own claim; an analyst's resolution. Mostly under fresh
    event and claim ids, sometimes under reused ones."""
    how = draw(
        st.sampled_from(
            ["retract", "supersede", "confirm", "confirm", "deny", "claim", "claim", "resolve"]
        )
    )
    fresh = f"aimed-{n}"
    obj: dict[str, Any] = {
        "type": "claim" if how == "supersede" else how,
        "id": draw(st.sampled_from([fresh, fresh, fresh, EVENT_IDS[0]])),
        "recorded_at": draw(st.sampled_from(TIMES)),
        "proposition": claim["proposition"],
    }
    same_value_or_not = st.one_of(st.just(claim["value"]), values_like(claim["value"]))
    if how == "resolve":
        obj.update(value=draw(same_value_or_not), rationale="adjudicated", analyst="ana")
        return obj
    claimant = how in ("retract", "supersede")
    obj["source"] = claim["source"] if claimant else draw(st.sampled_from(SOURCES))
    if obj["type"] != "claim":
        obj["claim"] = claim["claim"]
        return obj
    obj["claim"] = draw(st.sampled_from([fresh, fresh, fresh, CLAIM_IDS[0]]))
    obj["value"] = draw(same_value_or_not)
    if how == "supersede":
        obj["supersedes"] = claim["claim"]
    return obj


@st.composite
def aimed_logs(draw: st.DrawFn, max_size: int = 12) -> list[Event]:
    """Registered sources, then events from ``event_objects()``, then answers to its claims
    (and to earlier answers)."""
    base = draw(st.lists(event_objects(), min_size=3, max_size=max_size))
    claims = [obj for obj in base if obj["type"] == "claim"]
    answers: list[dict[str, Any]] = []
    for n in range(draw(st.integers(min_value=2, max_value=12)) if claims else 0):
        answers.append(draw(answer(draw(st.sampled_from(claims)), n)))
        if answers[-1]["type"] == "claim":
            claims.append(answers[-1])
    return [decode_event(obj) for obj in [*draw(registrations()), *base, *answers]]


# --- comparing the two ----------------------------------------------------------


def comparable(report_object: dict[str, Any]) -> dict[str, Any]:
    """A report as parsed JSON, its anomalies reduced to sorted ``[kind, event]`` pairs
    (``detail`` texts are the library's own)."""
    parsed: dict[str, Any] = orjson.loads(orjson.dumps(report_object))
    parsed["anomalies"] = sorted([a["kind"], a["event"]] for a in parsed["anomalies"])
    return parsed


def estimates(parsed: dict[str, Any]) -> dict[str, tuple[bytes, ...]]:
    """Each proposition's ``best``, ``low`` and ``high`` exactly as JSON writes them, so
    that ``4`` and ``4.0`` (equal in Python) differ, and an absent key is not ``null``."""
    return {
        key: tuple(
            orjson.dumps(entry[name], option=orjson.OPT_SORT_KEYS) if name in entry else b"<absent>"
            for name in ("best", "low", "high")
        )
        for key, entry in parsed["propositions"].items()
    }


def library_report(events: list[Event], as_of: str | None = None) -> dict[str, Any]:
    state = replay(events)
    if as_of is not None:
        state = state.as_of(as_of)
    return comparable(report(reconcile(state), as_of=as_of))


def model_report(events: list[Event], as_of: str | None = None) -> dict[str, Any]:
    return comparable(spec_report([encode_event(e) for e in events], as_of))


def assert_same(events: list[Event], as_of: str | None = None) -> dict[str, Any]:
    """The library and the model give the same report; returns it."""
    library, model = library_report(events, as_of), model_report(events, as_of)
    assert library == model
    assert estimates(library) == estimates(model)
    sort = orjson.OPT_SORT_KEYS
    assert orjson.dumps(library, option=sort) == orjson.dumps(model, option=sort)
    return model


# --- the properties -------------------------------------------------------------


@given(logs())
def test_the_report_of_any_log_is_the_spec_models(events: list[Event]) -> None:
    assert_same(events)


@given(aimed_logs())
def test_the_report_of_an_aimed_log_is_the_spec_models(events: list[Event]) -> None:
    assert_same(events)


@settings(max_examples=150)
@given(crowded_logs(max_claims=30))
def test_the_report_of_a_crowded_proposition_is_the_spec_models(events: list[Event]) -> None:
    # Many sources in chained groups, nested and repeated values: every branch of
    # the near-linear support counts (swept or paired) against the plain model.
    assert_same(events)


@given(logs(), st.sampled_from(MOMENTS))
def test_the_report_as_of_any_moment_is_the_spec_models(events: list[Event], moment: str) -> None:
    assert_same(events, as_of=moment)


@given(aimed_logs(), st.sampled_from(MOMENTS))
def test_the_report_of_an_aimed_log_as_of_any_moment_is_the_spec_models(
    events: list[Event], moment: str
) -> None:
    assert_same(events, as_of=moment)


def test_the_model_is_independent_of_the_library() -> None:
    """The model imports nothing of ``discrepancy``: it is a second reading, not a copy."""
    tree = ast.parse(Path(spec_model.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {name for name in imported if name.split(".")[0] == "discrepancy"}


# --- the aimed logs reach what the rules are about -------------------------------


def features(events: list[Event]) -> set[str]:
    """What a log shows in the model's reading: statuses, grades, and a resolution in force
    that a later incompatible claim keeps from ``resolved``."""
    reading = spec_model.read([encode_event(e) for e in events])
    found = set()
    for proposition in reading.kinds:
        status = spec_model.status(reading, proposition)
        found.add(status)
        live = spec_model.live_claims(reading, proposition)
        found |= {f"grade {spec_model.credibility(reading, c)}" for c in live}
        in_force = spec_model.resolution_in_force(reading, proposition)
        if in_force is not None and status != "resolved":
            found.add("resolution overruled by a later claim")
    return found


# Generation only, the properties' own budget under the ``ci`` profile, derandomised.
BUDGET = settings(max_examples=150, database=None, derandomize=True, phases=[Phase.generate])
REACHED = ["contested", "resolved", "withdrawn", "corroborated", "unconfirmed"]
REACHED += [f"grade {g}" for g in range(1, 7)]
REACHED += ["resolution overruled by a later claim"]


def test_aimed_logs_reach_every_status_and_grade_often() -> None:
    seen: Counter[str] = Counter()

    @BUDGET
    @given(aimed_logs())
    def count(events: list[Event]) -> None:
        seen.update(features(events))

    count()
    rare = {feature: seen[feature] for feature in REACHED if seen[feature] < 3}
    assert not rare, f"seen in fewer than 3 of 150 aimed logs: {rare}; all: {seen}"


def test_moments_cut_aimed_logs() -> None:
    """``as_of`` really leaves some events out of many of the aimed logs."""
    cuts: Counter[str] = Counter()

    @BUDGET
    @given(aimed_logs(), st.sampled_from(MOMENTS))
    def count(events: list[Event], moment: str) -> None:
        limited = model_report(events, moment)["events"]
        whole = model_report(events)["events"]
        cuts.update(["some left out"] if 0 < limited < whole else [])

    count()
    assert cuts["some left out"] >= 30


# --- examples where a reading could plausibly go astray --------------------------


def claim(
    eid: str, when: str, claim_id: str, source: str, value: Any, **more: Any
) -> dict[str, Any]:
    return {
        "type": "claim",
        "id": eid,
        "recorded_at": when,
        "claim": claim_id,
        "source": source,
        "proposition": "p",
        "value": value,
        **more,
    }


def source(eid: str, when: str, name: str, *parties: str, **more: Any) -> dict[str, Any]:
    return {
        "type": "source",
        "id": eid,
        "recorded_at": when,
        "source": name,
        "name": name.upper(),
        "parties": list(parties),
        **more,
    }


def resolve(eid: str, when: str, value: Any) -> dict[str, Any]:
    return {
        "type": "resolve",
        "id": eid,
        "recorded_at": when,
        "proposition": "p",
        "value": value,
        "rationale": "adjudicated",
        "analyst": "ana",
    }


def confirm(eid: str, when: str, claim_id: str, name: str) -> dict[str, Any]:
    return {
        "type": "confirm",
        "id": eid,
        "recorded_at": when,
        "claim": claim_id,
        "proposition": "p",
        "source": name,
    }


def decoded(objects: list[dict[str, Any]]) -> list[Event]:
    return [decode_event(obj) for obj in objects]


EARLY = "2025-10-12T07:00:00Z"


@pytest.mark.parametrize(
    ("claim_event", "status", "grade"),
    [
        # Same instant as the resolution, smaller id: not recorded after it.
        ("e4", "resolved", 5),
        # Same instant, larger id: recorded after it, so the resolution is overruled
        # (though its text, 08:00Z, sorts before 13:00+05:00).
        ("e6", "unconfirmed", 5),
    ],
)
def test_a_tie_written_with_different_offsets_is_broken_by_event_id(
    claim_event: str, status: str, grade: int
) -> None:
    report_object = assert_same(
        decoded(
            [
                source("e1", EARLY, "s1", "x"),
                resolve("e5", "2025-10-12T13:00:00+05:00", 23),
                claim(claim_event, "2025-10-12T08:00:00Z", "c1", "s1", 58),
            ]
        )
    )
    entry = report_object["propositions"]["p"]
    assert entry["status"] == status
    assert entry["best"] == 23
    assert entry["claims"][0]["credibility"] == grade


def test_a_re_registration_at_the_same_instant_is_broken_by_event_id() -> None:
    # e2 (13:00+05:00) and e3 (08:00Z) are the same instant: e3 is the later one, though
    # its text sorts first. So s2 belongs to party x, is not independent of s1, and its
    # confirmation supports no one (grade 2, not 1).
    report_object = assert_same(
        decoded(
            [
                source("e1", EARLY, "s1", "x"),
                source("e2", "2025-10-12T13:00:00+05:00", "s2", "y"),
                source("e3", "2025-10-12T08:00:00Z", "s2", "x"),
                claim("e4", "2025-10-12T09:00:00Z", "c1", "s1", 58),
                confirm("e5", "2025-10-12T10:00:00Z", "c1", "s2"),
            ]
        )
    )
    entry = report_object["propositions"]["p"]
    assert entry["status"] == "unconfirmed"
    assert entry["claims"][0]["confirmed_by"] == ["s2"]
    assert entry["claims"][0]["credibility"] == 2


def test_a_reused_event_id_keeps_the_earliest_then_smallest_variant() -> None:
    same_instant = [
        claim("e2", "2025-10-12T13:30:00+04:30", "c1", "s1", 58),
        # The same instant; its canonical bytes are smaller ("...T09" < "...T13").
        claim("e2", "2025-10-12T09:00:00Z", "c1", "s1", 23),
    ]
    registered = [source("e1", EARLY, "s1", "x")]
    report_object = assert_same(decoded(registered + same_instant))
    assert report_object["anomalies"] == [["id-reused", "e2"]]
    assert report_object["events"] == 2
    assert report_object["propositions"]["p"]["best"] == 23

    # An earlier instant wins over smaller bytes ("...T13:00+05:00" is 08:00Z); still
    # one anomaly for the id however many variants.
    earlier = claim("e2", "2025-10-12T13:00:00+05:00", "c1", "s1", 99)
    report_object = assert_same(decoded([*registered, *same_instant, earlier]))
    assert report_object["anomalies"] == [["id-reused", "e2"]]
    assert report_object["propositions"]["p"]["best"] == 99

    # As of 08:30Z only the earliest variant was recorded: no reuse yet.
    report_object = assert_same(
        decoded([*registered, *same_instant, earlier]), as_of="2025-10-12T08:30:00Z"
    )
    assert report_object["anomalies"] == []
    assert report_object["propositions"]["p"]["best"] == 99


def test_a_reused_claim_id_counts_the_earlier_claim_only() -> None:
    report_object = assert_same(
        decoded(
            [
                source("e1", EARLY, "s1", "x"),
                claim("e3", "2025-10-12T08:00:00Z", "c1", "s1", 58),
                # The same instant, smaller id: this one is earlier and counts, though its
                # text sorts last.
                claim("e2", "2025-10-12T13:00:00+05:00", "c1", "s1", 23),
            ]
        )
    )
    assert report_object["anomalies"] == [["id-reused", "e3"]]
    assert [c["value"] for c in report_object["propositions"]["p"]["claims"]] == [23]


@pytest.mark.parametrize(
    ("corrector", "anomalies", "original_live"),
    [
        ("s2", [["not-claimant", "e4"]], True),  # another source: no effect
        ("s1", [], False),  # its own source: corrected
    ],
)
def test_supersedes_takes_effect_only_from_the_claimant(
    corrector: str, anomalies: list[list[str]], original_live: bool
) -> None:
    report_object = assert_same(
        decoded(
            [
                source("e1", EARLY, "s1", "x"),
                source("e2", EARLY, "s2", "y"),
                claim("e3", "2025-10-12T08:00:00Z", "c1", "s1", 58),
                claim("e4", "2025-10-12T09:00:00Z", "c2", corrector, 23, supersedes="c1"),
            ]
        )
    )
    assert report_object["anomalies"] == anomalies
    entry = report_object["propositions"]["p"]
    assert [c["live"] for c in entry["claims"]] == [original_live, True]
    assert entry["status"] == ("contested" if original_live else "unconfirmed")


@pytest.mark.parametrize(
    ("correction", "anomalies"),
    [
        # Of another kind: not counted, so it corrects nothing (choice 4).
        (claim("e4", "2025-10-12T09:00:00Z", "c3", "s1", True, supersedes="c1"), ["kind-mismatch"]),
        # Of another kind and another source: every anomaly it shows is reported.
        (
            claim("e4", "2025-10-12T09:00:00Z", "c3", "s2", True, supersedes="c1"),
            ["kind-mismatch", "not-claimant"],
        ),
        # Reusing a claim id: names no claim of its own, so it corrects nothing.
        (claim("e4", "2025-10-12T09:00:00Z", "c2", "s1", 58, supersedes="c1"), ["id-reused"]),
    ],
)
def test_a_correction_that_is_not_counted_supersedes_nothing(
    correction: dict[str, Any], anomalies: list[str]
) -> None:
    report_object = assert_same(
        decoded(
            [
                source("e1", EARLY, "s1", "x"),
                source("e2", EARLY, "s2", "y"),
                claim("e3", "2025-10-12T08:00:00Z", "c1", "s1", 58),
                claim("e5", "2025-10-12T08:00:00Z", "c2", "s1", 23),
                correction,
            ]
        )
    )
    assert report_object["anomalies"] == [[kind, "e4"] for kind in anomalies]
    claims = report_object["propositions"]["p"]["claims"]
    assert [(c["claim"], c["live"]) for c in claims] == [("c1", True), ("c2", True)]


def test_equal_bounds_print_the_spelling_of_the_smallest_claim_id() -> None:
    # c1 and c2 span the same interval, written differently: low and high take c1's
    # spelling (choice 15), though c2 was recorded first; so does best, by claim id.
    report_object = assert_same(
        decoded(
            [
                source("e1", EARLY, "s1", "x"),
                claim("e2", "2025-10-12T10:00:00Z", "c1", "s1", {"min": 4.0, "max": 6}),
                claim("e3", "2025-10-12T08:00:00Z", "c2", "s1", {"min": 4, "max": 6.0}),
            ]
        )
    )
    assert estimates(report_object)["p"] == (b'{"max":6,"min":4.0}', b"4.0", b"6")


def test_a_confirmer_of_the_same_party_adds_no_voice_for_its_other_labels() -> None:
    # Rules 1.1: s2 shares party x with s1, so it is in s1's group; its label y adds no
    # voice (rules 1.0 counted two parties behind c1 here). One voice each, and c2's
    # source is better graded: c2 is best.
    report_object = assert_same(
        decoded(
            [
                source("e1", EARLY, "s1", "x"),
                source("e2", EARLY, "s2", "x", "y"),
                source("e3", EARLY, "s3", "x", reliability="A"),
                claim("e4", "2025-10-12T08:00:00Z", "c1", "s1", 58),
                claim("e5", "2025-10-12T08:00:00Z", "c2", "s3", 23),
                confirm("e6", "2025-10-12T09:00:00Z", "c1", "s2"),
            ]
        )
    )
    entry = report_object["propositions"]["p"]
    assert entry["status"] == "contested"
    assert entry["best"] == 23
    assert [c["credibility"] for c in entry["claims"]] == [2, 4]


def test_a_claim_contradicted_by_an_independently_supported_claim_is_graded_5() -> None:
    # s2 (party y) confirms s1's 58 (party x): independently supported, but contradicted
    # by s3's 23, so grade 2. The 23 has no independent support: grade 5, not 4.
    report_object = assert_same(
        decoded(
            [
                source("e1", EARLY, "s1", "x"),
                source("e2", EARLY, "s2", "y"),
                source("e3", EARLY, "s3", "z"),
                claim("e4", "2025-10-12T08:00:00Z", "c1", "s1", 58),
                claim("e5", "2025-10-12T08:00:00Z", "c2", "s3", 23),
                confirm("e6", "2025-10-12T09:00:00Z", "c1", "s2"),
            ]
        )
    )
    entry = report_object["propositions"]["p"]
    assert entry["status"] == "contested"
    assert entry["best"] == 58
    assert [c["credibility"] for c in entry["claims"]] == [2, 5]


def test_a_claimant_of_many_parties_is_judged_source_by_source() -> None:
    # Seven parties are past the subset count (EXACT_PARTIES); its quadrant holds one
    # group only: "far" is joined through "bridge" but shares no party with "many".
    many = [f"m{i}" for i in range(7)]
    report_object = assert_same(
        decoded(
            [
                source("e1", EARLY, "many", *many),
                source("e2", EARLY, "bridge", "m0", "b"),
                source("e3", EARLY, "far", "b"),
                source("e4", EARLY, "ally", "m3"),
                claim("e5", "2025-10-12T08:00:00Z", "c1", "many", {"min": 1, "max": 9}),
                claim("e6", "2025-10-12T08:00:00Z", "c2", "far", 4),
                claim("e7", "2025-10-12T08:00:00Z", "c3", "ally", 5),
            ]
        )
    )
    grades = {c["claim"]: c["credibility"] for c in report_object["propositions"]["p"]["claims"]}
    assert grades["c1"] == 1
