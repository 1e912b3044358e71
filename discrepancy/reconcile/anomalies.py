"""The anomaly rules of SPEC sections 4 and 6, one function each.

Reading (:func:`discrepancy.reconcile.reconcile`) reports what these rules
find; writing (:mod:`discrepancy.decide`) refuses it. Both sides call the same
functions, so the durable log refuses exactly what reading would report. Each
rule looks only at the event it judges and the few facts it names: the
registered source ids, and the claim a reference points to. Pure.
"""

from __future__ import annotations

from collections.abc import Container
from typing import Protocol

from discrepancy.events import Claim, Resolution, Retraction, Stance
from discrepancy.reconcile.types import Anomaly


class ClaimTarget(Protocol):
    """What a reference rule needs of the claim a reference names."""

    @property
    def proposition(self) -> str: ...

    @property
    def source(self) -> str: ...


def reused_event_id(event_id: str, contents: int) -> Anomaly:
    """An event id seen with ``contents`` different contents (SPEC section 4)."""
    return Anomaly(
        kind="id-reused",
        event=event_id,
        detail=f"event id {event_id!r} carries {contents} different contents; "
        "the earliest (recorded_at, canonical bytes) counts",
    )


def reused_claim_id(later: Claim, first_event: str) -> Anomaly:
    """A second ``claim`` event naming a claim id that already names a claim."""
    return Anomaly(
        kind="id-reused",
        event=later.id,
        detail=f"claim id {later.claim!r} already names the claim of event {first_event!r}",
    )


def unknown_sources(event: Claim | Stance, registered: Container[str]) -> list[Anomaly]:
    """The ``source`` (and a claim's ``via``) that no ``source`` event registers."""
    found = []
    if event.source not in registered:
        found.append(_unknown(event.id, "source", event.source))
    via = event.via if isinstance(event, Claim) else None
    if via is not None and via not in registered:
        found.append(_unknown(event.id, "via", via))
    return found


def stance_reference(stance: Stance, target: ClaimTarget | None) -> Anomaly | None:
    """A stance naming no claim of its proposition, or a retraction by another source."""
    if target is None or target.proposition != stance.proposition:
        return _dangling(stance.id, stance.TYPE, stance.claim, stance.proposition)
    if isinstance(stance, Retraction) and stance.source != target.source:
        return _not_claimant(stance.id, "retraction", stance.claim, target, stance.source)
    return None


def supersedes_reference(claim: Claim, target: ClaimTarget | None) -> Anomaly | None:
    """A ``supersedes`` naming no claim of the proposition, or another source's claim.

    ``target`` is the claim ``claim.supersedes`` names (``claim`` itself when
    it names its own claim id, which changes nothing).
    """
    if claim.supersedes is None:
        return None
    if target is None or target.proposition != claim.proposition:
        return _dangling(claim.id, "supersedes", claim.supersedes, claim.proposition)
    if target.source != claim.source:
        return _not_claimant(claim.id, "supersedes", claim.supersedes, target, claim.source)
    return None


def kind_mismatch(event: Claim | Resolution, kind: str) -> Anomaly | None:
    """A claim or resolution of another kind than its proposition's; not counted."""
    if event.value.kind == kind:
        return None
    what = "claim" if isinstance(event, Claim) else "resolution"
    return Anomaly(
        kind="kind-mismatch",
        event=event.id,
        detail=f"{what} of kind {event.value.kind} on {kind} proposition "
        f"{event.proposition!r}; not counted",
    )


def _unknown(event_id: str, field: str, source: str) -> Anomaly:
    return Anomaly(
        kind="unknown-source",
        event=event_id,
        detail=f"{field} {source!r} is never registered by a source event",
    )


def _dangling(event_id: str, what: str, claim_id: str, proposition: str) -> Anomaly:
    return Anomaly(
        kind="dangling-reference",
        event=event_id,
        detail=f"{what} names claim {claim_id!r}, which is not a claim "
        f"of proposition {proposition!r}",
    )


def _not_claimant(
    event_id: str, what: str, claim_id: str, target: ClaimTarget, source: str
) -> Anomaly:
    return Anomaly(
        kind="not-claimant",
        event=event_id,
        detail=f"{what} of claim {claim_id!r} by {source!r}, but the claimant is {target.source!r}",
    )
