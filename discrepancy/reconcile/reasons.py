"""Why a proposition stands where it does: the reasons behind grades and ``best``.

:func:`explain` reconciles one proposition with the same steps as
:func:`~discrepancy.reconcile.reconcile` and says, for each live claim, which
branch of the credibility rule applied and the sources and claims that made
it apply; and, for the best value, the rung of the SPEC order that separated
it from the runner-up (the best-ranked live claim of another value), with
both sides' figures. The command line renders these; callers may too. Pure.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Final, Literal, TypeAlias

import attrs

from discrepancy.events import Claim, Resolution
from discrepancy.reconcile.proposition import GradeRule, Worked, grade_rule, rank_key, work
from discrepancy.reconcile.registry import GRADES, Registry
from discrepancy.reconcile.stances import NO_STANCES, Stances, effective_stances
from discrepancy.reconcile.types import Anomaly
from discrepancy.state import State
from discrepancy.values import Amount, Value, compatible, entails

Rung: TypeAlias = Literal[
    "resolution",
    "only-value",
    "supported",
    "voices",
    "reliability",
    "width",
    "upper",
    "claim-id",
    "no-live-claim",
]
"""What decided ``best``: a ruling, no rival value, or the first SPEC rung that differed."""

_RUNGS: Final[tuple[Rung, ...]] = (
    "supported",
    "voices",
    "reliability",
    "width",
    "upper",
    "claim-id",
)

SHOWN: Final = 5
"""At most this many sources or claims are named per reason (the count is exact)."""


@attrs.frozen(kw_only=True)
class GradeReason:
    """Why a live claim has its grade.

    ``rule`` is the branch of SPEC section 4 that applied; ``sources`` the
    sources that made it apply (independent or allied confirmers and backers,
    deniers), ``claims`` the other claims (backing, incompatible, or the
    ruling's event id), each at most :data:`SHOWN`, sorted.
    """

    claim: str
    source: str
    grade: int
    rule: GradeRule
    sources: tuple[str, ...] = ()
    claims: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class Standing:
    """One claim's figures on each rung of the best order."""

    claim: str
    source: str
    value: Value
    supported: bool
    voices: int
    reliability: str | None
    """The source's grade letter; ``None`` when ungraded or unregistered."""
    width: float | int | str
    """The interval's width (``"inf"`` when open, a float for decimals); 0 for flags
    and choices."""
    upper: float | int | str
    """The upper bound (``"inf"`` when open); 0 for flags and choices."""


@attrs.frozen(kw_only=True)
class BestReason:
    """What decided ``best``, with the winner's and the runner-up's standing."""

    rung: Rung
    best: Standing | None = None
    runner_up: Standing | None = None
    resolution: str | None = None
    """The event id of the resolution in force, when it decided."""


@attrs.frozen(kw_only=True)
class Reasons:
    """The reasons of one proposition."""

    proposition: str
    grades: tuple[GradeReason, ...]
    best: BestReason
    voices: Mapping[str, int]
    """Live claim id -> its independent voices (rules 1.1)."""


def explain(state: State, proposition: str) -> Reasons | None:
    """The reasons of ``proposition`` in ``state``; ``None`` if it has no claim or ruling."""
    index = state._index_of()
    events = index.propositions.get(proposition)
    if not events:
        return None
    registry = Registry.of(e for held in index.sources.values() for e in held)
    ids = {e.claim for e in events if isinstance(e, Claim)}
    stances = effective_stances(
        {c: s for c, s in index.stances.items() if c in ids}, index.claims, registry, []
    )
    anomalies: list[Anomaly] = []
    worked = work(events, index.claims, stances, registry, anomalies)
    if worked is None:
        return None
    against: dict[tuple[Value, bool], list[str]] = {}  # once per distinct value, not per claim
    grades = tuple(
        _grade_reason(c, worked, stances, registry, against)
        for c in sorted(worked.live, key=lambda c: c.claim)
    )
    confirmers = {c.claim: stances.get(c.claim, NO_STANCES).confirmers for c in worked.live}
    return Reasons(
        proposition=proposition,
        grades=grades,
        best=_best_reason(worked, stances, registry),
        voices={c: worked.relations.voices(c, confirmers[c]) for c in sorted(confirmers)},
    )


def _grade_reason(
    claim: Claim,
    worked: Worked,
    stances: Mapping[str, Stances],
    registry: Registry,
    against: dict[tuple[Value, bool], list[str]],
) -> GradeReason:
    grade, rule = grade_rule(claim, worked.relations, worked.resolution, registry)
    found = stances.get(claim.claim, NO_STANCES)
    source = claim.source
    sources: list[str] = []
    claims: list[str] = []
    if rule in ("supported", "supported-but-contradicted"):
        sources = sorted(s for s in found.confirmers if registry.independent(s, source))
        backers = _backers(claim, worked.live, lambda s: registry.independent(s, source))
        claims = [c.claim for c in backers]
        sources = sorted({*sources, *(c.source for c in backers)})
    elif rule == "allied":
        sources = sorted(s for s in found.confirmers if registry.allied(s, source))
        backers = _backers(claim, worked.live, lambda s: registry.allied(s, source))
        claims = [c.claim for c in backers]
        sources = sorted({*sources, *(c.source for c in backers)})
    elif rule == "against-ruling" and worked.resolution is not None:
        claims = [worked.resolution.id]
    elif rule == "against-supported":
        claims = _incompatible(claim, worked, against, supported_only=True)[:SHOWN]
    if rule in ("contradicted", "supported-but-contradicted"):
        sources = sorted({*sources, *(d.source for d in found.denials)})
        # The SHOWN smallest of the union lie among ``claims`` and the SHOWN
        # smallest incompatible ids: no need to sort them all for each claim.
        incompatible = _incompatible(claim, worked, against, supported_only=False)
        claims = sorted({*claims, *incompatible[:SHOWN]})
    return GradeReason(
        claim=claim.claim,
        source=source,
        grade=grade,
        rule=rule,
        sources=tuple(sources[:SHOWN]),
        claims=tuple(sorted(claims)[:SHOWN]),
    )


def _backers(claim: Claim, live: Sequence[Claim], fits: Callable[[str], bool]) -> list[Claim]:
    """Up to :data:`SHOWN` other live claims entailing ``claim`` whose source ``fits``."""
    found = []
    for other in live:
        if other is not claim and fits(other.source) and entails(other.value, claim.value):
            found.append(other)
            if len(found) == SHOWN:
                break
    return found


def _incompatible(
    claim: Claim,
    worked: Worked,
    against: dict[tuple[Value, bool], list[str]],
    *,
    supported_only: bool,
) -> list[str]:
    """The sorted ids of the live claims incompatible with ``claim`` (only the
    independently supported ones if asked), computed once per distinct value."""
    key = (claim.value, supported_only)
    found = against.get(key)
    if found is None:
        supported = worked.relations.supported
        found = against[key] = sorted(
            c.claim
            for c in worked.live
            if not compatible(c.value, claim.value) and (not supported_only or supported[c.claim])
        )
    return found


def _best_reason(worked: Worked, stances: Mapping[str, Stances], registry: Registry) -> BestReason:
    resolution: Resolution | None = worked.resolution
    if resolution is not None:
        return BestReason(rung="resolution", resolution=resolution.id)
    if not worked.live:
        return BestReason(rung="no-live-claim")
    keyed = sorted(
        ((rank_key(c, worked.relations, stances, registry), c) for c in worked.live),
        key=lambda item: item[0],
    )
    best_key, best = keyed[0]
    rival = next(((k, c) for k, c in keyed if c.value != best.value), None)
    winner = _standing(best, best_key, registry)
    if rival is None:
        return BestReason(rung="only-value", best=winner)
    rival_key, runner = rival
    rung = next(r for r, a, b in zip(_RUNGS, best_key, rival_key, strict=True) if a != b)
    return BestReason(rung=rung, best=winner, runner_up=_standing(runner, rival_key, registry))


def _standing(claim: Claim, key: tuple[object, ...], registry: Registry) -> Standing:
    grade = registry.grades.get(claim.source)
    width: float | int | str = 0
    upper: float | int | str = 0
    if isinstance(claim.value, Amount):
        exact = claim.value.width
        width = exact if isinstance(exact, int) else float(exact)
        if isinstance(width, float) and math.isinf(width):
            width = "inf"
        upper = "inf" if claim.value.high is None else claim.value.high
    voices = key[1]
    assert isinstance(voices, int)
    return Standing(
        claim=claim.claim,
        source=claim.source,
        value=claim.value,
        supported=not key[0],
        voices=-voices,
        reliability=None if grade is None else GRADES[grade],
        width=width,
        upper=upper,
    )
