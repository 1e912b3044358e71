"""One proposition, reconciled in the steps of SPEC section 4.

:func:`reconcile_proposition` runs them in order: the counted claims and
resolutions (of the proposition's kind); the live claims; the resolution in
force; support and contradiction (:class:`~discrepancy.reconcile.support.
Relations`); the status; each live claim's credibility; the independent
voices and the best value; low and high. Each step is one function. Pure,
apart from appending the anomalies it finds to the list it is given.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Literal, TypeVar

import attrs

from discrepancy.builders import builder
from discrepancy.events import Claim, Reopening, Resolution
from discrepancy.reconcile.anomalies import kind_mismatch, supersedes_reference
from discrepancy.reconcile.registry import Registry
from discrepancy.reconcile.stances import NO_STANCES, Stances
from discrepancy.reconcile.support import SWEEP_FROM, Relations
from discrepancy.reconcile.types import Anomaly, ClaimFinding, PropositionFinding, Status
from discrepancy.values import Amount, Number, Value, ValueKind, compatible

RankKey = tuple[bool, int, int, int | float | Decimal, float, str]
"""(not supported, -voices, reliability rank, width, upper bound, claim id)."""

GradeRule = Literal[
    "unregistered",
    "against-ruling",
    "against-supported",
    "supported",
    "supported-but-contradicted",
    "allied",
    "contradicted",
    "otherwise",
]
"""The branch of the credibility rule of SPEC section 4 that applied, in its order."""


@attrs.frozen(kw_only=True)
class Worked:
    """The intermediate results of one proposition's steps, for findings and reasons."""

    kind: ValueKind
    counted: list[Claim]
    live: list[Claim]
    resolution: Resolution | None
    relations: Relations


_claim_id = operator.attrgetter("claim")

_WORKED = builder(Worked, "kind counted live resolution relations")
_PROPOSITION_FINDING = builder(
    PropositionFinding, "proposition kind status best low high claims resolution ranking"
)


def work(
    events: Sequence[Claim | Resolution | Reopening],
    claim_of: Mapping[str, Claim],
    stances: Mapping[str, Stances],
    registry: Registry,
    anomalies: list[Anomaly],
    *,
    sweep_from: int = SWEEP_FROM,
) -> Worked | None:
    """Run the steps up to support and contradiction; ``None`` with no claim or ruling."""
    claims, resolutions, latest_reopen = _gather(events, claim_of)
    if not claims and not resolutions:
        return None
    kind = _kind_of(claims, resolutions)
    counted = _counted(claims, kind, anomalies)
    in_kind = _counted(resolutions, kind, anomalies)
    live = _live(claims, counted, kind, claim_of, stances, anomalies)
    relations = Relations(live, stances, registry, sweep_from=sweep_from)
    return _WORKED(kind, counted, live, in_force(in_kind, latest_reopen), relations)


def reconcile_proposition(
    key: str,
    events: Sequence[Claim | Resolution | Reopening],
    claim_of: Mapping[str, Claim],
    stances: Mapping[str, Stances],
    registry: Registry,
    anomalies: list[Anomaly],
    *,
    ranked: bool = False,
    sweep_from: int = SWEEP_FROM,
) -> PropositionFinding | None:
    """The finding of proposition ``key`` from its events; ``None`` with no claim or ruling."""
    worked = work(events, claim_of, stances, registry, anomalies, sweep_from=sweep_from)
    if worked is None:
        return None
    counted, live, resolution, relations = (
        worked.counted,
        worked.live,
        worked.resolution,
        worked.relations,
    )
    live_ids = {c.claim for c in live}
    findings = tuple(
        _finding(c, c.claim in live_ids, relations, resolution, stances, registry)
        for c in (sorted(counted, key=_claim_id) if len(counted) > 1 else counted)
    )
    low, high = estimate(worked.kind, live)
    best, ranking = _best(live, resolution, relations, stances, registry, ranked=ranked)
    return _PROPOSITION_FINDING(
        key,
        worked.kind,
        status_of(resolution, counted, live, relations),
        best,
        low,
        high,
        findings,
        resolution,
        ranking,
    )


def _gather(
    events: Sequence[Claim | Resolution | Reopening], claim_of: Mapping[str, Claim]
) -> tuple[list[Claim], list[Resolution], tuple[str, str] | None]:
    """The proposition's claims (the ones their claim id names), rulings, last reopening."""
    claims: list[Claim] = []
    resolutions: list[Resolution] = []
    latest_reopen: tuple[str, str] | None = None
    for event in events:
        if isinstance(event, Claim):
            if claim_of[event.claim] is event:
                claims.append(event)
        elif isinstance(event, Resolution):
            resolutions.append(event)
        elif latest_reopen is None or event.order > latest_reopen:
            latest_reopen = event.order
    return claims, resolutions, latest_reopen


def _kind_of(claims: Sequence[Claim], resolutions: Sequence[Resolution]) -> ValueKind:
    """The kind of the earliest claim or, with no claim, of the earliest resolution."""
    earliest: Sequence[Claim] | Sequence[Resolution] = claims or resolutions
    if len(earliest) == 1:
        return earliest[0].value.kind
    return min((e.order, e.value.kind) for e in earliest)[1]


_Counted = TypeVar("_Counted", Claim, Resolution)


def _counted(
    events: Sequence[_Counted], kind: ValueKind, anomalies: list[Anomaly]
) -> list[_Counted]:
    """The events of the proposition's kind; the others are anomalies, not counted."""
    counted: list[_Counted] = []
    for event in events:
        if event.value.kind == kind:
            counted.append(event)
        else:
            anomalies.append(kind_mismatch(event, kind))  # type: ignore[arg-type]
    return counted


def _live(
    claims: Sequence[Claim],
    counted: Sequence[Claim],
    kind: ValueKind,
    claim_of: Mapping[str, Claim],
    stances: Mapping[str, Stances],
    anomalies: list[Anomaly],
) -> list[Claim]:
    """The counted claims neither retracted nor superseded by their own source."""
    superseded: set[str] = set()
    for claim in claims:
        if claim.supersedes is None:
            continue
        target = claim_of.get(claim.supersedes)
        odd = supersedes_reference(claim, target)
        if odd is not None:
            anomalies.append(odd)
        elif target is not None and target is not claim and claim.value.kind == kind:
            superseded.add(target.claim)
    return [
        c
        for c in counted
        if c.claim not in superseded and not stances.get(c.claim, NO_STANCES).retracted
    ]


def in_force(
    resolutions: Sequence[Resolution], latest_reopen: tuple[str, str] | None
) -> Resolution | None:
    """The latest resolution, unless a reopening is later than it (SPEC section 4)."""
    if not resolutions:
        return None
    latest = max(resolutions, key=lambda r: r.order)
    if latest_reopen is not None and latest_reopen > latest.order:
        return None
    return latest


def status_of(
    resolution: Resolution | None,
    counted: Sequence[Claim],
    live: Sequence[Claim],
    relations: Relations,
) -> Status:
    """The first status of SPEC section 4 that applies."""
    if resolution is not None and all(
        compatible(c.value, resolution.value) for c in live if c.order > resolution.order
    ):
        return "resolved"
    if counted and not live:
        return "withdrawn"
    if any(relations.contradicted.values()):
        return "contested"
    if any(relations.supported.values()):
        return "corroborated"
    return "unconfirmed"


def credibility(
    claim: Claim, relations: Relations, resolution: Resolution | None, registry: Registry
) -> int:
    """The information grade of a live claim: the first rule of SPEC section 4 that applies."""
    return grade_rule(claim, relations, resolution, registry)[0]


def grade_rule(
    claim: Claim, relations: Relations, resolution: Resolution | None, registry: Registry
) -> tuple[int, GradeRule]:
    """The grade of a live claim and the branch of SPEC section 4 that gave it."""
    if not registry.registered(claim.source):
        return 6, "unregistered"
    supported = relations.supported[claim.claim]
    if resolution is not None and not compatible(claim.value, resolution.value):
        return 5, "against-ruling"
    if not supported and relations.against_supported(claim.claim):
        return 5, "against-supported"
    contradicted = relations.contradicted[claim.claim]
    if supported and not contradicted:
        return 1, "supported"
    if supported:
        return 2, "supported-but-contradicted"
    if relations.allied[claim.claim]:
        return 2, "allied"
    return (4, "contradicted") if contradicted else (3, "otherwise")


_CLAIM_FINDING = builder(
    ClaimFinding,
    "claim event source value live credibility independently_supported contradicted"
    " confirmed_by denied_by",
)


def _finding(
    claim: Claim,
    live: bool,
    relations: Relations,
    resolution: Resolution | None,
    stances: Mapping[str, Stances],
    registry: Registry,
) -> ClaimFinding:
    found = stances.get(claim.claim, NO_STANCES)
    claim_id = claim.claim
    return _CLAIM_FINDING(
        claim_id,
        claim.id,
        claim.source,
        claim.value,
        live,
        grade_rule(claim, relations, resolution, registry)[0] if live else None,
        live and relations.supported[claim_id],
        live and relations.contradicted[claim_id],
        tuple(sorted(found.confirmers)) if found.confirmers else (),
        tuple(sorted({d.source for d in found.denials})) if found.denials else (),
    )


def estimate(kind: ValueKind, live: Sequence[Claim]) -> tuple[Number | None, Number | None]:
    """``low`` and ``high`` of an amount proposition's live claims (else both ``None``)."""
    if kind != "amount" or not live:
        return None, None
    # In claim id order, so that of equal bounds written differently (4 and
    # 4.0) the same one is printed whatever the order of the log.
    if len(live) == 1:
        value = live[0].value
        return (value.low, value.high) if isinstance(value, Amount) else (None, None)
    ordered = sorted(live, key=_claim_id)
    amounts = [c.value for c in ordered if isinstance(c.value, Amount)]
    lows = [a.low for a in amounts]
    highs = [a.high for a in amounts]
    # An open end (None) anywhere leaves that end open; numbers never equal None.
    low = None if None in lows or not lows else min(lows)  # type: ignore[type-var]
    high = None if None in highs or not highs else max(highs)  # type: ignore[type-var]
    return low, high


def rank_key(
    claim: Claim, relations: Relations, stances: Mapping[str, Stances], registry: Registry
) -> RankKey:
    """Sort key of the best-value order of SPEC section 4 (rules 1.1), smallest first."""
    confirmers = stances.get(claim.claim, NO_STANCES).confirmers
    value = claim.value
    width: int | float | Decimal = 0
    upper: float = 0
    if isinstance(value, Amount):
        width = value.width
        upper = math.inf if value.high is None else value.high
    return (
        not relations.supported[claim.claim],
        -relations.voices(claim.claim, confirmers),
        registry.grade(claim.source),
        width,
        upper,
        claim.claim,
    )


def _best(
    live: Sequence[Claim],
    resolution: Resolution | None,
    relations: Relations,
    stances: Mapping[str, Stances],
    registry: Registry,
    *,
    ranked: bool,
) -> tuple[Value | None, tuple[str, ...]]:
    """The best value, and (when ``ranked``) the live claim ids in best-first order."""
    if resolution is not None:
        return resolution.value, ()
    if not live:
        return None, ()
    if len(live) == 1:
        return live[0].value, ()
    if ranked:
        order = sorted(live, key=lambda c: rank_key(c, relations, stances, registry))
        return order[0].value, tuple(c.claim for c in order)
    return min(live, key=lambda c: rank_key(c, relations, stances, registry)).value, ()


def sole_claim(
    claim: Claim,
    claim_of: Mapping[str, Claim],
    stances: Mapping[str, Stances],
    registry: Registry,
    anomalies: list[Anomaly],
) -> PropositionFinding:
    """The short path for a proposition whose only event is one counted claim.

    It has no rival to back or contradict it and no ruling, so the steps of
    :func:`reconcile_proposition` reduce to its stances; a property test
    proves both paths give the same finding.
    """
    odd = supersedes_reference(claim, claim_of.get(claim.supersedes or ""))
    if odd is not None:
        anomalies.append(odd)
    found = stances.get(claim.claim, NO_STANCES)
    live = [] if found.retracted else [claim]
    relations = Relations.single(claim, found.confirmers, bool(found.denials), registry)
    low, high = estimate(claim.value.kind, live)
    return _PROPOSITION_FINDING(
        claim.proposition,
        claim.value.kind,
        status_of(None, [claim], live, relations),
        claim.value if live else None,
        low,
        high,
        (_finding(claim, bool(live), relations, None, stances, registry),),
        None,
        (),
    )
