"""Reconciliation: the rules of SPEC section 4 as queries over a state.

:func:`reconcile` reads a :class:`~discrepancy.state.State` and returns a
:class:`Reconciliation`: per proposition its status, best value with low and
high, and every claim with whether it is live and its credibility grade; the
open contradictions; and the anomalies (SPEC section 5). It is total: odd
input becomes an :class:`Anomaly`, never an exception. It is pure.

The package follows the SPEC: :mod:`.types` holds the results,
:mod:`.registry` the registered sources and their rules 1.1 groups,
:mod:`.anomalies` the anomaly rules (which the write side calls too),
:mod:`.stances` the stances in effect, :mod:`.support` how live values back
and contradict one another, and :mod:`.proposition` one proposition's steps.
This module runs them over a state.

Where SPEC is silent, the choices made here are written down in
``docs/reconciliation.md`` ("Choices where the SPEC is silent").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from discrepancy.events import Claim, Reopening, Resolution
from discrepancy.policy import PolicyClaim, PolicyName, choose, learn, majority
from discrepancy.reconcile.anomalies import reused_claim_id, reused_event_id, unknown_sources
from discrepancy.reconcile.proposition import reconcile_proposition, sole_claim
from discrepancy.reconcile.reasons import BestReason, GradeReason, Reasons, Standing, explain
from discrepancy.reconcile.registry import Registry, source_groups
from discrepancy.reconcile.stances import NO_STANCES, Stances, effective_stances
from discrepancy.reconcile.support import SWEEP_FROM
from discrepancy.reconcile.types import (
    STATUSES,
    Anomaly,
    AnomalyKind,
    ClaimFinding,
    Contradiction,
    PropositionFinding,
    Reconciliation,
    Status,
)
from discrepancy.state import EventIndex, State

__all__ = [
    "STATUSES",
    "Anomaly",
    "AnomalyKind",
    "BestReason",
    "ClaimFinding",
    "Contradiction",
    "GradeReason",
    "PropositionFinding",
    "Reasons",
    "Reconciliation",
    "Registry",
    "Standing",
    "Status",
    "explain",
    "reconcile",
    "source_groups",
]


def reconcile(
    state: State,
    *,
    policy: PolicyName = "spec",
    sole_claim_shortcut: bool = True,
    sweep_from: int = SWEEP_FROM,
) -> Reconciliation:
    """The reconciled state of ``state`` (SPEC sections 4 and 5).

    ``policy`` picks ``best`` where no resolution is in force: ``spec`` by the
    SPEC order, ``learned`` by learned source reliability, ``majority`` by
    majority vote, the last two breaking ties by the SPEC order (see
    ``discrepancy.policy``). Statuses, contradictions and credibility grades
    do not depend on it.

    ``sole_claim_shortcut`` and ``sweep_from`` choose between equal paths
    (a short path for one-claim propositions; pairwise or swept quadrant
    counts from that many distinct values on); property tests prove the
    results the same, so callers need not set them.
    """
    index = state._index_of()
    registry = Registry.of(e for events in index.sources.values() for e in events)
    found = _reconcile(
        index,
        registry,
        ranked=policy != "spec",
        sole_claim_shortcut=sole_claim_shortcut,
        sweep_from=sweep_from,
    )
    if policy == "spec":
        return found
    return _apply_policy(found, policy, registry)


def _apply_policy(found: Reconciliation, policy: PolicyName, registry: Registry) -> Reconciliation:
    """``found`` with each unresolved proposition's ``best`` chosen by ``policy``."""
    live = [
        PolicyClaim(
            claim=c.claim,
            source=c.source,
            proposition=key,
            value=c.value,
            confirmed_by=c.confirmed_by,
        )
        for key, finding in found.propositions.items()
        for c in finding.claims
        if c.live
    ]
    if policy == "learned":
        rulings = {
            key: finding.resolution.value
            for key, finding in found.propositions.items()
            if finding.resolution is not None
        }
        scored = learn(live, groups=registry.groups, rulings=rulings)
    else:
        scored = majority(live)
    propositions: dict[str, PropositionFinding] = {}
    for key, finding in found.propositions.items():
        if len(finding.ranking) > 1:
            pick = choose(finding.ranking, scored.scores)
            value = next(c.value for c in finding.claims if c.claim == pick)
            finding = attrs.evolve(finding, best=value)  # noqa: PLW2901 - the re-chosen best
        propositions[key] = finding
    return attrs.evolve(
        found,
        propositions=propositions,
        policy=policy,
        reliability=scored.reliability if policy == "learned" else None,
        evidence=scored.evidence if policy == "learned" else None,
    )


def _reconcile(
    index: EventIndex,
    registry: Registry,
    *,
    ranked: bool,
    sole_claim_shortcut: bool,
    sweep_from: int,
) -> Reconciliation:
    anomalies = [reused_event_id(event_id, len(seen)) for event_id, seen in index.variants.items()]
    claim_of = index.claims
    anomalies.extend(_claim_anomalies(index, registry))
    stances = effective_stances(index.stances, claim_of, registry, anomalies)
    propositions: dict[str, PropositionFinding] = {}
    contradictions: list[Contradiction] = []
    for key, events in index.propositions.items():
        if (
            sole_claim_shortcut
            and len(events) == 1
            and claim_of.get(events[0].claim if isinstance(events[0], Claim) else "") is events[0]
        ):
            finding: PropositionFinding | None = sole_claim(
                events[0], claim_of, stances, registry, anomalies
            )
        else:
            finding = reconcile_proposition(
                key,
                events,
                claim_of,
                stances,
                registry,
                anomalies,
                ranked=ranked,
                sweep_from=sweep_from,
            )
        if finding is None:
            continue
        propositions[key] = finding
        if finding.status == "contested":
            contradictions.append(_contradiction(finding, stances))
    anomalies.sort(key=lambda a: (a.kind, a.event, a.detail))
    contradictions.sort(key=lambda c: c.proposition)
    return Reconciliation(
        events=len(index.kept),
        propositions=dict(sorted(propositions.items())),
        contradictions=tuple(contradictions),
        anomalies=tuple(anomalies),
    )


def _sole_claim_of(
    events: Sequence[Claim | Resolution | Reopening], claim_of: Mapping[str, Claim]
) -> Claim | None:
    """The proposition's only event, when that is a claim its claim id names."""
    if len(events) != 1:
        return None
    (event,) = events
    if type(event) is Claim and claim_of[event.claim] is event:
        return event
    return None


def _claim_anomalies(index: EventIndex, registry: Registry) -> list[Anomaly]:
    """Reused claim ids, and claims naming unregistered sources (rivals included)."""
    found: list[Anomaly] = []
    for claim_id, rivals in index.rival_claims.items():
        first = index.claims[claim_id]
        for later in rivals:
            found.append(reused_claim_id(later, first.id))
            found.extend(unknown_sources(later, registry.parties))
    registered = registry.parties
    for claim in index.claims.values():
        if claim.source not in registered or (
            claim.via is not None and claim.via not in registered
        ):
            found.extend(unknown_sources(claim, registered))
    return found


def _contradiction(finding: PropositionFinding, stances: dict[str, Stances]) -> Contradiction:
    live = [c for c in finding.claims if c.live]
    return Contradiction(
        proposition=finding.proposition,
        claims=tuple(c.claim for c in live if c.contradicted),
        denials=tuple(sorted(d.id for c in live for d in stances.get(c.claim, NO_STANCES).denials)),
    )
