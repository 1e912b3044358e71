"""The reconciled state as flat typed rows: one per claim, for spreadsheets and notebooks.

:func:`claim_rows` is the one place that flattens a reconciliation: each
counted claim with its typed value, its event's times and words, who
confirmed or denied it, and its proposition's status, best, low, high and
resolution. :func:`flat_csv` writes those rows as CSV (``replay --format
csv``), :func:`arrow_table` as a ``pyarrow.Table`` and :func:`write_parquet`
as Parquet (the ``parquet`` extra), which pandas, polars and DuckDB read
directly (see ``docs/export.md``).

Values are split into typed columns so that no cell holds JSON: ``*_kind``
is ``amount``, ``flag`` or ``choice``; amounts fill ``*_min`` and ``*_max``
(equal for an exact number, empty for an open end); flags and choices fill
``*_text`` (``true``/``false`` for flags). Lists (``confirmed_by``,
``denied_by``) are joined with ``"; "`` in CSV and are lists in Arrow.
Pure except :func:`write_parquet`.
"""

from __future__ import annotations

import csv
import importlib
import io
from typing import Any, BinaryIO, Final

from discrepancy.events import Claim
from discrepancy.reconcile import ClaimFinding, PropositionFinding, Reconciliation
from discrepancy.state import State
from discrepancy.summary import show_value
from discrepancy.values import Amount, Choice, Flag, Value

COLUMNS: Final[tuple[str, ...]] = (
    "proposition",
    "kind",
    "status",
    "best",
    "best_min",
    "best_max",
    "best_text",
    "low",
    "high",
    "claim",
    "source",
    "value",
    "value_kind",
    "value_min",
    "value_max",
    "value_text",
    "live",
    "credibility",
    "independently_supported",
    "contradicted",
    "confirmed_by",
    "denied_by",
    "recorded_at",
    "stated_at",
    "quote",
    "url",
    "via",
    "supersedes",
    "resolution",
    "resolution_analyst",
    "resolution_rationale",
)
"""The flat columns, in order. ``best`` and ``value`` are as a person reads them
(``58``, ``23 to 58``, ``at least 23``, ``yes``); the typed columns beside them
are for computing."""

_NUMBERS: Final = frozenset({"best_min", "best_max", "low", "high", "value_min", "value_max"})


def _typed(prefix: str, value: Value | None) -> dict[str, Any]:
    out: dict[str, Any] = {f"{prefix}_min": None, f"{prefix}_max": None, f"{prefix}_text": None}
    if isinstance(value, Amount):
        out[f"{prefix}_min"], out[f"{prefix}_max"] = value.low, value.high
    elif isinstance(value, Flag):
        out[f"{prefix}_text"] = "true" if value.holds else "false"
    elif value is not None:
        out[f"{prefix}_text"] = value.answer
    return out


def _readable(value: Value | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, Flag):
        return "true" if value.holds else "false"
    if isinstance(value, Choice):
        return value.answer
    return show_value(value)


def claim_rows(reconciliation: Reconciliation, state: State) -> list[dict[str, Any]]:
    """One dict per counted claim (keys :data:`COLUMNS`), by proposition then claim id."""
    return [
        _row(finding, claim, state.claim(claim.claim))
        for key in sorted(reconciliation.propositions)
        for finding in (reconciliation.propositions[key],)
        for claim in finding.claims
    ]


def _row(finding: PropositionFinding, claim: ClaimFinding, event: Claim | None) -> dict[str, Any]:
    resolution = finding.resolution
    row: dict[str, Any] = {
        "proposition": finding.proposition,
        "kind": finding.kind,
        "status": finding.status,
        "best": _readable(finding.best),
        **_typed("best", finding.best),
        "low": finding.low,
        "high": finding.high,
        "claim": claim.claim,
        "source": claim.source,
        "value": _readable(claim.value),
        "value_kind": claim.value.kind,
        **_typed("value", claim.value),
        "live": claim.live,
        "credibility": claim.credibility,
        "independently_supported": claim.independently_supported,
        "contradicted": claim.contradicted,
        "confirmed_by": list(claim.confirmed_by),
        "denied_by": list(claim.denied_by),
        "recorded_at": None if event is None else event.recorded_at.text,
        "stated_at": None if event is None or event.stated_at is None else event.stated_at.text,
        "quote": None if event is None else event.quote,
        "url": None if event is None else event.url,
        "via": None if event is None else event.via,
        "supersedes": None if event is None else event.supersedes,
        "resolution": None if resolution is None else _readable(resolution.value),
        "resolution_analyst": None if resolution is None else resolution.analyst,
        "resolution_rationale": None if resolution is None else resolution.rationale,
    }
    if finding.kind != "amount":
        row["low"] = row["high"] = None
    return row


def flat_csv(reconciliation: Reconciliation, state: State) -> str:
    """:func:`claim_rows` as CSV: a header of :data:`COLUMNS`, empty cells for nothing."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in claim_rows(reconciliation, state):
        writer.writerow(_cell(row[c]) for c in COLUMNS)
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(value)
    return str(value)


def arrow_table(reconciliation: Reconciliation, state: State) -> Any:
    """:func:`claim_rows` as a ``pyarrow.Table`` with typed columns (needs the parquet extra).

    Numbers are float64 (a column mixing integers and fractions has one type);
    ``credibility`` is int8; booleans are bool; lists are ``list<string>``; times
    stay RFC 3339 strings as written (offsets kept; parse them in the notebook).
    """
    pa = _pyarrow()
    rows = claim_rows(reconciliation, state)
    types = {
        **{c: pa.float64() for c in _NUMBERS},
        "credibility": pa.int8(),
        "live": pa.bool_(),
        "independently_supported": pa.bool_(),
        "contradicted": pa.bool_(),
        "confirmed_by": pa.list_(pa.string()),
        "denied_by": pa.list_(pa.string()),
    }
    schema = pa.schema([(c, types.get(c, pa.string())) for c in COLUMNS])
    columns = {c: [_number(r[c]) if c in _NUMBERS else r[c] for r in rows] for c in COLUMNS}
    return pa.Table.from_pydict(columns, schema=schema)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def write_parquet(reconciliation: Reconciliation, state: State, out: BinaryIO) -> None:
    """Write :func:`arrow_table` as Parquet to a binary file object."""
    pa = _pyarrow()
    parquet = importlib.import_module("pyarrow.parquet")
    sink = pa.BufferOutputStream()
    parquet.write_table(arrow_table(reconciliation, state), sink)
    out.write(sink.getvalue().to_pybytes())


def _pyarrow() -> Any:
    try:
        return importlib.import_module("pyarrow")
    except ImportError:
        raise MissingExtra(
            "Arrow and Parquet output need pyarrow: pip install 'discrepancy[parquet]'"
        ) from None


class MissingExtra(ImportError):
    """An optional extra this output needs is not installed."""
