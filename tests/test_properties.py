"""The invariants of SPEC section 4 as properties, each its own test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, Phase, assume, find, given, settings
from hypothesis import strategies as st

from discrepancy.codec import canonical_bytes, decode_event, encode_event
from discrepancy.errors import LogDecodeError
from discrepancy.events import Event, instant_key
from discrepancy.logs import read_events, replay_paths
from discrepancy.reconcile import Reconciliation, reconcile
from discrepancy.report import dumps, report
from discrepancy.state import EMPTY, State, evolve, merge, replay
from tests.strategies import TIMES, event_objects, invalid_objects, logs


def report_bytes(state: State) -> bytes:
    return dumps(report(reconcile(state)))


def fold(events: list[Event]) -> State:
    state = EMPTY
    for event in events:
        state = evolve(state, event)
    return state


# --- the codec ---------------------------------------------------------------


@given(event_objects())
def test_codec_round_trip(obj: dict[str, Any]) -> None:
    event = decode_event(obj)
    assert encode_event(event) == obj
    assert decode_event(encode_event(event)) == event


@given(event_objects())
def test_canonical_re_encoding(obj: dict[str, Any]) -> None:
    expected = orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
    event = decode_event(orjson.loads(orjson.dumps(obj)))
    assert canonical_bytes(event) == expected
    enveloped = {**obj, "seq": 3, "chain": "0" * 64}
    assert canonical_bytes(decode_event(enveloped)) == expected


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(event_objects(), max_size=4), invalid_objects(), st.lists(event_objects(), max_size=3)
)
def test_invalid_lines_raise_log_decode_error_at_their_line(
    tmp_path: Path,
    before: list[dict[str, Any]],
    bad: tuple[object, str | None],
    after: list[dict[str, Any]],
) -> None:
    obj, field = bad
    log = tmp_path / "log.jsonl"
    lines = [orjson.dumps(o) for o in before] + [orjson.dumps(obj)]
    lines += [orjson.dumps(o) for o in after]
    log.write_bytes(b"\n".join(lines) + b"\n")
    with pytest.raises(LogDecodeError) as info:
        list(read_events(log))
    assert info.value.line == len(before) + 1
    assert info.value.field == field
    assert info.value.path == str(log)


# --- the state is a function of the set of events ------------------------------


@given(logs())
def test_batch_replay_equals_folding_evolve(events: list[Event]) -> None:
    batch, folded = replay(events), fold(events)
    assert batch == folded
    assert report_bytes(batch) == report_bytes(folded)


@given(logs(), st.randoms(use_true_random=False))
def test_any_permutation_gives_the_same_state(events: list[Event], rng: Any) -> None:
    shuffled = list(events)
    rng.shuffle(shuffled)
    assert replay(shuffled) == replay(events)
    assert report_bytes(replay(shuffled)) == report_bytes(replay(events))


@given(logs(), st.data())
def test_any_duplication_gives_the_same_state(events: list[Event], data: st.DataObject) -> None:
    assume(events)
    extra = data.draw(st.lists(st.sampled_from(events), min_size=1, max_size=10))
    assert report_bytes(replay(events + extra)) == report_bytes(replay(events))


@given(logs(), st.data())
def test_any_split_and_merge_gives_the_same_state(events: list[Event], data: st.DataObject) -> None:
    parts = data.draw(st.integers(min_value=2, max_value=4))
    owner = data.draw(
        st.lists(st.integers(0, parts - 1), min_size=len(events), max_size=len(events))
    )
    pieces = [replay(e for e, o in zip(events, owner, strict=True) if o == p) for p in range(parts)]
    merged = pieces[0]
    for piece in pieces[1:]:
        merged = merge(merged, piece)
    assert merged == replay(events)
    assert report_bytes(merged) == report_bytes(replay(events))


@given(logs(), st.sampled_from(TIMES))
def test_as_of_equals_replaying_the_events_recorded_by_then(
    events: list[Event], moment: str
) -> None:
    key = instant_key(moment)
    expected = replay(e for e in events if e.recorded_at.key <= key)
    limited = replay(events).as_of(moment)
    assert limited == expected
    assert report_bytes(limited) == report_bytes(expected)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(logs(max_size=15), st.sampled_from(TIMES))
def test_as_of_when_reading_files_equals_filtering(
    tmp_path: Path, events: list[Event], moment: str
) -> None:
    log = tmp_path / "log.jsonl"
    log.write_bytes(b"".join(orjson.dumps(encode_event(e)) + b"\n" for e in events))
    key = instant_key(moment)
    assert replay_paths([log], as_of=moment) == replay(
        e for e in events if e.recorded_at.key <= key
    )


@given(logs(max_size=12), logs(max_size=12), logs(max_size=12))
def test_merge_is_commutative_associative_and_idempotent(
    a: list[Event], b: list[Event], c: list[Event]
) -> None:
    sa, sb, sc = replay(a), replay(b), replay(c)
    assert merge(sa, sb) == merge(sb, sa)
    assert merge(merge(sa, sb), sc) == merge(sa, merge(sb, sc))
    assert merge(sa, sa) == sa
    assert merge(sa, EMPTY) == sa
    assert report_bytes(merge(sa, sb)) == report_bytes(merge(sb, sa))


@given(logs(), st.lists(event_objects(), min_size=1, max_size=5), event_objects())
def test_evolve_leaves_its_input_untouched(
    events: list[Event], more: list[dict[str, Any]], other: dict[str, Any]
) -> None:
    base = fold(events)
    before = report_bytes(base)
    line = base
    for obj in more:
        line = evolve(line, decode_event(obj))
    assert report_bytes(base) == before
    # Branch from the old state: both branches and the old state stay right.
    branch = evolve(base, decode_event(other))
    assert report_bytes(base) == before
    assert branch == replay([*events, decode_event(other)])
    assert line == replay([*events, *(decode_event(o) for o in more)])


@given(logs())
def test_events_of_a_state_replay_to_it(events: list[Event]) -> None:
    state = replay(events)
    assert replay(state.events()) == state


# --- what the report promises ------------------------------------------------


def check_report(rec: Reconciliation, events: list[Event]) -> None:
    contested = {k for k, f in rec.propositions.items() if f.status == "contested"}
    assert {c.proposition for c in rec.contradictions} == contested
    assert [c.proposition for c in rec.contradictions] == sorted(contested)
    assert rec.events == len({e.id for e in events})
    keys = [(a.kind, a.event) for a in rec.anomalies]
    assert keys == sorted(keys)
    for contradiction in rec.contradictions:
        finding = rec.propositions[contradiction.proposition]
        live = {c.claim for c in finding.claims if c.live}
        assert list(contradiction.claims) == sorted(contradiction.claims)
        assert set(contradiction.claims) <= live
        assert contradiction.claims or contradiction.denials
    for finding in rec.propositions.values():
        ids = [c.claim for c in finding.claims]
        assert ids == sorted(ids)
        assert len(set(ids)) == len(ids)
        for claim in finding.claims:
            assert (claim.credibility is not None) == claim.live
            assert claim.credibility is None or 1 <= claim.credibility <= 6
            assert claim.source not in claim.confirmed_by
        if finding.status == "withdrawn":
            assert not any(c.live for c in finding.claims)
        live_values = [c.value for c in finding.claims if c.live]
        if finding.kind == "amount" and live_values and finding.resolution is None:
            best = finding.best
            assert best is not None
            assert finding.low is None or (best.low is not None and finding.low <= best.low)
            assert finding.high is None or (best.high is not None and best.high <= finding.high)


@given(logs())
def test_report_invariants(events: list[Event]) -> None:
    check_report(reconcile(replay(events)), events)


# --- the strategies reach the interesting cases --------------------------------


def kinds_of(events: list[Event]) -> set[str]:
    return {a.kind for a in reconcile(replay(events)).anomalies}


def statuses_of(events: list[Event]) -> set[str]:
    return {f.status for f in reconcile(replay(events)).propositions.values()}


# Generation only: finding one example proves the case is reached; shrinking it
# would only cost time.
REACH = settings(max_examples=5000, database=None, derandomize=True, phases=[Phase.generate])


@pytest.mark.parametrize(
    "anomaly",
    ["id-reused", "kind-mismatch", "not-claimant", "dangling-reference", "unknown-source"],
)
def test_strategies_reach_every_anomaly(anomaly: str) -> None:
    find(logs(), lambda events: anomaly in kinds_of(events), settings=REACH)


@pytest.mark.parametrize(
    "status", ["resolved", "withdrawn", "contested", "corroborated", "unconfirmed"]
)
def test_strategies_reach_every_status(status: str) -> None:
    find(logs(), lambda events: status in statuses_of(events), settings=REACH)


def test_strategies_reach_a_tie_between_differently_written_instants() -> None:
    def tie(events: list[Event]) -> bool:
        texts: dict[str, set[str]] = {}
        for e in events:
            texts.setdefault(e.recorded_at.key, set()).add(e.recorded_at.text)
        return any(len(t) > 1 for t in texts.values())

    find(logs(), tie, settings=REACH)


def test_strategies_reach_a_resolution_later_reopened() -> None:
    def reopened(events: list[Event]) -> bool:
        rec = reconcile(replay(events))
        resolved_somewhere = any(e.TYPE == "resolve" for e in replay(events).events())
        return (
            resolved_somewhere
            and any(f.resolution is None and f.claims for f in rec.propositions.values())
            and any(e.TYPE == "reopen" for e in events)
        )

    find(logs(), reopened, settings=REACH)


def test_strategies_reach_a_superseded_claim() -> None:
    def superseded(events: list[Event]) -> bool:
        rec = reconcile(replay(events))
        retracted = {e.claim for e in events if e.TYPE == "retract"}  # type: ignore[union-attr]
        return any(
            not c.live and c.claim not in retracted
            for f in rec.propositions.values()
            for c in f.claims
        )

    find(logs(), superseded, settings=REACH)
