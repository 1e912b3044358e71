"""The write side's decision: would new events create an anomaly?

Reading is total (odd events become anomalies); writing through the durable
log is strict (SPEC section 6). :func:`refusal` checks events one by one
against a state, the way :func:`~discrepancy.reconcile.reconcile` would
judge them, without reconciling the whole state: each rule looks only at the
few entries of the index the event names. A property test checks that it
refuses exactly the events whose addition makes ``reconcile`` report a new
anomaly. Pure.
"""

from __future__ import annotations

import attrs

from discrepancy.codec import canonical_bytes
from discrepancy.events import (
    Claim,
    Confirmation,
    Denial,
    Event,
    Reopening,
    Resolution,
    Retraction,
    Source,
)
from discrepancy.state import EventIndex


@attrs.frozen(kw_only=True)
class Refusal:
    """Why an event may not be written: the anomaly it would create."""

    event: str
    rule: str
    detail: str


def _kind_of_proposition(index: EventIndex, key: str) -> str | None:
    """The kind of the proposition's counted claims and resolutions, if any."""
    for event in index.propositions.get(key, ()):
        if isinstance(event, Claim | Resolution):
            return event.value.kind
    return None


def refusal(index: EventIndex, event: Event) -> Refusal | None:
    """The anomaly ``event`` would create if added to ``index``, if any.

    ``index`` must hold no anomaly itself (a log written through the durable
    log never does). An event identical to one already held is no anomaly.
    """
    held = index.kept.get(event.id)
    if held is not None:
        if canonical_bytes(held) == canonical_bytes(event):
            return None
        return Refusal(
            event=event.id, rule="id-reused", detail="the log holds other content under this id"
        )

    def unknown(source: str, field: str) -> Refusal | None:
        if source in index.sources:
            return None
        return Refusal(
            event=event.id,
            rule="unknown-source",
            detail=f"{field} {source!r} is not registered; append a source event first",
        )

    match event:
        case Source() | Reopening():
            return None
        case Claim():
            found = unknown(event.source, "source") or (
                None if event.via is None else unknown(event.via, "via")
            )
            if found is not None:
                return found
            if event.claim in index.claims:
                return Refusal(
                    event=event.id,
                    rule="id-reused",
                    detail=f"claim id {event.claim!r} already names another claim",
                )
            kind = _kind_of_proposition(index, event.proposition)
            if kind is not None and kind != event.value.kind:
                return Refusal(
                    event=event.id,
                    rule="kind-mismatch",
                    detail=f"a {event.value.kind} claim on {kind} proposition "
                    f"{event.proposition!r}",
                )
            if event.supersedes is not None and event.supersedes != event.claim:
                # (A claim naming itself changes nothing, as in reconcile.)
                target = index.claims.get(event.supersedes)
                if target is None or target.proposition != event.proposition:
                    return Refusal(
                        event=event.id,
                        rule="dangling-reference",
                        detail=f"supersedes {event.supersedes!r}, not a claim of "
                        f"{event.proposition!r}",
                    )
                if target.source != event.source:
                    return Refusal(
                        event=event.id,
                        rule="not-claimant",
                        detail=f"supersedes a claim of {target.source!r}",
                    )
            return None
        case Confirmation() | Denial() | Retraction():
            found = unknown(event.source, "source")
            if found is not None:
                return found
            target = index.claims.get(event.claim)
            if target is None or target.proposition != event.proposition:
                return Refusal(
                    event=event.id,
                    rule="dangling-reference",
                    detail=f"names {event.claim!r}, not a claim of {event.proposition!r}",
                )
            if isinstance(event, Retraction) and target.source != event.source:
                return Refusal(
                    event=event.id,
                    rule="not-claimant",
                    detail=f"only {target.source!r}, the claimant, may retract it",
                )
            return None
        case Resolution():
            kind = _kind_of_proposition(index, event.proposition)
            if kind is not None and kind != event.value.kind:
                return Refusal(
                    event=event.id,
                    rule="kind-mismatch",
                    detail=f"a {event.value.kind} resolution of {kind} proposition "
                    f"{event.proposition!r}",
                )
            return None
