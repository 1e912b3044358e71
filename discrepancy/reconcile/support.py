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
counts. With few distinct values, the same counts are taken by looking at
every pair (:func:`brute_counts`); a property test proves both equal.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Final, TypeAlias

from discrepancy.events import Claim
from discrepancy.reconcile.registry import Registry
from discrepancy.values import Amount, Value

Bound: TypeAlias = int | float
Point: TypeAlias = tuple[Bound, Bound]
"""An amount as ``(low, high)``; flags and choices get a point of their own."""

SWEEP_FROM: Final = 24
"""From this many distinct live values on, quadrant counts are swept, not paired."""


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
    * :meth:`against_supported`: whether an independently supported live claim
      is incompatible with a value;
    * :meth:`voices`: rules 1.1 independent voices behind a claim.
    """

    __slots__ = (
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
        confirmers: Mapping[str, Iterable[str]],
        denied: Mapping[str, bool],
        registry: Registry,
        *,
        sweep_from: int = SWEEP_FROM,
    ) -> None:
        codes: dict[Value, int] = {}
        self._points = {c.claim: point_of(c.value, codes) for c in live}
        self._registry = registry
        distinct = set(self._points.values())
        count: Counter = sweep_counts if len(distinct) >= sweep_from else brute_counts
        registered = [
            (self._points[c.claim], c.source) for c in live if c.source in registry.parties
        ]
        self._by_source = registered
        groups = registry.groups
        self._groups = count([(p, groups[s]) for p, s in registered], distinct)
        self._group_lows: dict[int, tuple[list[Bound], list[Bound]]] = {}
        incompatible = _incompatibility(distinct, is_amount=not codes)
        self.supported: dict[str, bool] = {}
        self.contradicted: dict[str, bool] = {}
        self.allied: dict[str, bool] = {}
        self._entailment(live, confirmers, count)
        for claim in live:
            self.contradicted[claim.claim] = (
                denied.get(claim.claim, False) or incompatible[self._points[claim.claim]]
            )
        spans = [self._points[c.claim] for c in live if self.supported[c.claim]]
        self._supported_span = _span(spans, is_amount=not codes)

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
        relations._groups = {point: 1 if registered else 0}
        relations._group_lows = {}
        relations._supported_span = None
        confirming = tuple(confirmers)
        supported = registered and any(registry.independent(s, source) for s in confirming)
        relations.supported = {claim.claim: supported}
        relations.allied = {
            claim.claim: registered and any(registry.allied(s, source) for s in confirming)
        }
        relations.contradicted = {claim.claim: denied}
        if supported:
            relations._supported_span = _span([point], is_amount=isinstance(claim.value, Amount))
        return relations

    def _entailment(
        self, live: Sequence[Claim], confirmers: Mapping[str, Iterable[str]], count: Counter
    ) -> None:
        """Fill ``supported`` and ``allied`` from confirmers and quadrant counts."""
        registry = self._registry
        lone: list[Claim] = []  # registered claimants whose quadrant is their group alone
        for claim in live:
            source = claim.source
            confirming = confirmers.get(claim.claim, ())
            if source not in registry.parties:
                self.supported[claim.claim] = False
                self.allied[claim.claim] = False
                continue
            self.supported[claim.claim] = any(registry.independent(s, source) for s in confirming)
            self.allied[claim.claim] = any(registry.allied(s, source) for s in confirming)
            if self._groups[self._points[claim.claim]] >= 2:
                self.supported[claim.claim] = True  # another group's source backs it
            elif registry.parties[source]:
                lone.append(claim)
        if lone:
            self._within_group(lone, count)

    def _within_group(self, lone: Sequence[Claim], count: Counter) -> None:
        """Support and alliance for claims whose quadrant holds only their own group.

        Inside one group a backer may still be independent (a chain of shared
        parties, none shared with the claimant). With one party ``p``, the
        claimant's group-mates in the quadrant that lack ``p`` are independent
        of it and those with ``p`` are allied, so two counts decide; with more
        parties the quadrant's sources are looked at one by one.
        """
        registry = self._registry
        queries = {self._points[c.claim] for c in lone}
        sources = count(self._by_source, queries)
        by_party: dict[str, set[Point]] = {}
        for claim in lone:
            named = registry.parties[claim.source]
            if len(named) == 1:
                by_party.setdefault(next(iter(named)), set()).add(self._points[claim.claim])
        members: dict[str, list[Coloured]] = {party: [] for party in by_party}
        for point, source in self._by_source:
            for party in registry.parties[source]:
                bucket = members.get(party)
                if bucket is not None:
                    bucket.append((point, source))
        holding: dict[tuple[str, Point], int] = {}
        for party, asked in by_party.items():
            for point, found in count(members[party], asked).items():
                holding[party, point] = found
        for claim in lone:
            point = self._points[claim.claim]
            named = registry.parties[claim.source]
            if len(named) == 1:
                with_party = holding[next(iter(named)), point]
                independent = sources[point] - with_party > 0
                allied = with_party > 1  # the claimant itself holds the party
            else:
                independent, allied = self._look(claim.source, point)
            self.supported[claim.claim] = self.supported[claim.claim] or independent
            self.allied[claim.claim] = self.allied[claim.claim] or allied

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
    span = _span(list(distinct), is_amount=is_amount)
    return {p: _outside(p, span) for p in distinct}
