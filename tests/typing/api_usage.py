"""The public API as a user types it; checked by ``mypy --strict`` in CI."""

from __future__ import annotations

from pathlib import Path

import discrepancy
from discrepancy import (
    Amount,
    Claim,
    LogDecodeError,
    PropositionFinding,
    Reconciliation,
    State,
    Timestamp,
    Value,
    compatible,
    decode_line,
    evolve,
    merge,
    read_paths,
    reconcile,
    replay,
    report,
)


def death_toll(paths: list[Path]) -> Value | None:
    state: State = replay(read_paths(paths, as_of="2025-10-12T18:00:00+05:00"))
    result: Reconciliation = reconcile(state)
    finding: PropositionFinding | None = result.propositions.get("pk-soldiers-killed")
    return None if finding is None else finding.best


def add_claim(state: State) -> State:
    claim = Claim(
        id="e1",
        recorded_at=Timestamp.parse("2025-10-12T10:00:00Z"),
        claim="c1",
        source="ispr",
        proposition="pk-soldiers-killed",
        value=Amount.of(23),
    )
    return evolve(state, claim)


def first_error(line: bytes) -> str | None:
    try:
        decode_line(line, path="log.jsonl", line_no=1)
    except LogDecodeError as exc:
        return f"{exc.path}:{exc.line}: {exc.field}"
    return None


def as_json(a: State, b: State) -> bytes:
    both = merge(a, b)
    return discrepancy.dumps(report(reconcile(both), as_of=None))


def agree(a: Value, b: Value) -> bool:
    return compatible(a, b)
