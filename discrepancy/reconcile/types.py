"""The results of reconciliation (SPEC section 5), as values. Pure data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal, TypeAlias

import attrs

from discrepancy.events import Resolution
from discrepancy.policy import PolicyName
from discrepancy.values import Number, Value, ValueKind

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
