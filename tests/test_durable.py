"""The durable log: chain, strict appends, recovery, tamper evidence, concurrency."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from discrepancy.codec import decode_event, encode_event
from discrepancy.decide import Ledger
from discrepancy.durable import EventLog, verify
from discrepancy.errors import (
    AppendRefused,
    ConcurrencyError,
    DiscrepancyError,
    LogIntegrityError,
)
from discrepancy.events import Event
from discrepancy.logs import replay_paths
from discrepancy.reconcile import reconcile
from discrepancy.report import dumps, report
from discrepancy.state import replay
from tests.builders import at, claim, confirm, deny, resolve, retract, source
from tests.strategies import event_objects, logs

SOURCES = [source("ispr", "pakistan", eid="s-ispr"), source("mujahid", "taliban", eid="s-muj")]
CLAIMS = [
    claim("c1", "mujahid", 58, "killed", when=at(9), eid="e1"),
    claim("c2", "ispr", 23, "killed", when=at(10), eid="e2"),
    deny("c1", "ispr", "killed", when=at(11), eid="e3"),
]


def spec_chain(lines: list[bytes]) -> list[str]:
    """The chain recomputed from SPEC section 2's words alone."""
    previous, chains = "0" * 64, []
    for raw in lines:
        obj = orjson.loads(raw)
        del obj["seq"], obj["chain"]
        body = orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
        previous = hashlib.sha256(previous.encode() + body).hexdigest()
        chains.append(previous)
    return chains


def test_lines_carry_seq_and_a_chain_anyone_can_recompute(tmp_path: Path) -> None:
    path = tmp_path / "claims.log"
    with EventLog.open(path) as log:
        assert log.append(SOURCES) == [1, 2]
        assert log.append(CLAIMS) == [3, 4, 5]
    lines = path.read_bytes().splitlines()
    objs = [orjson.loads(line) for line in lines]
    assert [o["seq"] for o in objs] == [1, 2, 3, 4, 5]
    assert [o["chain"] for o in objs] == spec_chain(lines)
    assert verify(path).seq == 5
    # replay reads durable logs, checking the chain, to the same state.
    assert replay_paths([path]) == replay([*SOURCES, *CLAIMS])


def test_reopening_continues_the_chain_and_the_state(tmp_path: Path) -> None:
    path = tmp_path / "claims.log"
    with EventLog.open(path) as log:
        log.append(SOURCES)
    with EventLog.open(path) as log:
        assert log.seq == 2
        log.append(CLAIMS)
        assert log.state() == replay([*SOURCES, *CLAIMS])
        assert list(log.read(from_seq=4)) == CLAIMS[1:]
    assert verify(path).events == 5


def test_an_identical_event_is_appended_once(tmp_path: Path) -> None:
    with EventLog.open(tmp_path / "l.log") as log:
        log.append(SOURCES)
        assert log.append([CLAIMS[0], CLAIMS[0]]) == [3, 3]
        assert log.append([CLAIMS[0], CLAIMS[1]]) == [3, 4]
        assert log.seq == 4


@pytest.mark.parametrize(
    ("event", "rule"),
    [
        (claim("c9", "ghost", 1, "killed", eid="x"), "unknown-source"),
        (claim("c9", "ispr", 1, "killed", eid="x", via="pigeon"), "unknown-source"),
        (claim("c1", "ispr", 1, "killed", eid="x"), "id-reused"),
        (claim("c9", "ispr", 99, "killed", when=at(9), eid="e1"), "id-reused"),
        (claim("c9", "ispr", "many", "killed", eid="x"), "kind-mismatch"),
        (resolve(True, "killed", eid="x"), "kind-mismatch"),
        (retract("c1", "ispr", "killed", eid="x"), "not-claimant"),
        (claim("c9", "ispr", 24, "killed", eid="x", supersedes="c1"), "not-claimant"),
        (confirm("nope", "ispr", "killed", eid="x"), "dangling-reference"),
        (deny("c1", "ispr", "other", eid="x"), "dangling-reference"),
        (claim("c9", "ispr", 24, "other", eid="x", supersedes="c2"), "dangling-reference"),
        (confirm("c1", "stranger", "killed", eid="x"), "unknown-source"),
    ],
)
def test_an_append_that_would_create_an_anomaly_writes_nothing(
    tmp_path: Path, event: Event, rule: str
) -> None:
    path = tmp_path / "l.log"
    with EventLog.open(path) as log:
        log.append([*SOURCES, *CLAIMS])
        before = path.read_bytes()
        ok = claim("c7", "ispr", 30, "killed", eid="fine")
        with pytest.raises(AppendRefused) as info:
            log.append([ok, event])  # the good event is not written either
        assert info.value.rule == rule
        assert info.value.event == event.id
        assert path.read_bytes() == before
        assert log.seq == 5


def test_expected_seq_guards_against_a_concurrent_writer(tmp_path: Path) -> None:
    path = tmp_path / "l.log"
    with EventLog.open(path) as first, EventLog.open(path) as second:
        first.append(SOURCES, expected_seq=0)
        with pytest.raises(ConcurrencyError):
            second.append(CLAIMS, expected_seq=0)
        assert second.append(CLAIMS, expected_seq=2) == [3, 4, 5]  # it caught up
        assert first.append([], expected_seq=5) == []


def _written(tmp_path: Path) -> Path:
    path = tmp_path / "l.log"
    with EventLog.open(path) as log:
        log.append([*SOURCES, *CLAIMS])
    return path


def _broken_at(path: Path) -> tuple[int, str]:
    with pytest.raises(LogIntegrityError) as info:
        verify(path)
    return info.value.line, info.value.reason


def test_an_edited_value_is_found_at_its_line(tmp_path: Path) -> None:
    path = _written(tmp_path)
    path.write_bytes(path.read_bytes().replace(b'"value":58', b'"value":59'))
    line, reason = _broken_at(path)
    assert line == 3
    assert "chain" in reason
    with pytest.raises(LogIntegrityError, match=r"l\.log:3: chain broken"):
        replay_paths([path])


def test_a_deleted_line_is_found(tmp_path: Path) -> None:
    path = _written(tmp_path)
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:2] + lines[3:]))
    assert _broken_at(path)[0] == 3


def test_two_swapped_lines_are_found(tmp_path: Path) -> None:
    path = _written(tmp_path)
    lines = path.read_bytes().splitlines(keepends=True)
    lines[3], lines[4] = lines[4], lines[3]
    path.write_bytes(b"".join(lines))
    assert _broken_at(path)[0] == 4


def test_a_truncated_last_line_takes_its_whole_batch_to_a_side_file(tmp_path: Path) -> None:
    path = tmp_path / "l.log"
    with EventLog.open(path) as log:
        log.append(SOURCES)
        log.append(CLAIMS)
    before_batch = path.read_bytes()
    log_tail = before_batch[len(b"".join(before_batch.splitlines(keepends=True)[:2])) :]
    path.write_bytes(before_batch[:-40])
    assert verify(path).torn_bytes > 0
    with pytest.raises(LogIntegrityError, match="torn"):
        replay_paths([path])
    with EventLog.open(path) as log:
        assert log.seq == 2  # all of the cut batch went, not only its torn line
        assert path.read_bytes() == before_batch[: len(before_batch) - len(log_tail)]
        log.append(CLAIMS)  # the lost batch is appended again
    side = tmp_path / "l.log.torn-1"
    assert side.read_bytes() == log_tail[:-40]
    assert verify(path).events == 5
    assert verify(path).torn_bytes == 0


def test_a_bad_line_in_the_middle_is_an_error_not_skipped(tmp_path: Path) -> None:
    path = _written(tmp_path)
    lines = path.read_bytes().splitlines(keepends=True)
    lines[1] = b"{not json\n"
    path.write_bytes(b"".join(lines))
    assert _broken_at(path) == (2, "not valid JSON")
    with pytest.raises(LogIntegrityError):
        EventLog.open(path)


_WRITER = """
import sys
from discrepancy.codec import decode_event
from discrepancy.durable import EventLog
path, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
log = EventLog.open(path)
for at in range(0, count, 10):
    log.append([decode_event({"type": "claim", "id": f"{name}-{i}", "claim": f"{name}-c{i}",
        "recorded_at": "2025-10-12T10:00:00Z", "source": "ispr", "proposition": f"p{i}",
        "value": i}) for i in range(at, at + 10)])
"""


def test_two_processes_appending_5000_events_each_interleave_whole_batches(
    tmp_path: Path,
) -> None:
    from discrepancy.sidecar import Sidecar

    path = tmp_path / "shared.log"
    with EventLog.open(path) as log:
        log.append(SOURCES)
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(path), name, "5000"])
        for name in ("a", "b")
    ]
    assert [w.wait(timeout=300) for w in writers] == [0, 0]
    found = verify(path)  # one valid chain, every batch whole
    assert found.events == 10002
    ids = [e.id for e in replay_paths([path]).events()]
    assert {f"a-{i}" for i in range(5000)} | {f"b-{i}" for i in range(5000)} <= set(ids)
    runs = [orjson.loads(line).get("id", "")[:1] for line in path.read_bytes().splitlines()[2:]]
    assert all(len(set(runs[at : at + 10])) == 1 for at in range(0, len(runs), 10))
    sidecar = Sidecar.open(path)
    assert sidecar is not None
    assert sidecar.covers() == (found.seq, found.chain, path.stat().st_size)
    assert len(sidecar.ledger.digests) == 10002
    sidecar.close()


# (Writers killed at random: tests/test_durable_edges.py, 60 kills by fork.)


# --- the write path refuses exactly what reading would call an anomaly --------


@given(logs(max_size=20), event_objects())
def test_refusal_agrees_with_reconcile(events: list[Event], obj: dict[str, Any]) -> None:
    state = replay(events)
    if reconcile(state).anomalies:
        return  # a log written through EventLog never holds an anomaly
    event = decode_event(obj)
    before = {(a.kind, a.event) for a in reconcile(state).anomalies}
    after = {(a.kind, a.event) for a in reconcile(replay([*state.events(), event])).anomalies}
    assert (Ledger.from_events(state.events()).refusal(event) is not None) == bool(after - before)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60)
@given(st.lists(st.one_of(st.binary(max_size=80), event_objects().map(orjson.dumps)), max_size=6))
def test_arbitrary_input_gives_documented_errors_and_leaves_the_log_alone(
    tmp_path: Path, lines: list[bytes]
) -> None:
    path = tmp_path / "fuzz.log"
    path.unlink(missing_ok=True)
    with EventLog.open(path) as log:
        log.append([*SOURCES, *CLAIMS])
    before = path.read_bytes()
    with EventLog.open(path) as log:
        for raw in lines:
            try:
                event = decode_event(orjson.loads(raw))
                log.append([event])
            except (DiscrepancyError, orjson.JSONDecodeError):
                assert path.read_bytes() == before
            else:
                before = path.read_bytes()
    assert verify(path).torn_bytes == 0
    with EventLog.open(path) as log:
        assert dumps(report(reconcile(log.state()))) == dumps(
            report(reconcile(replay_paths([path])))
        )


def test_garbage_appended_by_hand_is_found(tmp_path: Path) -> None:
    path = _written(tmp_path)
    with path.open("ab") as handle:
        handle.write(orjson.dumps(encode_event(CLAIMS[0])) + b"\n")  # no seq or chain
    assert _broken_at(path)[0] == 6


def test_a_claim_naming_itself_in_supersedes_is_accepted_as_reconcile_reads_it(
    tmp_path: Path,
) -> None:
    # Found by the stateful test: reconcile sees no anomaly here, so neither may append.
    with EventLog.open(tmp_path / "l.log") as log:
        log.append(SOURCES)
        assert log.append([claim("c9", "ispr", 1, "p", eid="x", supersedes="c9")]) == [3]


def test_a_snapshot_plus_the_tail_equals_a_full_replay(tmp_path: Path) -> None:
    path, snap = tmp_path / "l.log", tmp_path / "l.snapshot"
    with EventLog.open(path) as log:
        log.append(SOURCES)
        log.append(CLAIMS[:2])
        log.write_snapshot(snap)
        log.append(CLAIMS[2:])
    with EventLog.open(path, snapshot=snap) as log:
        assert log.state() == replay_paths([path])
        assert log.seq == 5
        assert log.append([CLAIMS[0]]) == [3]  # seqs of snapshotted events are kept
        log.append([confirm("c2", "mujahid", "killed", eid="late")])
    assert verify(path).events == 6


def test_a_snapshot_of_another_log_is_refused(tmp_path: Path) -> None:
    from discrepancy.errors import SnapshotMismatch

    first, second, snap = tmp_path / "a.log", tmp_path / "b.log", tmp_path / "a.snapshot"
    with EventLog.open(first) as log:
        log.append([*SOURCES, *CLAIMS])
        log.write_snapshot(snap)
    with EventLog.open(second) as log:
        log.append([*SOURCES, CLAIMS[1], CLAIMS[0], CLAIMS[2]])  # same events, other order
    with pytest.raises(SnapshotMismatch, match="chain"):
        EventLog.open(second, snapshot=snap)
    with EventLog.open(tmp_path / "short.log") as log:
        log.append(SOURCES)
    with pytest.raises(SnapshotMismatch, match="shorter"):
        EventLog.open(tmp_path / "short.log", snapshot=snap)
    (tmp_path / "junk.snapshot").write_bytes(b'{"snapshot": 9}\n')
    with pytest.raises(SnapshotMismatch, match="not a version 1 or 2 snapshot"):
        EventLog.open(first, snapshot=tmp_path / "junk.snapshot")
