"""The stances that take effect: confirmations, denials and retractions per claim.

A stance counts when it names a claim of its own proposition; a retraction
only from the claimant; a confirmation or denial only from another source
(the claimant's own changes nothing). The rest are anomalies (SPEC section 4).
Pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from discrepancy.events import Claim, Confirmation, Denial, Retraction, Stance
from discrepancy.reconcile.anomalies import stance_reference, unknown_sources
from discrepancy.reconcile.registry import Registry
from discrepancy.reconcile.types import Anomaly


class Stances:
    """The effective confirmations, denials and retraction of one claim."""

    __slots__ = ("confirmers", "denials", "retracted")

    def __init__(self) -> None:
        self.confirmers: set[str] = set()
        self.denials: list[Denial] = []
        self.retracted = False


NO_STANCES: Final = Stances()
"""The stances of a claim nobody took a stance on (never mutated)."""


def effective_stances(
    stances: Mapping[str, Sequence[Stance]],
    claim_of: Mapping[str, Claim],
    registry: Registry,
    anomalies: list[Anomaly],
) -> dict[str, Stances]:
    """Claim id -> its effective stances; the odd stances go to ``anomalies``."""
    found: dict[str, Stances] = {}
    registered = registry.parties
    for claim_id, stance_events in stances.items():
        target = claim_of.get(claim_id)
        for stance in stance_events:
            if stance.source not in registered:  # (a stance names no other source)
                anomalies.extend(unknown_sources(stance, registered))
            odd = stance_reference(stance, target)
            if odd is not None:
                anomalies.append(odd)
                continue
            assert target is not None  # stance_reference judged it
            retraction = isinstance(stance, Retraction)
            if not retraction and stance.source == target.source:
                continue  # the claimant's own confirmation or denial changes nothing
            held = found.get(claim_id)
            if held is None:
                held = found[claim_id] = Stances()
            if retraction:
                held.retracted = True
            elif isinstance(stance, Confirmation):
                held.confirmers.add(stance.source)
            else:
                held.denials.append(stance)  # type: ignore[arg-type]
    return found
