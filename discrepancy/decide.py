"""The write side's decision: would new events create an anomaly?

Reading is total (odd events become anomalies); writing through the durable
log is strict (SPEC section 6). A :class:`Ledger` keeps exactly the facts the
anomaly rules need (registered source ids; each claim id's proposition,
source and kind; each proposition's kind; each event id's content digest),
and :meth:`Ledger.refusal` judges an event with the rule functions of
:mod:`discrepancy.reconcile.anomalies`, the same ones reading reports with.
A property test checks that it refuses exactly the events whose addition makes
``reconcile`` report a new anomaly. Pure (a ledger is a plain in-memory value
that its owner grows with :meth:`Ledger.add`).
"""

from __future__ import annotations

import hashlib
from collections import ChainMap
from collections.abc import Iterable, MutableMapping

import attrs

from discrepancy.codec import canonical_bytes
from discrepancy.events import Claim, Event, Reopening, Resolution, Source
from discrepancy.reconcile.anomalies import (
    kind_mismatch,
    reused_claim_id,
    reused_event_id,
    stance_reference,
    supersedes_reference,
    unknown_sources,
)
from discrepancy.reconcile.types import Anomaly

DIGEST_SIZE = 16
"""Bytes of SHA-256 kept per event id to tell a repeat from a reused id."""


@attrs.frozen(kw_only=True)
class Refusal:
    """Why an event may not be written: the anomaly it would create."""

    event: str
    rule: str
    detail: str

    @classmethod
    def of(cls, anomaly: Anomaly) -> Refusal:
        detail = anomaly.detail
        if anomaly.kind == "unknown-source":
            detail += "; append a source event first"
        return cls(event=anomaly.event, rule=anomaly.kind, detail=detail)


@attrs.frozen
class ClaimFacts:
    """What the rules need of a held claim: where it is, whose, of which kind."""

    event: str
    proposition: str
    source: str
    kind: str


def digest(event: Event) -> bytes:
    """The content digest of ``event`` (of its canonical bytes)."""
    return hashlib.sha256(canonical_bytes(event)).digest()[:DIGEST_SIZE]


class Ledger:
    """The facts of an anomaly-free set of events that the write rules need.

    Grow it with :meth:`add`; try a batch on an :meth:`overlay` and
    :meth:`absorb` it once the batch is written, so a refused batch leaves
    the ledger as it was. The mappings are plain data, for a sidecar to store.
    """

    __slots__ = ("claims", "digests", "kinds", "sources")

    def __init__(
        self,
        *,
        sources: MutableMapping[str, None] | None = None,
        claims: MutableMapping[str, ClaimFacts] | None = None,
        kinds: MutableMapping[str, str] | None = None,
        digests: MutableMapping[str, bytes] | None = None,
    ) -> None:
        self.sources: MutableMapping[str, None] = {} if sources is None else sources
        self.claims: MutableMapping[str, ClaimFacts] = {} if claims is None else claims
        self.kinds: MutableMapping[str, str] = {} if kinds is None else kinds
        self.digests: MutableMapping[str, bytes] = {} if digests is None else digests

    @classmethod
    def from_events(cls, events: Iterable[Event]) -> Ledger:
        ledger = cls()
        for event in events:
            ledger.add(event)
        return ledger

    def add(self, event: Event) -> None:
        """Record an accepted event (one :meth:`refusal` let through)."""
        self.digests.setdefault(event.id, digest(event))
        match event:
            case Source():
                self.sources[event.source] = None
            case Claim():
                if event.claim not in self.claims:
                    self.claims[event.claim] = ClaimFacts(
                        event.id, event.proposition, event.source, event.value.kind
                    )
                self.kinds.setdefault(event.proposition, event.value.kind)
            case Resolution():
                self.kinds.setdefault(event.proposition, event.value.kind)

    def overlay(self) -> Ledger:
        """A ledger that reads through to this one and keeps its own additions."""
        return Ledger(
            sources=ChainMap({}, self.sources),
            claims=ChainMap({}, self.claims),
            kinds=ChainMap({}, self.kinds),
            digests=ChainMap({}, self.digests),
        )

    def absorb(self, overlay: Ledger) -> None:
        """Take in the additions of ``overlay``, made by :meth:`overlay`."""
        for mine, theirs in (
            (self.sources, overlay.sources),
            (self.claims, overlay.claims),
            (self.kinds, overlay.kinds),
            (self.digests, overlay.digests),
        ):
            assert isinstance(theirs, ChainMap)
            mine.update(theirs.maps[0])

    def refusal(self, event: Event) -> Refusal | None:
        """The anomaly ``event`` would create if added, if any.

        An event identical to one already held is no anomaly.
        """
        held = self.digests.get(event.id)
        if held is not None:
            return None if held == digest(event) else Refusal.of(reused_event_id(event.id, 2))
        found = self._anomaly(event)
        return None if found is None else Refusal.of(found)

    def _anomaly(self, event: Event) -> Anomaly | None:
        if isinstance(event, Source | Reopening):
            return None
        if isinstance(event, Resolution):
            kind = self.kinds.get(event.proposition)
            return None if kind is None else kind_mismatch(event, kind)
        unknown = unknown_sources(event, self.sources)
        if unknown:
            return unknown[0]
        if not isinstance(event, Claim):
            return stance_reference(event, self.claims.get(event.claim))
        first = self.claims.get(event.claim)
        if first is not None:
            return reused_claim_id(event, first.event)
        kind = self.kinds.get(event.proposition)
        mismatch = None if kind is None else kind_mismatch(event, kind)
        if mismatch is not None:
            return mismatch
        target = event if event.supersedes == event.claim else None
        return supersedes_reference(event, target or self.claims.get(event.supersedes or ""))
