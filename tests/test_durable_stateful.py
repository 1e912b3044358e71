"""The durable log against a naive model: a list of accepted events."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
)

from discrepancy.codec import canonical_bytes, decode_event
from discrepancy.durable import EventLog, verify
from discrepancy.errors import AppendRefused, ConcurrencyError
from discrepancy.events import Event
from discrepancy.reconcile import reconcile
from discrepancy.report import dumps, report
from discrepancy.state import replay
from tests.strategies import TIMES, event_objects


class DurableLogMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.TemporaryDirectory()
        self.path = Path(self.folder.name) / "log.jsonl"
        self.log = EventLog.open(self.path)
        self.model: list[Event] = []
        self.serial = 0

    def teardown(self) -> None:
        self.log.close()
        self.folder.cleanup()

    def _accepts(self, event: Event) -> bool:
        """The model's rule: accepted when adding it creates no anomaly."""
        before = reconcile(replay(self.model)).anomalies
        after = reconcile(replay([*self.model, event])).anomalies
        return {(a.kind, a.event) for a in after} <= {(a.kind, a.event) for a in before}

    @initialize()
    def register_sources(self) -> None:
        sources = [
            decode_event(
                {
                    "type": "source",
                    "id": f"src-{name}",
                    "recorded_at": TIMES[0],
                    "source": name,
                    "name": name,
                    "parties": parties,
                }
            )
            for name, parties in (("s1", ["x"]), ("s2", ["y"]), ("s3", ["x", "z"]), ("s4", []))
        ]
        assert self.log.append(sources) == [1, 2, 3, 4]
        self.model.extend(sources)

    @rule(obj=event_objects(), fresh=st.booleans())
    def append(self, obj: dict[str, Any], fresh: bool) -> None:
        if fresh:  # most appends carry a new id; the others may reuse one
            self.serial += 1
            obj = {**obj, "id": f"n{self.serial}"}
        event = decode_event(obj)
        held = {e.id: canonical_bytes(e) for e in self.model}
        if self._accepts(event):
            seqs = self.log.append([event])
            if held.get(event.id) == canonical_bytes(event):
                assert seqs[0] <= len(self.model)
            else:
                self.model.append(event)
                assert seqs == [len(self.model)]
        else:
            size = self.path.stat().st_size
            try:
                self.log.append([event])
            except AppendRefused:
                assert self.path.stat().st_size == size
            else:
                raise AssertionError(f"{event.id} should have been refused")

    @rule(stale=st.integers(min_value=-3, max_value=-1))
    def conflicting_writer(self, stale: int) -> None:
        with pytest.raises(ConcurrencyError) as info:
            self.log.append([], expected_seq=len(self.model) + stale)
        assert info.value.actual == len(self.model)

    @rule()
    def reopen(self) -> None:
        self.log.close()
        self.log = EventLog.open(self.path)

    @invariant()
    def log_matches_model(self) -> None:
        assert [e.id for e in self.log.read()] == [e.id for e in self.model]
        assert self.log.seq == len(self.model)
        assert dumps(report(reconcile(self.log.state()))) == dumps(
            report(reconcile(replay(self.model)))
        )
        assert verify(self.path).events == len(self.model)


DurableLogMachine.TestCase.settings = settings(
    max_examples=25, stateful_step_count=15, deadline=None
)
TestDurableLog = DurableLogMachine.TestCase
