"""The streamed report writes exactly the bytes of the whole report object."""

from __future__ import annotations

import importlib
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from discrepancy.events import Event
from discrepancy.policy import POLICIES, PolicyName
from discrepancy.reconcile import reconcile
from discrepancy.report import dumps, report, write_report
from discrepancy.state import EMPTY, replay
from tests.strategies import TIMES, logs

# The module, not the function of the same name that the package exports.
report_module = importlib.import_module("discrepancy.report")


class _Writes(io.BytesIO):
    """A stream that counts its writes."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def write(self, data: bytes, /) -> int:  # type: ignore[override]
        self.calls += 1
        return super().write(data)


@given(logs(), st.sampled_from([None, *TIMES]), st.sampled_from(POLICIES))
def test_write_report_equals_dumps_of_report(
    events: list[Event], as_of: str | None, policy: PolicyName
) -> None:
    reconciliation = reconcile(replay(events), policy=policy)
    stream = _Writes()
    written = write_report(reconciliation, stream, as_of=as_of)
    expected = dumps(report(reconciliation, as_of=as_of))
    assert stream.getvalue() == expected
    assert written == len(expected)


@given(logs(max_size=40))
def test_write_report_in_many_chunks_still_writes_the_same_bytes(events: list[Event]) -> None:
    reconciliation = reconcile(replay(events))
    stream = _Writes()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(report_module, "_CHUNK", 1)
        write_report(reconciliation, stream)
    assert stream.getvalue() == dumps(report(reconciliation))
    # One write per piece (anomaly, contradiction, proposition) once each
    # fills a chunk, and one to finish: no section is held whole.
    pieces = (
        len(reconciliation.propositions)
        + len(reconciliation.contradictions)
        + len(reconciliation.anomalies)
    )
    assert stream.calls == pieces + 1


def test_the_report_of_no_events_streams_like_the_whole() -> None:
    stream = io.BytesIO()
    write_report(reconcile(EMPTY), stream)
    assert stream.getvalue() == dumps(report(reconcile(EMPTY)))
    assert b'"propositions":{}' in stream.getvalue()
