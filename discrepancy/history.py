"""How a proposition got where it is: its events in recorded order, with the
status and best value after each, and what changed between two moments.

Pure: functions of a :class:`~discrepancy.state.State`, through its public
API. A proposition's history replays only the events that can touch it: its
claims, resolutions and reopenings, the stances naming its claims, and the
source registrations.

How it stays near-linear in a proposition's claims: reconciling after every
event costs a reconciliation of everything so far each time (cubic in all).
:func:`timeline` instead grows a *stand-in* state that holds only the claims
that can still matter, and reconciles only when the stand-in changed. Claims
of one source with equal values are interchangeable for status and best
(SPEC section 4 reads a claim's source, value, stances, order and id, and
nothing about how many such claims there are) except that the smallest claim
id wins a tie, the earliest claim fixes the proposition's kind, and a claim
recorded after a resolution can break it. So of such a group the stand-in
holds the first claim, the one of smallest id and one recorded after the
latest resolution (letting go of those a later claim replaces), besides every
claim that a stance or correction names or whose id is reused, and every
other event. :func:`timeline_plain` reconciles after every event; a property test
proves the two equal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

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
    instant_key,
)
from discrepancy.reconcile import PropositionFinding, Status, reconcile
from discrepancy.state import EMPTY, State, evolve, replay
from discrepancy.values import Amount, Value


@attrs.frozen(kw_only=True)
class Step:
    """One event touching a proposition, and where the proposition stood after it.

    Source registrations are steps only where they changed the status or best.
    """

    event: Event
    status: Status | None
    best: Value | None


@attrs.frozen(kw_only=True)
class Withdrawal:
    """Why a claim is not live: retracted by its claimant, or corrected by a later claim."""

    claim: str
    retracted_by: str | None  # the retraction's event id
    corrected_by: str | None  # the correcting claim's id


def kept_events(state: State) -> list[Event]:
    """Of each event id the variant that counts, in recorded order.

    The variant that counts is the one of smallest ``(recorded_at, canonical
    bytes)`` (SPEC section 4); canonical bytes are computed only for ids seen
    with more than one content.
    """
    kept: dict[str, Event] = {}
    rivals: dict[str, list[Event]] = {}
    for event in state.distinct():
        first = kept.setdefault(event.id, event)
        if first is not event:
            rivals.setdefault(event.id, [first]).append(event)
    for event_id, variants in rivals.items():
        kept[event_id] = min(variants, key=lambda e: (e.recorded_at.key, canonical_bytes(e)))
    return sorted(kept.values(), key=lambda e: e.order)


def relevant_events(events: Iterable[Event], propositions: Iterable[str]) -> dict[str, list[Event]]:
    """Proposition key -> the events that can change it, in recorded order."""
    wanted = set(propositions)
    ordered = sorted(events, key=lambda e: e.order)
    owner: dict[str, set[str]] = {}
    for event in ordered:
        if isinstance(event, Claim) and event.proposition in wanted:
            owner.setdefault(event.claim, set()).add(event.proposition)
    found: dict[str, list[Event]] = {key: [] for key in wanted}
    for event in ordered:
        match event:
            case Source():
                for bucket in found.values():
                    bucket.append(event)
            case Claim() | Resolution() | Reopening():
                if event.proposition in wanted:
                    found[event.proposition].append(event)
            case Confirmation() | Denial() | Retraction():
                for key in owner.get(event.claim, ()):
                    found[key].append(event)
    return found


def touches(event: Event, proposition: str) -> bool:
    """Whether ``event`` names ``proposition`` (source events name none)."""
    match event:
        case Claim() | Resolution() | Reopening() | Confirmation() | Denial() | Retraction():
            return event.proposition == proposition
        case Source():
            return False


def _outcome(state: State, proposition: str) -> tuple[Status | None, Value | None]:
    found = reconcile(state).propositions.get(proposition)
    return (None, None) if found is None else (found.status, found.best)


def timeline_plain(state: State, proposition: str) -> list[Step]:
    """:func:`timeline`, reconciling after every event: the plain twin (cubic)."""
    return _steps(relevant_events(kept_events(state), [proposition])[proposition], proposition)


def _steps(events: list[Event], proposition: str) -> list[Step]:
    steps: list[Step] = []
    growing = EMPTY
    last: tuple[Status | None, Value | None] = (None, None)
    for event in events:
        growing = evolve(growing, event)
        now = _outcome(growing, proposition)
        if touches(event, proposition) or (isinstance(event, Source) and now != last):
            steps.append(Step(event=event, status=now[0], best=now[1]))
        last = now
    return steps


class _Group:
    """The claims held of one (source, value) group of interchangeable claims."""

    __slots__ = ("after", "first", "least", "true_least")

    def __init__(self, claim: Claim, *, first: bool) -> None:
        # The proposition's earliest claim fixes its kind: it is always held.
        self.first = claim if first else None
        self.least = claim  # the smallest claim id held: it wins ties
        self.true_least = claim  # the smallest claim id of the group
        self.after: Claim | None = None  # one recorded after the latest resolution

    def held(self) -> set[Claim]:
        return {self.least, *(c for c in (self.first, self.after) if c is not None)}


class _StandIn:
    """The stand-in state of one proposition's history (see the module docstring)."""

    def __init__(self, events: list[Event]) -> None:
        # Claim ids a stance or correction names, or that more than one claim
        # carries: such claims are always held, and never stand in for others;
        # so is every correction.
        counts: dict[str, int] = {}
        self.named: set[str] = set()
        for event in events:
            if isinstance(event, Claim):
                counts[event.claim] = counts.get(event.claim, 0) + 1
                if event.supersedes is not None:
                    self.named.add(event.supersedes)
            elif isinstance(event, Confirmation | Denial | Retraction):
                self.named.add(event.claim)
        self.named.update(c for c, n in counts.items() if n > 1)
        self.fixed: list[Event] = []  # every event taken in but the grouped claims
        self.groups: dict[tuple[str, Value], _Group] = {}
        self.resolved_at: tuple[str, str] | None = None  # the latest resolution's order
        self._state: State | None = EMPTY
        self._let_go = 0  # claims let go but still in the stand-in (harmless, as spares)
        self._seen_claim = False
        # While every claim's value is an amount and no two values have equal
        # bounds written differently, two claims that tie on everything but the
        # claim id have equal values: the id decides nothing that shows.
        self._ids_matter = False
        self._forms: dict[tuple[object, object], tuple[Value, type, type]] = {}

    @property
    def state(self) -> State:
        """The stand-in: the events held, and some spares let go since the last rebuild.

        A spare is interchangeable with a claim held, so it changes no
        outcome; the stand-in is rebuilt once there are as many spares as
        claims held, so it stays small at a constant cost per event.
        """
        if self._state is None:
            held = [c for group in self.groups.values() for c in group.held()]
            self._state = replay([*self.fixed, *held])
            self._let_go = 0
        return self._state

    def add(self, event: Event) -> bool:
        """Take ``event`` in; whether the stand-in changed (so the outcome may have)."""
        if not isinstance(event, Claim) or event.claim in self.named or event.supersedes:
            self._seen_claim |= isinstance(event, Claim)
            if isinstance(event, Resolution):
                self.resolved_at = event.order
            self.fixed.append(event)
            self._grow(event)
            return True
        if not self._ids_matter and self._new_form(event.value):
            self._ids_matter = True
            for each in self.groups.values():
                each.least = each.true_least
            self._state = None
        key = (event.source, event.value)
        group = self.groups.get(key)
        if group is None:
            self.groups[key] = _Group(event, first=not self._seen_claim)
            self._seen_claim = True
            self._grow(event)
            return True
        before = group.held()
        if event.claim < group.true_least.claim:
            group.true_least = event
            if self._ids_matter:
                group.least = event
        if self.resolved_at is not None and (
            group.after is None or group.after.order < self.resolved_at
        ):
            group.after = event
        now = group.held()
        if now == before:
            return False  # interchangeable with a claim held: nothing can change
        self._grow(event)
        self._let_go += len(before - now)
        if self._let_go > len(self.fixed) + 3 * len(self.groups):
            self._state = None  # rebuild, without the spares, when next asked
        return True

    def _new_form(self, value: Value) -> bool:
        """Whether ``value`` makes claim ids matter: not an amount, or equal bounds
        written another way than a value seen before."""
        if not isinstance(value, Amount):
            return True
        form = (value, type(value.low), type(value.high))
        return self._forms.setdefault((value.low, value.high), form) != form

    def _grow(self, event: Event) -> None:
        if self._state is not None:
            self._state = evolve(self._state, event)


def timeline(state: State, proposition: str) -> list[Step]:
    """The proposition's events in recorded order, each with status and best after it.

    Source registrations are included where they changed the status or best.
    """
    return timelines(state, [proposition])[proposition]


def timelines(state: State, propositions: Iterable[str]) -> dict[str, list[Step]]:
    """:func:`timeline` of several propositions, in one pass over the state's events."""
    found = relevant_events(kept_events(state), propositions)
    return {key: _fast_steps(events, key) for key, events in found.items()}


def _fast_steps(events: list[Event], proposition: str) -> list[Step]:
    steps: list[Step] = []
    stand_in = _StandIn(events)
    last: tuple[Status | None, Value | None] = (None, None)
    for event in events:
        now = _outcome(stand_in.state, proposition) if stand_in.add(event) else last
        if touches(event, proposition) or (isinstance(event, Source) and now != last):
            steps.append(Step(event=event, status=now[0], best=now[1]))
        last = now
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


def withdrawals(state: State, findings: Iterable[PropositionFinding]) -> dict[str, Withdrawal]:
    """Claim id -> why it is not live, for the claims of ``findings`` that are not.

    A claim is retracted by a retraction of its claimant, and corrected by a
    later claim of its claimant on the same proposition naming it in
    ``supersedes`` (SPEC section 4); the earliest of each is named.
    """
    gone = {c.claim: (f.proposition, c.source) for f in findings for c in f.claims if not c.live}
    if not gone:
        return {}
    retracted: dict[str, str] = {}
    corrected: dict[str, str] = {}
    for event in kept_events(state):
        if isinstance(event, Retraction):
            if gone.get(event.claim) == (event.proposition, event.source):
                retracted.setdefault(event.claim, event.id)
        elif isinstance(event, Claim) and event.supersedes:  # noqa: SIM102 - two questions
            if gone.get(event.supersedes) == (event.proposition, event.source):
                corrected.setdefault(event.supersedes, event.claim)
    return {
        claim: Withdrawal(
            claim=claim, retracted_by=retracted.get(claim), corrected_by=corrected.get(claim)
        )
        for claim in gone
        if claim in retracted or claim in corrected
    }


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

    Both are RFC 3339 timestamps; :class:`ValueError` if they are not, or if
    ``end`` is earlier than ``start`` (a reversed window).
    """
    if instant_key(end) < instant_key(start):
        raise ValueError(f"the window ends ({end}) before it starts ({start})")
    before = reconcile(state.as_of(start))
    after = reconcile(state.as_of(end))
    return _changes(before.propositions, after.propositions)


def _changes(
    before: Mapping[str, PropositionFinding], after: Mapping[str, PropositionFinding]
) -> list[Change]:
    changes = []
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
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
            or change.best[0] != change.best[1]
        ):
            changes.append(change)
    return changes
