"""Reconciliation: the rules of SPEC section 4 as queries over a state.

:func:`reconcile` reads a :class:`~discrepancy.state.State` and returns a
:class:`Reconciliation`: per proposition its status, best value with low and
high, and every claim with whether it is live and its credibility grade; the
open contradictions; and the anomalies (SPEC section 5). It is total: odd
input becomes an :class:`Anomaly`, never an exception. It is pure.

Where SPEC is silent, the choices made here are written down in
``docs/reconciliation.md`` ("Choices where the SPEC is silent").
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Final, Literal, TypeAlias

import attrs

from discrepancy.events import (
    Claim,
    Confirmation,
    Denial,
    Reopening,
    Resolution,
    Retraction,
    Source,
)
from discrepancy.policy import PolicyClaim, PolicyName, choose, learn, majority
from discrepancy.state import State, paused_gc
from discrepancy.values import Amount, Number, Value, ValueKind, compatible, entails

Status: TypeAlias = Literal["resolved", "withdrawn", "contested", "corroborated", "unconfirmed"]
AnomalyKind: TypeAlias = Literal[
    "id-reused", "kind-mismatch", "not-claimant", "dangling-reference", "unknown-source"
]

STATUSES: Final[tuple[Status, ...]] = (
    "contested",
    "resolved",
    "corroborated",
    "unconfirmed",
    "withdrawn",
)
"""Every status, in the order a person reads them: what needs attention first."""

_GRADES: Final = "ABCDEF"


@attrs.frozen(kw_only=True)
class Anomaly:
    """A semantic oddity in the log (SPEC sections 5 and 6): data, not an error."""

    kind: AnomalyKind
    event: str
    detail: str


@attrs.frozen(kw_only=True)
class ClaimFinding:
    """What reconciliation concluded about one counted claim."""

    claim: str
    event: str
    source: str
    value: Value
    live: bool
    credibility: int | None
    """NATO/Admiralty information grade, 1 best, 6 unknown; ``None`` unless live."""
    independently_supported: bool
    contradicted: bool
    confirmed_by: tuple[str, ...]
    denied_by: tuple[str, ...]


@attrs.frozen(kw_only=True)
class PropositionFinding:
    """The reconciled state of one proposition."""

    proposition: str
    kind: ValueKind
    status: Status
    best: Value | None
    low: Number | None
    high: Number | None
    claims: tuple[ClaimFinding, ...]
    """Counted claims, sorted by claim id, live or not."""
    resolution: Resolution | None
    """The resolution in force, if any."""
    ranking: tuple[str, ...] = ()
    """Live claim ids in the SPEC best-value order, best first, for a policy to break
    ties by; only filled under a policy other than ``spec`` and without a resolution
    in force (empty otherwise)."""


@attrs.frozen(kw_only=True)
class Contradiction:
    """A contested proposition: its contradicted live claims and the denials."""

    proposition: str
    claims: tuple[str, ...]
    denials: tuple[str, ...]


@attrs.frozen(kw_only=True)
class Reconciliation:
    """Everything SPEC section 5 reports, as values."""

    events: int
    propositions: Mapping[str, PropositionFinding]
    contradictions: tuple[Contradiction, ...]
    anomalies: tuple[Anomaly, ...]
    policy: PolicyName = "spec"
    """The best-value policy applied (see ``discrepancy.policy``)."""
    reliability: Mapping[str, float] | None = None
    """Under the ``learned`` policy, each source's learned reliability; else ``None``."""
    evidence: Mapping[str, int] | None = None
    """Under ``learned``, the number of claims each reliability rests on; else ``None``."""


@attrs.frozen(kw_only=True)
class _Registry:
    """The registered sources: the latest ``source`` event of each id."""

    parties: Mapping[str, frozenset[str]]
    grades: Mapping[str, int]

    def independent(self, a: str, b: str) -> bool:
        if a == b:
            return False
        pa = self.parties.get(a)
        pb = self.parties.get(b)
        return pa is not None and pb is not None and pa.isdisjoint(pb)

    def allied(self, a: str, b: str) -> bool:
        """Different registered sources that share a party."""
        if a == b:
            return False
        pa = self.parties.get(a)
        pb = self.parties.get(b)
        return pa is not None and pb is not None and not pa.isdisjoint(pb)

    def party_tokens(self, source: str) -> frozenset[object]:
        """The parties a registered source stands for; a party of its own if none."""
        parties = self.parties.get(source)
        if parties is None:
            return frozenset()
        return parties if parties else frozenset({("source", source)})


class _Stances:
    """The effective confirmations, denials and retractions of one claim."""

    __slots__ = ("confirmers", "denials", "retracted")

    def __init__(self) -> None:
        self.confirmers: set[str] = set()
        self.denials: list[Denial] = []
        self.retracted = False


def reconcile(state: State, *, policy: PolicyName = "spec") -> Reconciliation:
    """The reconciled state of ``state`` (SPEC sections 4 and 5).

    ``policy`` picks ``best`` where no resolution is in force: ``spec`` by the
    SPEC order, ``learned`` by learned source reliability, ``majority`` by
    majority vote, the last two breaking ties by the SPEC order (see
    ``discrepancy.policy``). Statuses, contradictions and credibility grades
    do not depend on it.
    """
    with paused_gc():
        found = _reconcile(state, ranked=policy != "spec")
        if policy == "spec":
            return found
        return _apply_policy(found, policy, state)


def _apply_policy(found: Reconciliation, policy: PolicyName, state: State) -> Reconciliation:
    """``found`` with each unresolved proposition's ``best`` chosen by ``policy``."""
    live = [
        PolicyClaim(
            claim=c.claim,
            source=c.source,
            proposition=key,
            value=c.value,
            confirmed_by=frozenset(c.confirmed_by),
        )
        for key, finding in found.propositions.items()
        for c in finding.claims
        if c.live
    ]
    if policy == "learned":
        sources = state.index().sources
        parties = {sid: max(e, key=lambda x: x.order).parties for sid, e in sources.items()}
        rulings = {
            key: finding.resolution.value
            for key, finding in found.propositions.items()
            if finding.resolution is not None
        }
        scored = learn(live, parties=parties, rulings=rulings)
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


def _reconcile(state: State, *, ranked: bool = False) -> Reconciliation:
    index = state.index()
    anomalies: list[Anomaly] = []

    for event_id, seen in index.variants.items():
        anomalies.append(
            Anomaly(
                kind="id-reused",
                event=event_id,
                detail=f"event id {event_id!r} carries {len(seen)} different contents; "
                "the earliest (recorded_at, canonical bytes) counts",
            )
        )

    latest_source: dict[str, Source] = {
        sid: max(events, key=lambda e: e.order) for sid, events in index.sources.items()
    }
    registry = _Registry(
        parties={sid: frozenset(e.parties) for sid, e in latest_source.items()},
        grades={
            sid: _GRADES.index(e.reliability)
            for sid, e in latest_source.items()
            if e.reliability is not None
        },
    )

    # A claim id names one claim: the earliest claim event carrying it.
    claim_of = index.claims
    registered = registry.parties
    for claim_id, rivals in index.rival_claims.items():
        first = claim_of[claim_id]
        anomalies.extend(
            Anomaly(
                kind="id-reused",
                event=later.id,
                detail=f"claim id {claim_id!r} already names the claim of event {first.id!r}",
            )
            for later in rivals
        )
        for event in rivals:
            anomalies.extend(_unknown_sources(event, registry))
    for event in claim_of.values():
        if event.source not in registered or (
            event.via is not None and event.via not in registered
        ):
            anomalies.extend(_unknown_sources(event, registry))

    stances: dict[str, _Stances] = {}
    for claim_id, stance_events in index.stances.items():
        target = claim_of.get(claim_id)
        for stance in stance_events:
            if stance.source not in registry.parties:
                anomalies.append(_unknown(stance.id, "source", stance.source))
            if target is None or target.proposition != stance.proposition:
                anomalies.append(_dangling(stance.id, stance.TYPE, claim_id, stance.proposition))
                continue
            if isinstance(stance, Retraction) and stance.source != target.source:
                anomalies.append(_not_claimant(stance.id, "retraction", target, stance.source))
                continue
            if stance.source == target.source and not isinstance(stance, Retraction):
                continue  # a stance is another source's; the claimant's own has no effect
            found = stances.get(claim_id)
            if found is None:
                found = stances[claim_id] = _Stances()
            match stance:
                case Confirmation():
                    found.confirmers.add(stance.source)
                case Denial():
                    found.denials.append(stance)
                case Retraction():
                    found.retracted = True

    propositions: dict[str, PropositionFinding] = {}
    contradictions: list[Contradiction] = []
    for key, proposition_events in index.propositions.items():
        finding = _reconcile_proposition(
            key, proposition_events, claim_of, stances, registry, anomalies, ranked=ranked
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


_NO_STANCES: Final = _Stances()


def _reconcile_proposition(
    key: str,
    events: Sequence[Claim | Resolution | Reopening],
    claim_of: Mapping[str, Claim],
    stances: Mapping[str, _Stances],
    registry: _Registry,
    anomalies: list[Anomaly],
    *,
    ranked: bool = False,
) -> PropositionFinding | None:
    if _SOLE_CLAIM_SHORTCUT and len(events) == 1:
        (sole,) = events
        if type(sole) is Claim and claim_of[sole.claim] is sole:
            return _sole_claim(key, sole, claim_of, stances, registry, anomalies)
    claims: list[Claim] = []
    resolutions: list[Resolution] = []
    latest_reopen: tuple[str, str] | None = None
    for event in events:
        match event:
            case Claim():
                if claim_of[event.claim] is event:
                    claims.append(event)
            case Resolution():
                resolutions.append(event)
            case Reopening():
                if latest_reopen is None or event.order > latest_reopen:
                    latest_reopen = event.order
    if not claims and not resolutions:
        return None

    # The proposition's kind is its earliest claim's (or, with no claim, its
    # earliest resolution's); claims and resolutions of another kind do not count.
    earliest: list[Claim] | list[Resolution] = claims or resolutions
    kind = min((e.order, e.value.kind) for e in earliest)[1]
    counted: list[Claim] = []
    for claim in claims:
        if claim.value.kind == kind:
            counted.append(claim)
        else:
            anomalies.append(_kind_mismatch(claim.id, "claim", claim.value.kind, kind, key))
    in_kind: list[Resolution] = []
    for candidate in resolutions:
        if candidate.value.kind == kind:
            in_kind.append(candidate)
        else:
            anomalies.append(
                _kind_mismatch(candidate.id, "resolution", candidate.value.kind, kind, key)
            )

    superseded: set[str] = set()
    for claim in claims:
        if claim.supersedes is None:
            continue
        target = claim_of.get(claim.supersedes)
        if target is None or target.proposition != key:
            anomalies.append(_dangling(claim.id, "supersedes", claim.supersedes, key))
        elif target.source != claim.source:
            anomalies.append(_not_claimant(claim.id, "supersedes", target, claim.source))
        elif target is not claim and claim.value.kind == kind:
            superseded.add(target.claim)

    live = [
        c
        for c in counted
        if c.claim not in superseded and not stances.get(c.claim, _NO_STANCES).retracted
    ]

    # A resolution is in force when no reopening is later; the latest counts.
    resolution: Resolution | None = max(in_kind, key=lambda r: r.order) if in_kind else None
    if resolution is not None and latest_reopen is not None and latest_reopen > resolution.order:
        resolution = None

    # Support and contradiction depend on a claim's value, not on the claim:
    # the pairwise work is done once per pair of distinct live values, so a
    # proposition of hundreds of claims but few answers stays cheap.
    values = _LiveValues(live)
    supported: dict[str, bool] = {}
    contradicted: dict[str, bool] = {}
    independent = registry.independent
    for claim in live:
        found = stances.get(claim.claim, _NO_STANCES)
        source = claim.source
        supported[claim.claim] = any(independent(s, source) for s in found.confirmers) or any(
            independent(s, source) for s in values.backers[claim.value]
        )
        contradicted[claim.claim] = bool(found.denials) or values.incompatible[claim.value]
    against_supported = values.against({c.value for c in live if supported[c.claim]})

    status: Status
    if resolution is not None and all(
        compatible(c.value, resolution.value) for c in live if c.order > resolution.order
    ):
        status = "resolved"
    elif counted and not live:
        status = "withdrawn"
    elif any(contradicted.values()):
        status = "contested"
    elif any(supported.values()):
        status = "corroborated"
    else:
        status = "unconfirmed"

    live_ids = {c.claim for c in live}
    findings = []
    for claim in sorted(counted, key=lambda c: c.claim) if len(counted) > 1 else counted:
        found = stances.get(claim.claim, _NO_STANCES)
        is_live = claim.claim in live_ids
        findings.append(
            ClaimFinding(
                claim=claim.claim,
                event=claim.id,
                source=claim.source,
                value=claim.value,
                live=is_live,
                credibility=(
                    _credibility(
                        claim,
                        values,
                        against_supported,
                        resolution,
                        supported,
                        contradicted,
                        found.confirmers,
                        registry,
                    )
                    if is_live
                    else None
                ),
                independently_supported=supported.get(claim.claim, False),
                contradicted=contradicted.get(claim.claim, False),
                confirmed_by=tuple(sorted(found.confirmers)),
                denied_by=tuple(sorted({d.source for d in found.denials})),
            )
        )

    low: Number | None = None
    high: Number | None = None
    if kind == "amount" and live:
        # In claim id order, so that of equal bounds written differently (4 and
        # 4.0) the same one is printed whatever the order of the log.
        ordered = sorted(live, key=lambda c: c.claim) if len(live) > 1 else live
        amounts = [c.value for c in ordered if isinstance(c.value, Amount)]
        lows = [a.low for a in amounts]
        highs = [a.high for a in amounts]
        low = None if any(x is None for x in lows) else min(x for x in lows if x is not None)
        high = None if any(x is None for x in highs) else max(x for x in highs if x is not None)

    best: Value | None
    ranking: tuple[str, ...] = ()
    if resolution is not None:
        best = resolution.value
    elif len(live) == 1:
        best = live[0].value
    elif live and ranked:
        order = sorted(live, key=lambda c: _rank(c, values, supported, stances, registry))
        best = order[0].value
        ranking = tuple(c.claim for c in order)
    elif live:
        best = min(live, key=lambda c: _rank(c, values, supported, stances, registry)).value
    else:
        best = None

    return PropositionFinding(
        proposition=key,
        kind=kind,
        status=status,
        best=best,
        low=low,
        high=high,
        claims=tuple(findings),
        resolution=resolution,
        ranking=ranking,
    )


# Most propositions carry one claim and nothing else; they take a short path
# with the same results. A property test compares both paths (it turns this off).
_SOLE_CLAIM_SHORTCUT = True


def _sole_claim(
    key: str,
    claim: Claim,
    claim_of: Mapping[str, Claim],
    stances: Mapping[str, _Stances],
    registry: _Registry,
    anomalies: list[Anomaly],
) -> PropositionFinding:
    """A proposition whose only event is one claim: no rivals, no resolution."""
    if claim.supersedes is not None:
        # The only claim of its proposition can supersede nothing but itself.
        target = claim_of.get(claim.supersedes)
        if target is None or target.proposition != key:
            anomalies.append(_dangling(claim.id, "supersedes", claim.supersedes, key))
    found = stances.get(claim.claim, _NO_STANCES)
    live = not found.retracted
    supported = any(registry.independent(s, claim.source) for s in found.confirmers)
    contradicted = bool(found.denials)
    credibility: int | None = None
    status: Status
    if not live:
        status = "withdrawn"
    else:
        status = "contested" if contradicted else "corroborated" if supported else "unconfirmed"
        if claim.source not in registry.parties:
            credibility = 6
        elif supported:
            credibility = 2 if contradicted else 1
        elif any(registry.allied(s, claim.source) for s in found.confirmers):
            credibility = 2
        else:
            credibility = 4 if contradicted else 3
    value = claim.value
    low = high = None
    if live and isinstance(value, Amount):
        low, high = value.low, value.high
    return PropositionFinding(
        proposition=key,
        kind=value.kind,
        status=status,
        best=value if live else None,
        low=low,
        high=high,
        claims=(
            ClaimFinding(
                claim=claim.claim,
                event=claim.id,
                source=claim.source,
                value=value,
                live=live,
                credibility=credibility,
                independently_supported=live and supported,
                contradicted=live and contradicted,
                confirmed_by=tuple(sorted(found.confirmers)),
                denied_by=tuple(sorted({d.source for d in found.denials})),
            ),
        ),
        resolution=None,
    )


class _LiveValues:
    """The distinct values of a proposition's live claims, and how they relate.

    * ``backers``: value -> the sources of the live claims whose value entails
      it (its own claimants included, since a value entails itself);
    * ``incompatible``: value -> whether some live claim is incompatible with it.
    """

    __slots__ = ("_claims", "backers", "incompatible")

    def __init__(self, live: Sequence[Claim]) -> None:
        claims: dict[Value, list[Claim]] = {}
        for claim in live:
            bucket = claims.get(claim.value)
            if bucket is None:
                claims[claim.value] = [claim]
            else:
                bucket.append(claim)
        self._claims = claims
        self.backers: dict[Value, set[str]] = {}
        self.incompatible: dict[Value, bool] = {}
        for value in claims:
            backers: set[str] = set()
            incompatible = False
            for other, holders in claims.items():
                if other is value or entails(other, value):
                    backers.update(c.source for c in holders)
                elif not incompatible and not compatible(other, value):
                    incompatible = True
            self.backers[value] = backers
            self.incompatible[value] = incompatible

    def against(self, chosen: set[Value]) -> dict[Value, bool]:
        """Value -> whether some value in ``chosen`` is incompatible with it."""
        if not chosen:
            return dict.fromkeys(self._claims, False)
        return {v: any(not compatible(u, v) for u in chosen) for v in self._claims}


def _credibility(
    claim: Claim,
    values: _LiveValues,
    against_supported: Mapping[Value, bool],
    resolution: Resolution | None,
    supported: Mapping[str, bool],
    contradicted: Mapping[str, bool],
    confirmers: set[str],
    registry: _Registry,
) -> int:
    """The information grade of a live claim: the first rule of SPEC section 4 that applies."""
    if claim.source not in registry.parties:
        return 6
    is_supported = supported[claim.claim]
    if resolution is not None and not compatible(claim.value, resolution.value):
        return 5
    if not is_supported and against_supported[claim.value]:
        return 5
    is_contradicted = contradicted[claim.claim]
    if is_supported and not is_contradicted:
        return 1
    if (
        is_supported
        or any(registry.allied(s, claim.source) for s in confirmers)
        or any(registry.allied(s, claim.source) for s in values.backers[claim.value])
    ):
        return 2
    return 4 if is_contradicted else 3


def _rank(
    claim: Claim,
    values: _LiveValues,
    supported: Mapping[str, bool],
    stances: Mapping[str, _Stances],
    registry: _Registry,
) -> tuple[bool, int, int, int | float | Decimal, float, str]:
    """Sort key of the best-value order of SPEC section 4 (smallest first)."""
    backers = values.backers[claim.value] | stances.get(claim.claim, _NO_STANCES).confirmers
    parties: set[object] = set()
    for source in backers:
        parties |= registry.party_tokens(source)
    value = claim.value
    width: int | float | Decimal = 0
    upper: float = 0
    if isinstance(value, Amount):
        width = value.width
        upper = math.inf if value.high is None else value.high
    return (
        not supported[claim.claim],
        -len(parties),
        registry.grades.get(claim.source, len(_GRADES)),
        width,
        upper,
        claim.claim,
    )


def _contradiction(finding: PropositionFinding, stances: Mapping[str, _Stances]) -> Contradiction:
    live = [c for c in finding.claims if c.live]
    return Contradiction(
        proposition=finding.proposition,
        claims=tuple(c.claim for c in live if c.contradicted),
        denials=tuple(
            sorted(d.id for c in live for d in stances.get(c.claim, _NO_STANCES).denials)
        ),
    )


def _unknown_sources(claim: Claim, registry: _Registry) -> list[Anomaly]:
    found = []
    if claim.source not in registry.parties:
        found.append(_unknown(claim.id, "source", claim.source))
    if claim.via is not None and claim.via not in registry.parties:
        found.append(_unknown(claim.id, "via", claim.via))
    return found


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


def _not_claimant(event_id: str, what: str, target: Claim, source: str) -> Anomaly:
    return Anomaly(
        kind="not-claimant",
        event=event_id,
        detail=f"{what} of claim {target.claim!r} by {source!r}, "
        f"but the claimant is {target.source!r}",
    )


def _kind_mismatch(event_id: str, what: str, got: str, kind: str, proposition: str) -> Anomaly:
    return Anomaly(
        kind="kind-mismatch",
        event=event_id,
        detail=f"{what} of kind {got} on {kind} proposition {proposition!r}; not counted",
    )
