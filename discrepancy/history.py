"""How a proposition got where it is: its events in recorded order, with the
status and best value after each, and what changed between two moments.

Pure: functions of a :class:`~discrepancy.state.State`. To stay cheap on long
logs, a proposition's history replays only the events that can touch it: its
claims, resolutions and reopenings, the stances naming its claims, and the
source registrations.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from discrepancy.events import (
    Claim,
    Confirmation,
    Denial,
    Event,
    Reopening,
    Resolution,
    Retraction,
    Source,
    instant_key,
)
from discrepancy.reconcile import Status, reconcile
from discrepancy.state import EMPTY, State, evolve
from discrepancy.values import Value


@attrs.frozen(kw_only=True)
class Step:
    """One event touching a proposition, and where the proposition stood after it."""

    event: Event
    status: Status | None
    best: Value | None


def relevant_events(state: State, proposition: str) -> list[Event]:
    """The events that can change ``proposition``, in recorded order."""
    index = state.index()
    mine = list(index.propositions.get(proposition, ()))
    claim_ids = {e.claim for e in mine if isinstance(e, Claim)}
    picked: list[Event] = [*mine]
    for claim_id in claim_ids:
        picked.extend(index.stances.get(claim_id, ()))
    for sources in index.sources.values():
        picked.extend(sources)
    return sorted(picked, key=lambda e: e.order)


def touches(event: Event, proposition: str) -> bool:
    """Whether ``event`` names ``proposition`` (source events name none)."""
    match event:
        case Claim() | Resolution() | Reopening() | Confirmation() | Denial() | Retraction():
            return event.proposition == proposition
        case Source():
            return False


def timeline(state: State, proposition: str) -> list[Step]:
    """The proposition's events in recorded order, each with status and best after it."""
    steps: list[Step] = []
    growing = EMPTY
    for event in relevant_events(state, proposition):
        growing = evolve(growing, event)
        if not touches(event, proposition):
            continue
        found = reconcile(growing).propositions.get(proposition)
        steps.append(
            Step(
                event=event,
                status=None if found is None else found.status,
                best=None if found is None else found.best,
            )
        )
    return steps


def open_since(steps: Iterable[Step]) -> Event | None:
    """The event from which the proposition has been contested without a break."""
    since: Event | None = None
    for step in steps:
        if step.status == "contested":
            if since is None:
                since = step.event
        else:
            since = None
    return since


@attrs.frozen(kw_only=True)
class Change:
    """What happened to one proposition between two moments."""

    proposition: str
    new_claims: tuple[str, ...]
    status: tuple[Status | None, Status | None]
    best: tuple[Value | None, Value | None]

    @property
    def opened(self) -> bool:
        """A contradiction opened."""
        return self.status[0] != "contested" and self.status[1] == "contested"

    @property
    def closed(self) -> bool:
        """A contradiction closed."""
        return self.status[0] == "contested" and self.status[1] != "contested"


def diff(state: State, start: str, end: str) -> list[Change]:
    """What changed between the reconciled states as of ``start`` and ``end``.

    Both are RFC 3339 timestamps; :class:`ValueError` if they are not.
    """
    instant_key(start)
    instant_key(end)
    before = reconcile(state.as_of(start))
    after = reconcile(state.as_of(end))
    changes = []
    for key in sorted(before.propositions.keys() | after.propositions.keys()):
        old, new = before.propositions.get(key), after.propositions.get(key)
        old_claims = {c.claim for c in old.claims} if old else set()
        new_claims = tuple(c.claim for c in new.claims if c.claim not in old_claims) if new else ()
        change = Change(
            proposition=key,
            new_claims=new_claims,
            status=(old.status if old else None, new.status if new else None),
            best=(old.best if old else None, new.best if new else None),
        )
        if (
            change.new_claims
            or change.status[0] != change.status[1]
            or (change.best[0] != change.best[1])
        ):
            changes.append(change)
    return changes
