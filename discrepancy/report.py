"""The JSON report of SPEC section 5: plain data, then deterministic bytes.

:func:`report` turns a :class:`~discrepancy.reconcile.Reconciliation` into the
JSON-ready object SPEC section 5 describes; :func:`dumps` writes it with sorted
keys, so that the same set of events always prints the same bytes.
:func:`write_report` writes those same bytes to a stream a proposition at a
time, never holding the whole report object.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final, Protocol, TypeAlias

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
    head = _report(reconciliation, as_of, propositions=False)
    extra = {k: v for k, v in head.items() if k in ("policy", "reliability")}
    return write_pieces(
        stream,
        as_of=as_of,
        events=reconciliation.events,
        anomalies=(piece for _, piece in anomaly_pieces(reconciliation)),
        contradictions=(piece for _, piece in contradiction_pieces(reconciliation)),
        disagreements=(piece for _, piece in disagreement_pieces(disagreements)),
        propositions=(piece for _, piece in proposition_pieces(reconciliation)),
        extra=extra,
    )


AnomalyKey: TypeAlias = tuple[str, str, str]
"""How the report sorts anomalies: ``(kind, event, detail)``."""


def proposition_pieces(reconciliation: Reconciliation) -> Iterator[tuple[str, bytes]]:
    """``(key, b'"key":{...}')`` of each proposition, sorted by key.

    The bytes are the proposition's member of the report's ``propositions``
    object: the pieces of any split of a log, merged by key and joined by
    commas, are that object's inside.
    """
    findings = reconciliation.propositions
    for name in sorted(findings):
        part = orjson.dumps({name: _proposition(findings[name])}, option=_SORTED)
        yield name, part[1:-1]


def contradiction_pieces(reconciliation: Reconciliation) -> Iterator[tuple[str, bytes]]:
    """``(proposition, bytes)`` of each item of ``contradictions``, in report order."""
    for c in reconciliation.contradictions:
        item = {"proposition": c.proposition, "claims": list(c.claims), "denials": list(c.denials)}
        yield c.proposition, orjson.dumps(item, option=_SORTED)


def anomaly_pieces(reconciliation: Reconciliation) -> Iterator[tuple[AnomalyKey, bytes]]:
    """``((kind, event, detail), bytes)`` of each item of ``anomalies``, in report order."""
    for a in reconciliation.anomalies:
        item = {"kind": a.kind, "event": a.event, "detail": a.detail}
        yield (a.kind, a.event, a.detail), orjson.dumps(item, option=_SORTED)


def disagreement_pieces(disagreements: Iterable[Disagreement]) -> Iterator[tuple[str, bytes]]:
    """``(proposition, bytes)`` of each item of ``disagreements``, in report order."""
    found = sorted((_disagreement(d) for d in disagreements), key=lambda d: d["proposition"])
    for item in found:
        yield item["proposition"], orjson.dumps(item, option=_SORTED)


def write_pieces(
    stream: Writable,
    *,
    as_of: str | None,
    events: int,
    anomalies: Iterable[bytes],
    contradictions: Iterable[bytes],
    propositions: Iterable[bytes],
    disagreements: Iterable[bytes] = (),
    extra: Mapping[str, Any] | None = None,
) -> int:
    """Write a report from its pieces, already in report order; its length.

    ``anomalies``, ``contradictions`` and ``disagreements`` are the list
    items' bytes (``disagreements`` is left out when it has none),
    ``propositions`` the members of the ``propositions`` object (see
    :func:`proposition_pieces`); ``extra`` holds any other top-level key
    (``policy``, ``reliability``). This is the one writer of report bytes:
    :func:`write_report` and the sharded replay's merge both use it, so
    their bytes agree by construction.
    """
    sections: dict[str, tuple[bytes, Iterable[bytes], bytes] | bytes] = {
        "anomalies": (b"[", anomalies, b"]"),
        "as_of": orjson.dumps(as_of),
        "contradictions": (b"[", contradictions, b"]"),
        "events": orjson.dumps(events),
        "propositions": (b"{", propositions, b"}"),
    }
    found = iter(disagreements)
    first = next(found, None)
    if first is not None:
        sections["disagreements"] = (b"[", itertools.chain((first,), found), b"]")
    for key, value in (extra or {}).items():
        sections[key] = orjson.dumps(value, option=_SORTED)
    out = _Chunks(stream)
    for n, key in enumerate(sorted(sections)):
        out.add(b"{" if n == 0 else b",", orjson.dumps(key), b":")
        section = sections[key]
        if isinstance(section, bytes):
            out.add(section)
            continue
        opening, pieces, closing = section
        out.add(opening)
        for i, piece in enumerate(pieces):
            if i:
                out.add(b",")
            out.add(piece)
            out.flush_if_full()
        out.add(closing)
    out.add(b"}\n")
    return out.flush()


class _Chunks:
    """Bytes gathered into writes of about ``_CHUNK`` bytes; counts what it wrote."""

    __slots__ = ("_parts", "_size", "_stream", "written")

    def __init__(self, stream: Writable) -> None:
        self._stream = stream
        self._parts: list[bytes] = []
        self._size = 0
        self.written = 0

    def add(self, *parts: bytes) -> None:
        self._parts.extend(parts)
        self._size += sum(len(p) for p in parts)

    def flush_if_full(self) -> None:
        if self._size >= _CHUNK:
            self.flush()

    def flush(self) -> int:
        """Write what is gathered; the bytes written in all."""
        if self._parts:
            data = b"".join(self._parts)
            self._stream.write(data)
            self.written += len(data)
            self._parts.clear()
            self._size = 0
        return self.written
