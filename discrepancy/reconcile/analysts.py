"""Analysts who disagree: a resolution in force that overrules another analyst.

A resolution in force (SPEC section 4) *replaces* the resolution that was in
force just before it was recorded: the latest earlier resolution of the
proposition's kind with no reopening between the two. When that resolution
is another analyst's and its value is incompatible with the one now in force,
the analysts disagree; nothing in SPEC section 4 changes because of it, but a
reader should be told (``docs/reconciliation.md``, "Analysts who disagree").

Pure: a function of a state and its reconciliation, through public API only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from discrepancy.codec import canonical_bytes
from discrepancy.events import Event, Reopening, Resolution
from discrepancy.reconcile import PropositionFinding, Reconciliation
from discrepancy.state import State
from discrepancy.values import compatible


@attrs.frozen(kw_only=True)
class Disagreement:
    """The resolution in force overrules another analyst's incompatible one."""

    proposition: str
    in_force: Resolution
    replaced: Resolution


def disagreements(state: State, reconciliation: Reconciliation) -> dict[str, Disagreement]:
    """Proposition key -> its disagreement, for the propositions that have one."""
    resolved = {
        key: finding
        for key, finding in reconciliation.propositions.items()
        if finding.resolution is not None
    }
    if not resolved:
        return {}  # the common case costs nothing: no pass over the events
    rulings = _rulings(_kept_rulings(state), resolved)
    found = {}
    for key, finding in resolved.items():
        disagreement = replaced_by(finding, rulings.get(key, ()))
        if disagreement is not None:
            found[key] = disagreement
    return found


def replaced_by(
    finding: PropositionFinding, rulings: Iterable[Resolution | Reopening]
) -> Disagreement | None:
    """The disagreement of one proposition, given its resolutions and reopenings."""
    in_force = finding.resolution
    if in_force is None:
        return None
    before: Resolution | None = None
    for ruling in sorted(rulings, key=lambda r: r.order):
        if ruling.order >= in_force.order:
            break
        if isinstance(ruling, Reopening):
            before = None
        elif ruling.value.kind == finding.kind:
            before = ruling
    if (
        before is None
        or before.analyst == in_force.analyst
        or compatible(before.value, in_force.value)
    ):
        return None
    return Disagreement(proposition=finding.proposition, in_force=in_force, replaced=before)


def _kept_rulings(state: State) -> list[Event]:
    """The resolutions and reopenings that count, without sorting the whole state.

    Of an event id carried by several contents the one that counts is the
    smallest ``(recorded_at, canonical bytes)``; canonical bytes are computed
    only for the ids of rulings that are reused.
    """
    variants: dict[str, list[Event]] = {}
    for event in state.distinct():
        if isinstance(event, Resolution | Reopening):
            variants.setdefault(event.id, [])
    for event in state.distinct():
        seen = variants.get(event.id)
        if seen is not None:
            seen.append(event)
    return [
        held[0] if len(held) == 1 else min(held, key=_variant_order) for held in variants.values()
    ]


def _variant_order(event: Event) -> tuple[str, bytes]:
    return (event.recorded_at.key, canonical_bytes(event))


def _rulings(
    events: Iterable[Event], wanted: Mapping[str, object]
) -> dict[str, list[Resolution | Reopening]]:
    found: dict[str, list[Resolution | Reopening]] = {}
    for event in events:
        if isinstance(event, Resolution | Reopening) and event.proposition in wanted:
            found.setdefault(event.proposition, []).append(event)
    return found
