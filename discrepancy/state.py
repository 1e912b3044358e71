"""The state: a value determined by the *set* of events it has seen.

:func:`evolve` adds one event, :func:`replay` many, :func:`merge` unions two
states. None of them changes its inputs, and the result depends only on the
set of distinct events, never on their order or repeats (SPEC section 4):

* an event id seen again with the same canonical bytes changes nothing;
* an event id seen with different content keeps, as the variant that counts,
  the one with the smallest ``(recorded_at, canonical bytes)``, and remembers
  the others so that :func:`reconcile` reports ``id-reused`` and ``as_of``
  stays exact.

How it stays cheap: states made from one another share a private, growing
:class:`EventIndex`. A state is that index's first ``n`` inputs. Evolving the
newest state appends to the shared index in place (O(1) per event, no copy of
any mapping); evolving or querying an older state, which happens rarely,
rebuilds an index of its own from its prefix. So every state keeps meaning
what it meant when it was made.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final, TypeVar

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
    Stance,
    Timestamp,
    instant_key,
)


class EventIndex:
    """The events of a state, indexed for reconciliation. Read-only to users.

    Attributes (all keyed by the ids the events name; lists are unordered):

    * ``kept``: event id -> the variant of that event that counts;
    * ``variants``: event id -> {canonical bytes: event}, only for ids seen
      with more than one content (the kept variant included);
    * ``kept_bytes``: event id -> the kept variant's canonical bytes, for the
      same ids;
    * ``sources``: source id -> its ``source`` events;
    * ``claims``: claim id -> the earliest ``claim`` event naming it, the one
      that counts;
    * ``rival_claims``: claim id -> the later ``claim`` events naming it too;
    * ``stances``: claim id -> the confirmations, denials and retractions
      naming it;
    * ``propositions``: proposition key -> the claims, resolutions and
      reopenings naming it.
    """

    __slots__ = (
        "claims",
        "inputs",
        "kept",
        "kept_bytes",
        "propositions",
        "rival_claims",
        "sources",
        "stances",
        "variants",
    )

    def __init__(self) -> None:
        self.inputs: list[Event] = []
        self.kept: dict[str, Event] = {}
        self.variants: dict[str, dict[bytes, Event]] = {}
        self.kept_bytes: dict[str, bytes] = {}
        self.sources: dict[str, list[Source]] = {}
        self.claims: dict[str, Claim] = {}
        self.rival_claims: dict[str, list[Claim]] = {}
        self.stances: dict[str, list[Stance]] = {}
        self.propositions: dict[str, list[Claim | Resolution | Reopening]] = {}

    def add(self, event: Event) -> bool:
        """Add ``event``; whether the set of distinct events grew."""
        old = self.kept.get(event.id)
        if old is None:
            self.kept[event.id] = event
            self._link(event)
            self.inputs.append(event)
            return True
        if old is event:
            return False
        new_bytes = canonical_bytes(event)
        seen = self.variants.get(event.id)
        if seen is None:
            old_bytes = canonical_bytes(old)
            if old_bytes == new_bytes:
                return False
            seen = self.variants[event.id] = {old_bytes: old}
            self.kept_bytes[event.id] = old_bytes
        elif new_bytes in seen:
            return False
        seen[new_bytes] = event
        self.inputs.append(event)
        # The kept variant is the smallest (recorded_at, canonical bytes): only
        # the newcomer can displace it, so one comparison per variant suffices.
        held_bytes = self.kept_bytes[event.id]
        if (event.recorded_at.key, new_bytes) < (old.recorded_at.key, held_bytes):
            self._unlink(old)
            self.kept[event.id] = event
            self.kept_bytes[event.id] = new_bytes
            self._link(event)
        return True

    def _link(self, event: Event) -> None:
        # Dispatch on the exact type, most frequent first, and append to an
        # existing bucket without building a spare list: this runs per event.
        kind = type(event)
        if kind is Claim:
            claim: Claim = event  # type: ignore[assignment]
            _append(self.propositions, claim.proposition, claim)
            first = self.claims.get(claim.claim)
            if first is None:
                self.claims[claim.claim] = claim
            elif claim.order < first.order:
                self.claims[claim.claim] = claim
                _append(self.rival_claims, claim.claim, first)
            else:
                _append(self.rival_claims, claim.claim, claim)
        elif kind is Confirmation or kind is Denial or kind is Retraction:
            stance: Stance = event  # type: ignore[assignment]
            _append(self.stances, stance.claim, stance)
        elif kind is Source:
            source: Source = event  # type: ignore[assignment]
            _append(self.sources, source.source, source)
        else:
            ruling: Resolution | Reopening = event  # type: ignore[assignment]
            _append(self.propositions, ruling.proposition, ruling)

    def _unlink(self, event: Event) -> None:
        match event:
            case Source():
                _remove(self.sources, event.source, event)
            case Claim():
                _remove(self.propositions, event.proposition, event)
                if self.claims[event.claim] is not event:
                    _remove(self.rival_claims, event.claim, event)
                elif event.claim in self.rival_claims:
                    earliest = min(self.rival_claims[event.claim], key=lambda e: e.order)
                    _remove(self.rival_claims, event.claim, earliest)
                    self.claims[event.claim] = earliest
                else:
                    del self.claims[event.claim]
            case Confirmation() | Denial() | Retraction():
                _remove(self.stances, event.claim, event)
            case Resolution() | Reopening():
                _remove(self.propositions, event.proposition, event)

    def distinct(self) -> Iterator[Event]:
        """Every distinct event: the kept variants and the others."""
        for event_id, event in self.kept.items():
            seen = self.variants.get(event_id)
            if seen is None:
                yield event
            else:
                yield from seen.values()


_K = TypeVar("_K")
_V = TypeVar("_V")


def _append(index: dict[_K, list[_V]], key: _K, item: _V) -> None:
    bucket = index.get(key)
    if bucket is None:
        index[key] = [item]
    else:
        bucket.append(item)


def _remove(index: dict[_K, list[_V]], key: _K, item: _V) -> None:
    bucket = index[key]
    for i, other in enumerate(bucket):
        if other is item:
            del bucket[i]
            break
    if not bucket:
        del index[key]


class State:
    """The reconciled state's input: an immutable set of distinct events.

    Make one with :func:`replay`, :func:`evolve` or :func:`merge`, or
    ``State()`` for the empty state. Two states are equal when they hold the
    same set of distinct events. Query it with
    :func:`discrepancy.reconcile.reconcile`.
    """

    __slots__ = ("_hash", "_index", "_size")

    def __init__(self) -> None:
        self._index = EventIndex()
        self._size = 0
        self._hash: int | None = None

    @classmethod
    def _of(cls, index: EventIndex) -> State:
        state = cls.__new__(cls)
        state._index = index
        state._size = len(index.inputs)
        state._hash = None
        return state

    def _index_of(self) -> EventIndex:
        """The index of exactly this state's events (the core's; never mutate it)."""
        if len(self._index.inputs) != self._size:
            # A newer state grew the shared index past us: take our own copy.
            self._index = _build(self._index.inputs[: self._size])
        return self._index

    def __len__(self) -> int:
        """The number of distinct event ids."""
        return len(self._index_of().kept)

    def distinct(self) -> Iterator[Event]:
        """Every distinct event, in no particular order (cheaper than :meth:`events`)."""
        return self._index_of().distinct()

    def proposition_events(self, proposition: str) -> tuple[Claim | Resolution | Reopening, ...]:
        """The kept claims, resolutions and reopenings naming ``proposition``, unordered."""
        return tuple(self._index_of().propositions.get(proposition, ()))

    def claim(self, claim_id: str) -> Claim | None:
        """The claim a claim id names (the earliest claim event carrying it), if any."""
        return self._index_of().claims.get(claim_id)

    def stances_on(self, claim_id: str) -> tuple[Stance, ...]:
        """The kept confirmations, denials and retractions naming ``claim_id``."""
        return tuple(self._index_of().stances.get(claim_id, ()))

    def registrations(self) -> Iterator[Source]:
        """Every kept ``source`` event (re-registrations included)."""
        for events in self._index_of().sources.values():
            yield from events

    def reused_ids(self) -> tuple[frozenset[str], frozenset[str]]:
        """(event ids seen with several contents, claim ids named by several claims)."""
        index = self._index_of()
        return frozenset(index.variants), frozenset(index.rival_claims)

    def events(self) -> Iterator[Event]:
        """Every distinct event, in ``(recorded_at, canonical bytes)`` order.

        ``replay(state.events()) == state`` always holds.
        """
        keyed = [(e.recorded_at.key, canonical_bytes(e), e) for e in self._index_of().distinct()]
        keyed.sort(key=lambda item: (item[0], item[1]))
        return (event for _, _, event in keyed)

    def as_of(self, moment: Timestamp | str) -> State:
        """The state of only the events recorded at or before ``moment``."""
        key = moment.key if isinstance(moment, Timestamp) else instant_key(moment)
        return replay(e for e in self._index_of().distinct() if e.recorded_at.key <= key)

    def _contents(self) -> frozenset[bytes]:
        return frozenset(canonical_bytes(e) for e in self._index_of().distinct())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, State):
            return NotImplemented
        if self is other:
            return True
        if len(self) != len(other):
            return False
        return self._contents() == other._contents()

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(self._contents())
        return self._hash

    def __repr__(self) -> str:
        return f"<State events={len(self)}>"


EMPTY: Final = State()
"""The state of no events."""


def _build(events: Iterable[Event]) -> EventIndex:
    index = EventIndex()
    add = index.add
    for event in events:
        add(event)
    return index


def evolve(state: State, event: Event) -> State:
    """The state after ``event``; ``state`` itself is left as it was."""
    # After _index_of(), ``state`` is the newest state of the index it holds, so
    # the index may grow in place: ``state`` still sees only its prefix.
    index = state._index_of()
    if not index.add(event):
        return state
    return State._of(index)


def replay(events: Iterable[Event]) -> State:
    """The state of a collection of events, in any order, repeats allowed."""
    return State._of(_build(events))


def merge(a: State, b: State) -> State:
    """The state of the union of the events of ``a`` and ``b``.

    Commutative, associative and idempotent; equal to replaying both logs.
    """
    index = _build(a._index_of().distinct())
    add = index.add
    for event in b._index_of().distinct():
        add(event)
    return State._of(index)
