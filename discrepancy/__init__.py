"""discrepancy: keep track of conflicting claims.

An append-only log of typed events, folded by pure reducers into the
reconciled state. The contract is SPEC format v1; see ``docs/``.
"""

from importlib.metadata import PackageNotFoundError, version

from discrepancy.codec import canonical_bytes, decode_event, decode_line, encode_event
from discrepancy.durable import EventLog, Verified, verify
from discrepancy.errors import (
    AppendRefused,
    ConcurrencyError,
    DiscrepancyError,
    LogDecodeError,
    LogIntegrityError,
    SnapshotMismatch,
    TableError,
)
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
from discrepancy.figures import FigureError, parse_figure
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

try:
    __version__ = version("discrepancy")
except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
    __version__ = "0+unknown"

__all__ = [
    "EMPTY",
    "Amount",
    "Anomaly",
    "AppendRefused",
    "Choice",
    "Claim",
    "ClaimFinding",
    "ConcurrencyError",
    "Confirmation",
    "Contradiction",
    "Denial",
    "DiscrepancyError",
    "Event",
    "EventLog",
    "FigureError",
    "Flag",
    "LogDecodeError",
    "LogIntegrityError",
    "PropositionFinding",
    "Reconciliation",
    "Reopening",
    "Resolution",
    "Retraction",
    "SnapshotMismatch",
    "Source",
    "State",
    "TableError",
    "Timestamp",
    "Value",
    "Verified",
    "__version__",
    "canonical_bytes",
    "compatible",
    "decode_event",
    "decode_line",
    "dumps",
    "encode_event",
    "entails",
    "evolve",
    "merge",
    "parse_figure",
    "read_events",
    "read_paths",
    "reconcile",
    "replay",
    "replay_paths",
    "report",
    "verify",
    "write_report",
]
