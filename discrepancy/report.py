"""The JSON report of SPEC section 5: plain data, then deterministic bytes.

:func:`report` turns a :class:`~discrepancy.reconcile.Reconciliation` into the
JSON-ready object SPEC section 5 describes; :func:`dumps` writes it with sorted
keys, so that the same set of events always prints the same bytes.
:func:`write_report` writes those same bytes to a stream a proposition at a
time, never holding the whole report object.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final, Protocol

import orjson

from discrepancy.reconcile import ClaimFinding, PropositionFinding, Reconciliation
from discrepancy.values import value_to_json

if TYPE_CHECKING:
    from discrepancy.reconcile.analysts import Disagreement


def _claim(finding: ClaimFinding) -> dict[str, Any]:
    out: dict[str, Any] = {
        "claim": finding.claim,
        "source": finding.source,
        "value": value_to_json(finding.value),
        "live": finding.live,
        "confirmed_by": list(finding.confirmed_by),
        "denied_by": list(finding.denied_by),
    }
    if finding.live:
        out["credibility"] = finding.credibility
    return out


def _proposition(finding: PropositionFinding) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": finding.kind,
        "status": finding.status,
        "best": None if finding.best is None else value_to_json(finding.best),
        "claims": [_claim(c) for c in finding.claims],
    }
    if finding.kind == "amount":
        out["low"] = finding.low
        out["high"] = finding.high
    return out


def report(
    reconciliation: Reconciliation,
    *,
    as_of: str | None = None,
    disagreements: Iterable[Disagreement] = (),
) -> dict[str, Any]:
    """The report object of SPEC section 5.

    ``disagreements`` (from :func:`discrepancy.reconcile.analysts.disagreements`)
    adds the optional ``disagreements`` list when there are any (a compatible
    extension of SPEC section 5, ``docs/reconciliation.md``).

    ``as_of`` is echoed as given (the timestamp the state was limited to).
    Flag and choice propositions carry no ``low`` or ``high`` key. Under a
    policy other than ``spec`` the report also names the ``policy``, and under
    ``learned`` it gives each source's learned ``reliability`` (six decimals);
    under ``spec`` it is exactly SPEC section 5.
    """
    return _report(reconciliation, as_of, disagreements=disagreements)


def _disagreement(found: Disagreement) -> dict[str, Any]:
    return {
        "proposition": found.proposition,
        "resolution": found.in_force.id,
        "analyst": found.in_force.analyst,
        "replaces": found.replaced.id,
        "replaced_analyst": found.replaced.analyst,
    }


def _report(
    reconciliation: Reconciliation,
    as_of: str | None,
    *,
    propositions: bool = True,
    disagreements: Iterable[Disagreement] = (),
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "as_of": as_of,
        "events": reconciliation.events,
        "contradictions": [
            {"proposition": c.proposition, "claims": list(c.claims), "denials": list(c.denials)}
            for c in reconciliation.contradictions
        ],
        "anomalies": [
            {"kind": a.kind, "event": a.event, "detail": a.detail} for a in reconciliation.anomalies
        ],
    }
    if propositions:
        out["propositions"] = {
            key: _proposition(finding) for key, finding in reconciliation.propositions.items()
        }
    found = sorted((_disagreement(d) for d in disagreements), key=lambda d: d["proposition"])
    if found:
        out["disagreements"] = found
    if reconciliation.policy != "spec":
        out["policy"] = reconciliation.policy
    if reconciliation.reliability is not None:
        out["reliability"] = {
            source: round(score, 6) for source, score in sorted(reconciliation.reliability.items())
        }
    return out


def dumps(report_object: dict[str, Any]) -> bytes:
    """The report's bytes: sorted keys, UTF-8, a final newline."""
    return orjson.dumps(report_object, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)


_SORTED: Final = orjson.OPT_SORT_KEYS
_CHUNK: Final = 1 << 20


class Writable(Protocol):
    """Where :func:`write_report` writes: anything with ``write(bytes)``."""

    def write(self, data: bytes, /) -> object: ...


def write_report(
    reconciliation: Reconciliation,
    stream: Writable,
    *,
    as_of: str | None = None,
    disagreements: Iterable[Disagreement] = (),
) -> int:
    """Write ``dumps(report(reconciliation, ...))`` to ``stream``; its length.

    The bytes are the same, but only one proposition's report object exists
    at a time and the stream gets them in chunks of about a megabyte, so a
    report of millions of claims needs no second copy of them in memory.
    """
    head = _report(reconciliation, as_of, propositions=False, disagreements=disagreements)
    written = 0
    chunk: list[bytes] = []
    size = 0
    for n, key in enumerate(sorted([*head, "propositions"])):
        chunk.append(b"{" if n == 0 else b",")
        chunk.append(orjson.dumps(key))
        chunk.append(b":")
        if key != "propositions":
            chunk.append(orjson.dumps(head[key], option=_SORTED))
            continue
        findings = reconciliation.propositions
        chunk.append(b"{")
        for i, name in enumerate(sorted(findings)):
            part = orjson.dumps({name: _proposition(findings[name])}, option=_SORTED)
            # "{name:{...}}" without its braces, after a comma but the first.
            chunk.append(part[1:-1] if i == 0 else b"," + part[1:-1])
            size += len(part)
            if size >= _CHUNK:
                data = b"".join(chunk)
                stream.write(data)
                written += len(data)
                chunk.clear()
                size = 0
        chunk.append(b"}")
    chunk.append(b"}\n")
    data = b"".join(chunk)
    stream.write(data)
    return written + len(data)
