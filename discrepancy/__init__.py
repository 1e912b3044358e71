"""discrepancy: keep track of conflicting claims.

An append-only log of typed events, folded by pure reducers into the
reconciled state. The contract is SPEC format v1; see ``docs/``.
"""

from discrepancy.codec import canonical_bytes, decode_event, decode_line, encode_event
from discrepancy.errors import DiscrepancyError, LogDecodeError, UsageError
from discrepancy.events import (
    Claim,
    Confirmation,
    Denial,
    Event,
    Reopening,
    Resolution,
    Retraction,
    Source,
    Timestamp,
)
from discrepancy.logs import read_events, read_paths, replay_paths
from discrepancy.reconcile import (
    Anomaly,
    ClaimFinding,
    Contradiction,
    PropositionFinding,
    Reconciliation,
    reconcile,
)
from discrepancy.report import dumps, report, write_report
from discrepancy.state import EMPTY, State, evolve, merge, replay
from discrepancy.values import Amount, Choice, Flag, Value, compatible, entails

__all__ = [
    "EMPTY",
    "Amount",
    "Anomaly",
    "Choice",
    "Claim",
    "ClaimFinding",
    "Confirmation",
    "Contradiction",
    "Denial",
    "DiscrepancyError",
    "Event",
    "Flag",
    "LogDecodeError",
    "PropositionFinding",
    "Reconciliation",
    "Reopening",
    "Resolution",
    "Retraction",
    "Source",
    "State",
    "Timestamp",
    "UsageError",
    "Value",
    "canonical_bytes",
    "compatible",
    "decode_event",
    "decode_line",
    "dumps",
    "encode_event",
    "entails",
    "evolve",
    "merge",
    "read_events",
    "read_paths",
    "reconcile",
    "replay",
    "replay_paths",
    "report",
    "write_report",
]
