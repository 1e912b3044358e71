"""How a proposition's live values back and contradict one another, near-linearly.

SPEC section 4 asks, of every live claim: is some live claim incompatible
with it; is it backed (entailed) by a live claim of a source independent of
its claimant, or of one sharing a party with it; and how many independent
voices (rules 1.1 groups) stand behind it. Asked pair by pair, that is
quadratic in a proposition's distinct values, an input anyone can write.

Here every question is answered per distinct value from a few summaries:

* an amount is a point ``(low, high)`` with open ends at -inf and +inf, and
  the live claims entailing a value ``v`` are the points inside it: ``low >=
  v.low`` and ``high <= v.high``, a quadrant. A flag or choice is entailed
  only by itself, so its quadrant is its own claims.
* *incompatible*: some live point has ``low > v.high`` or ``high < v.low``;
  the largest low and the smallest high of all live points decide it.
* the number of distinct groups, of distinct sources, and of distinct
  sources with a given party in a quadrant are counted by one sweep each over
  lows, descending, with a Fenwick tree over highs that holds, for every
  colour (group, source), the smallest high seen so far: a colour is inside
  the quadrant exactly when that smallest high is at most ``v.high``.

:class:`Relations` derives support, contradiction and voices from those
counts. With few distinct values (most propositions), each value's backers
are simply collected pair by pair (``Relations._pairwise``), which is cheaper
there; property tests prove the two paths equal, and the sweep's counts
equal :func:`brute_counts`.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from itertools import combinations
from typing import Final, TypeAlias

from discrepancy.events import Claim
from discrepancy.reconcile.registry import Registry
from discrepancy.reconcile.stances import NO_STANCES, Stances
from discrepancy.values import Amount, Value

Bound: TypeAlias = int | float
Point: TypeAlias = tuple[Bound, Bound]
"""An amount as ``(low, high)``; flags and choices get a point of their own."""

SWEEP_FROM: Final = 24
"""From this many distinct live values on, quadrant counts are swept, not paired."""

EXACT_PARTIES: Final = 6
"""Sources of at most this many parties are counted by party subsets (2**6 - 1 of them)."""


def point_of(value: Value, codes: dict[Value, int]) -> Point:
    """``value`` as a point: its bounds, or a code point ``(c, c)`` for a flag or choice.

    Distinct flags and choices get distinct code points, so that the only
    point inside ``(c, c)`` is itself, as entailment between them is equality.
    """
    if isinstance(value, Amount):
        low = -math.inf if value.low is None else value.low
        high = math.inf if value.high is None else value.high
        return (low, high)
    code = codes.setdefault(value, len(codes))
    return (code, code)


Coloured: TypeAlias = tuple[Point, Hashable]


def sweep_counts(points: Sequence[Coloured], queries: Iterable[Point]) -> dict[Point, int]:
    """Query point -> distinct colours among ``points`` inside its quadrant.

    ``points`` are ``((low, high), colour)``; a point ``p`` is inside the
    quadrant of ``q`` when ``p.low >= q.low`` and ``p.high <= q.high``.
    O((n + q) log n).
    """
    highs = sorted({p[0][1] for p in points})
    size = len(highs)
    tree = [0] * (size + 1)

    def add(rank: int, delta: int) -> None:
        rank += 1
        while rank <= size:
            tree[rank] += delta
            rank += rank & -rank

    def upto(rank: int) -> int:  # colours whose smallest high has rank < ``rank``
        total = 0
        while rank > 0:
            total += tree[rank]
            rank -= rank & -rank
        return total

    by_low = sorted(points, key=lambda p: p[0][0], reverse=True)
    smallest: dict[Hashable, int] = {}
    answers: dict[Point, int] = {}
    taken = 0
    for query in sorted(set(queries), key=lambda q: q[0], reverse=True):
        while taken < len(by_low) and by_low[taken][0][0] >= query[0]:
            (_, high), colour = by_low[taken]
            rank = bisect_left(highs, high)
            held = smallest.get(colour)
            if held is None or rank < held:
                if held is not None:
                    add(held, -1)
                add(rank, 1)
                smallest[colour] = rank
            taken += 1
        answers[query] = upto(bisect_right(highs, query[1]))
    return answers


def brute_counts(points: Sequence[Coloured], queries: Iterable[Point]) -> dict[Point, int]:
    """The plain twin of :func:`sweep_counts`: every query against every point."""
    return {
        q: len({colour for (low, high), colour in points if low >= q[0] and high <= q[1]})
        for q in set(queries)
    }


Counter: TypeAlias = Callable[[Sequence[Coloured], Iterable[Point]], dict[Point, int]]


class Relations:
    """Support, contradiction and voices of a proposition's live claims.

    * ``supported[claim]``: independently supported (SPEC section 4);
    * ``contradicted[claim]``: an incompatible live claim exists, or another
      source denies it;
    * ``allied[claim]``: confirmed by, or entailed by a live claim of, another
      source sharing a party with its claimant (the second branch of grade 2);
      read it only for claims not independently supported (for the others it
      may be left ``False``, since grade 2 then follows from support);
    * :meth:`against_supported`: whether an independently supported live claim
      is incompatible with a value;
    * :meth:`voices`: rules 1.1 independent voices behind a claim.
    """

    __slots__ = (
        "_backer_groups",
        "_backers",
        "_by_source",
        "_group_lows",
        "_groups",
        "_points",
        "_registry",
        "_supported_span",
        "allied",
        "contradicted",
        "supported",
    )

    def __init__(
        self,
        live: Sequence[Claim],
        stances: Mapping[str, Stances],
        registry: Registry,
        *,
        sweep_from: int = SWEEP_FROM,
    ) -> None:
        codes: dict[Value, int] = {}
        parties = registry.parties
        points: dict[str, Point] = {}
        held_by: dict[tuple[Point, str], None] = {}  # (point, registered source), in order
        for claim in live:
            point = points[claim.claim] = point_of(claim.value, codes)
            if claim.source in parties:
                held_by[point, claim.source] = None
        self._points = points
        self._registry = registry
        distinct = set(points.values())
        self._by_source = list(held_by)
        self._group_lows: dict[int, tuple[list[Bound], list[Bound]]] = {}
        self._backers: dict[Point, set[str]] | None = None
        self._backer_groups: dict[Point, set[int]] = {}
        self._groups: dict[Point, int] = {}
        self.supported: dict[str, bool] = {}
        self.contradicted: dict[str, bool] = {}
        self.allied: dict[str, bool] = {}
        if len(distinct) >= sweep_from:
            groups = registry.groups
            self._groups = sweep_counts([(p, groups[s]) for p, s in self._by_source], distinct)
            self._entailment(live, stances, sweep_counts)
        else:
            self._pairwise(live, stances, distinct)
        incompatible = _incompatibility(distinct, is_amount=not codes)
        supported, contradicted = self.supported, self.contradicted
        spans: list[Point] = []
        for claim in live:
            claim_id = claim.claim
            point = points[claim_id]
            held = stances.get(claim_id)
            denied = held is not None and bool(held.denials)
            contradicted[claim_id] = denied or incompatible[point]
            if supported[claim_id]:
                spans.append(point)
        self._supported_span = _span(spans, is_amount=not codes)

    def _pairwise(
        self, live: Sequence[Claim], stances: Mapping[str, Stances], distinct: set[Point]
    ) -> None:
        """The plain twin of the sweeps, for few distinct values: each pair of values.

        Every distinct value gets its backers (the registered sources of the
        live values inside it) and their groups; each claim's support and
        alliance are then read off its confirmers and backers directly.
        """
        registry = self._registry
        holders: dict[Point, set[str]] = {}
        for point, source in self._by_source:
            bucket = holders.get(point)
            if bucket is None:
                holders[point] = {source}
            else:
                bucket.add(source)
        if len(distinct) == 1:
            backers = {value: set().union(*holders.values()) for value in distinct}
        else:
            backers = {}
            for value in distinct:
                found: set[str] = set()
                for other, sources in holders.items():
                    if other[0] >= value[0] and other[1] <= value[1]:
                        found |= sources
                backers[value] = found
        self._backers = backers
        for claim in live:
            source = claim.source
            if source not in registry.parties:
                self.supported[claim.claim] = self.allied[claim.claim] = False
                continue
            pool = [
                *stances.get(claim.claim, NO_STANCES).confirmers,
                *backers[self._points[claim.claim]],
            ]
            supported = any(registry.independent(b, source) for b in pool)
            self.supported[claim.claim] = supported
            # (Alliance only matters to a claim without independent support.)
            self.allied[claim.claim] = not supported and any(
                registry.allied(b, source) for b in pool
            )

    @classmethod
    def single(
        cls, claim: Claim, confirmers: Iterable[str], denied: bool, registry: Registry
    ) -> Relations:
        """The relations of a proposition's only live claim: its stances decide all.

        Equal to ``Relations([claim], ...)`` (a property test checks it) at a
        fraction of the cost, for the many propositions of one claim.
        """
        relations = cls.__new__(cls)
        point = point_of(claim.value, {})
        source = claim.source
        registered = source in registry.parties
        relations._points = {claim.claim: point}
        relations._registry = registry
        relations._by_source = [(point, source)] if registered else []
        relations._groups = {}
        relations._backers = {point: {source} if registered else set()}
        relations._backer_groups = {}
        relations._group_lows = {}
        relations._supported_span = None
        confirming = tuple(confirmers) if registered else ()
        supported = any(registry.independent(s, source) for s in confirming)
        relations.supported = {claim.claim: supported}
        relations.allied = {claim.claim: any(registry.allied(s, source) for s in confirming)}
        relations.contradicted = {claim.claim: denied}
        if supported:
            relations._supported_span = _span([point], is_amount=isinstance(claim.value, Amount))
        return relations

    def _entailment(
        self, live: Sequence[Claim], stances: Mapping[str, Stances], count: Counter
    ) -> None:
        """Fill ``supported`` and ``allied`` from confirmers and quadrant counts."""
        registry = self._registry
        lone: list[Claim] = []  # registered claimants whose quadrant is their group alone
        for claim in live:
            source = claim.source
            confirming = stances.get(claim.claim, NO_STANCES).confirmers
            if source not in registry.parties:
                self.supported[claim.claim] = False
                self.allied[claim.claim] = False
                continue
            if confirming:
                self.supported[claim.claim] = any(
                    registry.independent(s, source) for s in confirming
                )
                self.allied[claim.claim] = any(registry.allied(s, source) for s in confirming)
            else:
                self.supported[claim.claim] = self.allied[claim.claim] = False
            if self._groups[self._points[claim.claim]] >= 2:
                self.supported[claim.claim] = True  # another group's source backs it
            elif registry.parties[source]:
                lone.append(claim)
        if lone:
            self._within_group(lone, count)

    def _within_group(self, lone: Sequence[Claim], count: Counter) -> None:
        """Support and alliance for claims whose quadrant holds only their own group.

        Inside one group a backer may still be independent (joined through a
        chain of parties, sharing none with the claimant). With ``A`` the
        distinct sources in the quadrant that share a party with the claimant
        (the claimant among them) and ``C`` all distinct registered sources
        there, some backer is independent iff ``C > A`` and some is allied iff
        ``A > 1``. ``A`` is counted by inclusion and exclusion over the
        claimant's party subsets ``Q``, from the number of quadrant sources
        holding all of ``Q``; a claimant of more than :data:`EXACT_PARTIES`
        parties has its quadrant's sources looked at one by one instead.
        """
        registry = self._registry
        sources = count(self._by_source, {self._points[c.claim] for c in lone})
        # With its claimant alone in the quadrant, a claim has no backer at all.
        lone = [c for c in lone if sources[self._points[c.claim]] > 1]
        asked: dict[frozenset[str], set[Point]] = {}
        for claim in lone:
            named = registry.parties[claim.source]
            if len(named) <= EXACT_PARTIES:
                for subset in _subsets(named):
                    asked.setdefault(subset, set()).add(self._points[claim.claim])
        holding = self._holding(asked, count)
        for claim in lone:
            point = self._points[claim.claim]
            named = registry.parties[claim.source]
            if len(named) <= EXACT_PARTIES:
                sharing = sum(
                    (1 if len(q) % 2 else -1) * holding[q][point] for q in _subsets(named)
                )
                independent, allied = sources[point] > sharing, sharing > 1
            else:
                independent, allied = self._look(claim.source, point)
            self.supported[claim.claim] = self.supported[claim.claim] or independent
            self.allied[claim.claim] = self.allied[claim.claim] or allied

    def _holding(
        self, asked: Mapping[frozenset[str], set[Point]], count: Counter
    ) -> dict[frozenset[str], dict[Point, int]]:
        """Party subset -> point -> distinct quadrant sources holding every party of it."""
        registry = self._registry
        members: dict[frozenset[str], list[Coloured]] = {q: [] for q in asked}
        for point, source in self._by_source:
            named = registry.parties[source]
            if len(named) <= EXACT_PARTIES:
                wanted: Iterable[frozenset[str]] = (q for q in _subsets(named) if q in members)
            else:
                wanted = (q for q in members if q <= named)
            for subset in wanted:
                members[subset].append((point, source))
        return {q: count(members[q], points) for q, points in asked.items()}

    def _look(self, claimant: str, point: Point) -> tuple[bool, bool]:
        """(independent backer, allied backer) in ``point``'s quadrant, one by one."""
        registry = self._registry
        independent = allied = False
        for (low, high), source in self._by_source:
            if low >= point[0] and high <= point[1] and source != claimant:
                if registry.independent(source, claimant):
                    independent = True
                else:
                    allied = True
                if independent and allied:
                    break
        return independent, allied

    def _index_groups(self) -> None:
        """Per group, its points by low descending with the running smallest high."""
        groups = self._registry.groups
        members: dict[int, list[Point]] = {}
        for point, source in self._by_source:
            members.setdefault(groups[source], []).append(point)
        for group, mine in members.items():
            mine.sort(key=lambda p: p[0], reverse=True)
            least: list[Bound] = []
            for p in mine:
                least.append(min(p[1], least[-1]) if least else p[1])
            self._group_lows[group] = ([-p[0] for p in mine], least)

    def against_supported(self, value_of: str) -> bool:
        """Whether an independently supported live claim is incompatible with this claim."""
        return _outside(self._points[value_of], self._supported_span)

    def voices(self, claim: str, confirming: Iterable[str]) -> int:
        """The distinct groups among the registered sources backing ``claim`` (rules 1.1).

        Its quadrant's groups (its own claimant's included), plus those of its
        registered confirmers that no live claim inside it already brings.
        """
        point = self._points[claim]
        groups = self._registry.groups
        extra = {groups[s] for s in confirming if s in groups}
        if self._backers is not None:  # the pairwise path: the backers' groups
            held = self._backer_groups.get(point)
            if held is None:  # once per value, not per claim: the backers may be many
                held = self._backer_groups[point] = {groups[s] for s in self._backers[point]}
            return len(held | extra) if extra else len(held)
        if not extra:
            return self._groups[point]
        return self._groups[point] + sum(1 for g in extra if not self._group_inside(g, point))

    def _group_inside(self, group: int, point: Point) -> bool:
        if not self._group_lows:
            self._index_groups()
        found = self._group_lows.get(group)
        if found is None:
            return False
        lows, least = found
        reach = bisect_right(lows, -point[0])  # points with low >= point's low
        return reach > 0 and least[reach - 1] <= point[1]


def _subsets(parties: frozenset[str]) -> Iterator[frozenset[str]]:
    """The non-empty subsets of ``parties``."""
    items = sorted(parties)
    for size in range(1, len(items) + 1):
        for chosen in combinations(items, size):
            yield frozenset(chosen)


Span: TypeAlias = tuple[Bound, Bound, frozenset[Point]] | None


def _span(points: Sequence[Point], *, is_amount: bool) -> Span:
    """What decides incompatibility with a set of points: largest low, smallest high."""
    if not points:
        return None
    if is_amount:
        return (max(p[0] for p in points), min(p[1] for p in points), frozenset())
    return (0, 0, frozenset(points))


def _outside(point: Point, span: Span) -> bool:
    """Whether some point summarised by ``span`` is incompatible with ``point``."""
    if span is None:
        return False
    largest_low, smallest_high, codes = span
    if codes:
        return len(codes) > 1 or point not in codes
    return largest_low > point[1] or smallest_high < point[0]


def _incompatibility(distinct: set[Point], *, is_amount: bool) -> dict[Point, bool]:
    if len(distinct) == 1:  # one value (low <= high) is compatible with itself
        return dict.fromkeys(distinct, False)
    span = _span(list(distinct), is_amount=is_amount)
    return {p: _outside(p, span) for p in distinct}
