"""Best-value policies: learned source reliability, and majority vote as a baseline.

SPEC section 4 picks a proposition's ``best`` value by a fixed order
(independent support, number of parties, the source's Admiralty grade, ...).
With many sources and no grades, that order is close to a majority vote. The
``learned`` policy here estimates, from agreement across *all*
propositions, how often each source is right, and lets reliable sources
outweigh many unreliable ones, as truth-discovery methods do (Accu, Dong et
al. 2009; TruthFinder, Yin et al. 2007).

Everything here is pure: plain data in, plain data out, no I/O, no logging.
It knows nothing of events or of reconciliation; :func:`learn` takes the
live claims (``PolicyClaim``) that reconciliation found, and the caller breaks
ties by the SPEC order (:func:`choose`).

The model (the default parameters are the module constants):

* Every source ``s`` has a reliability ``t(s)`` in ``[T_MIN, T_MAX]``, at first
  :data:`PRIOR`.
* A source *asserts* a value when it has a live claim with that value or
  confirms such a claim. A value ``v`` is *supported* by every source that
  asserts a value entailing ``v`` (SPEC section 3: ``58`` entails
  ``{"min": 23}``; flags and choices entail only themselves).
* For a proposition with ``k`` distinct claimed values, let ``n = max(1, k-1)``
  be the number of false answers in play. A source's vote there weighs
  ``w(s) = max(0, ln(n * t(s) / (1 - t(s))))``: the Accu log-odds that its
  answer is right rather than one of the ``n`` wrong ones, floored at 0 so that
  a bad source never counts *against* what it says.
* The score of a value is the sum of its supporters' weights (of sources that
  share a party, only the heaviest counts); its probability
  is ``exp(score)`` normalised over the proposition's values plus
  ``n + 1 - k`` unseen wrong answers of score 0.
* A source's new reliability is the mean, over the distinct values it asserts,
  of the probability that the true answer *agrees* with what it asserted: the
  probability mass of the values that entail it, or, for amounts, lie within
  a relative ``tolerance`` of it (``|a - b| <= tolerance * max(|a|, |b|)``
  between the nearest ends of two intervals). The default tolerance is 0
  (agreement means compatible-by-entailment); see ``docs/accuracy.md``.
* Repeat until no reliability moves by more than :data:`EPSILON`, or
  :data:`MAX_ITERATIONS` rounds.

A claim's final score is the score of its value (summed with ``math.fsum`` in a
fixed order, so equal supports give equal scores); the best claim has the
highest score, ties broken by the SPEC order. Inputs are interned in sorted
order, so the result does not depend on the order of the claims given.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Final, Literal, TypeAlias

import attrs

from discrepancy.values import Amount, Choice, Flag, Value

PolicyName: TypeAlias = Literal["spec", "learned", "majority"]
POLICIES: Final[tuple[PolicyName, ...]] = ("spec", "learned", "majority")
"""Every policy: ``spec`` (SPEC section 4), ``learned`` (:func:`learn`), ``majority``."""

PRIOR: Final = 0.8
"""Reliability every source starts from."""
T_MIN: Final = 0.01
T_MAX: Final = 0.99
"""Reliabilities are kept in ``[T_MIN, T_MAX]`` so that log-odds stay finite."""
EPSILON: Final = 1e-6
"""Converged when no reliability moves by more than this in one round."""
MAX_ITERATIONS: Final = 100
"""Stop after this many rounds even if not converged (``Learned.converged`` says which)."""
SMOOTHING: Final = 1.0
"""Pseudo-assertions at the prior added to every source's mean (shrinks small sources)."""
TOLERANCE: Final = 0.0
"""Default relative tolerance within which two amounts agree (for reliability only)."""


@attrs.frozen(kw_only=True)
class PolicyClaim:
    """A live claim as a policy sees it.

    ``confirmed_by`` are the sources (other than the claimant) whose
    confirmations of this claim count.
    """

    claim: str
    source: str
    proposition: str
    value: Value
    confirmed_by: frozenset[str] = frozenset()


@attrs.frozen(kw_only=True)
class Learned:
    """What a policy concluded.

    * ``scores``: claim id -> score of its value (higher is better);
    * ``reliability``: source id -> learned reliability in ``[T_MIN, T_MAX]``
      (empty for :func:`majority`);
    * ``iterations`` run, and whether the fixed point ``converged`` before the cap.
    """

    scores: Mapping[str, float]
    reliability: Mapping[str, float]
    iterations: int
    converged: bool


# A value's canonical key: sortable, equal exactly when the values are the same
# answer (an exact 5 and the interval [5, 5] are the same answer).
_Key: TypeAlias = tuple[int, float, float, str]


def _key(value: Value) -> _Key:
    match value:
        case Amount():
            low = -math.inf if value.low is None else value.low
            high = math.inf if value.high is None else value.high
            return (0, low, high, "")
        case Flag():
            return (1, 0.0, 0.0, "true" if value.holds else "false")
        case Choice():
            return (2, 0.0, 0.0, value.answer)


def _entails(a: _Key, b: _Key) -> bool:
    if a[0] != b[0]:
        return False
    if a[0] == 0:
        return b[1] <= a[1] and a[2] <= b[2]
    return a == b


def _agrees(truth: _Key, said: _Key, tolerance: float) -> bool:
    """Whether ``said`` is right (or close enough) when ``truth`` is the answer."""
    if _entails(truth, said):
        return True
    if truth[0] != 0 or said[0] != 0 or tolerance <= 0:
        return False
    gap = max(said[1] - truth[2], truth[1] - said[2])
    ends = [abs(x) for x in (truth[1], truth[2], said[1], said[2]) if math.isfinite(x)]
    return bool(ends) and gap <= tolerance * max(ends)


@attrs.frozen
class _Problem:
    """The claims, interned into flat lists of ints (the hot loop's input)."""

    sources: tuple[str, ...]
    # per proposition: (first value index, end value index, ln n, unseen wrong answers)
    spans: tuple[tuple[int, int, float, int], ...]
    supporters: tuple[tuple[int, ...], ...]  # per value: sources supporting it
    agreeing: tuple[tuple[int, ...], ...]  # per value: values whose truth makes it right
    asserted_by: tuple[tuple[int, ...], ...]  # per value: sources asserting it exactly
    value_of_claim: Mapping[str, int]
    # values whose supporters include several sources of one bloc: supporters by bloc
    blocs: Mapping[int, tuple[tuple[int, ...], ...]]


def _bloc_of(names: Sequence[str], parties: Mapping[str, Iterable[str]]) -> list[int]:
    """Per source, its bloc: sources linked through shared parties (transitively)."""
    parent = list(range(len(names)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_with: dict[str, int] = {}
    for i, name in enumerate(names):
        for party in sorted(set(parties.get(name, ()))):
            j = first_with.setdefault(party, i)
            a, b = root(i), root(j)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return [root(i) for i in range(len(names))]


def _intern(
    claims: Iterable[PolicyClaim], tolerance: float, parties: Mapping[str, Iterable[str]]
) -> _Problem:
    asserting: dict[str, dict[_Key, set[str]]] = {}
    claim_key: dict[str, tuple[str, _Key]] = {}
    for c in claims:
        key = _key(c.value)
        group = asserting.setdefault(c.proposition, {})
        who = group.setdefault(key, set())
        who.add(c.source)
        who.update(c.confirmed_by)
        claim_key[c.claim] = (c.proposition, key)
    names = sorted({s for group in asserting.values() for who in group.values() for s in who})
    index = {s: i for i, s in enumerate(names)}
    bloc = _bloc_of(names, parties)
    blocs: dict[int, tuple[tuple[int, ...], ...]] = {}
    spans: list[tuple[int, int, float, int]] = []
    supporters: list[tuple[int, ...]] = []
    agreeing: list[tuple[int, ...]] = []
    asserted_by: list[tuple[int, ...]] = []
    value_index: dict[tuple[str, _Key], int] = {}
    for proposition in sorted(asserting):
        group = asserting[proposition]
        keys = sorted(group)
        start = len(supporters)
        points = all(k[0] != 0 or k[1] == k[2] for k in keys)
        for key in keys:
            value_index[proposition, key] = len(supporters)
            asserted_by.append(tuple(sorted(index[s] for s in group[key])))
            if points:  # exact answers entail only themselves: the common, fast case
                supporters.append(asserted_by[-1])
            else:
                backers = {index[s] for k in keys if _entails(k, key) for s in group[k]}
                supporters.append(tuple(sorted(backers)))
            if points and tolerance <= 0:
                agreeing.append((len(supporters) - 1,))
            else:
                agreeing.append(
                    tuple(start + j for j, k in enumerate(keys) if _agrees(k, key, tolerance))
                )
        for v in range(start, len(supporters)):
            if len({bloc[s] for s in supporters[v]}) < len(supporters[v]):
                grouped: dict[int, list[int]] = {}
                for s in supporters[v]:
                    grouped.setdefault(bloc[s], []).append(s)
                blocs[v] = tuple(tuple(g) for _, g in sorted(grouped.items()))
        wrong = max(1, len(keys) - 1)
        spans.append((start, len(supporters), math.log(wrong), wrong + 1 - len(keys)))
    return _Problem(
        sources=tuple(names),
        spans=tuple(spans),
        supporters=tuple(supporters),
        agreeing=tuple(agreeing),
        asserted_by=tuple(asserted_by),
        value_of_claim={c: value_index[pk] for c, pk in claim_key.items()},
        blocs=blocs,
    )


def _score(
    v: int,
    weights: Sequence[float],
    supporters: Sequence[tuple[int, ...]],
    blocs: Mapping[int, tuple[tuple[int, ...], ...]],
) -> float:
    """A value's score: its supporters' weights, the heaviest one per bloc (exactly summed)."""
    groups = blocs.get(v)
    if groups is None:
        return math.fsum(weights[s] for s in supporters[v])
    return math.fsum(max(weights[s] for s in group) for group in groups)


def _weights(reliability: Sequence[float], ln_n: float) -> list[float]:
    return [max(0.0, ln_n + math.log(t / (1.0 - t))) for t in reliability]


def learn(
    claims: Iterable[PolicyClaim],
    *,
    tolerance: float = TOLERANCE,
    max_iterations: int = MAX_ITERATIONS,
    epsilon: float = EPSILON,
    prior: float = PRIOR,
    smoothing: float = SMOOTHING,
    parties: Mapping[str, Iterable[str]] | None = None,
) -> Learned:
    """Learn each source's reliability and score every claim (see the module docstring).

    ``claims`` should be the live claims of one kind per proposition (claims of
    another kind simply never agree). Deterministic and independent of the
    order of ``claims``.

    ``parties`` maps source ids to their parties (SPEC section 1). Sources linked
    by shared parties (directly or through others) form a *bloc* that is not
    independent: a value's score then takes only the heaviest weight of each bloc
    among its supporters, as SPEC's best-value order counts parties, not
    sources. Sources absent from ``parties`` or without parties stand alone.
    """
    if not T_MIN <= prior <= T_MAX:
        raise ValueError(f"prior must lie in [{T_MIN}, {T_MAX}], got {prior}")
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")
    problem = _intern(claims, tolerance, parties or {})
    spans, supporters, agreeing, asserted_by, blocs = (
        problem.spans,
        problem.supporters,
        problem.agreeing,
        problem.asserted_by,
        problem.blocs,
    )
    n_sources = len(problem.sources)
    counts = [0] * n_sources
    for who in asserted_by:
        for s in who:
            counts[s] += 1
    reliability = [prior] * n_sources
    exp = math.exp
    iterations = 0
    converged = False
    probability = [0.0] * len(supporters)
    while iterations < max_iterations:
        iterations += 1
        by_n: dict[float, list[float]] = {}
        for start, end, ln_n, unseen in spans:
            weights = by_n.get(ln_n)
            if weights is None:
                weights = by_n[ln_n] = _weights(reliability, ln_n)
            if blocs:
                scores = [_score(v, weights, supporters, blocs) for v in range(start, end)]
            else:  # the fast path: no two supporters share a party
                scores = [sum([weights[s] for s in supporters[v]]) for v in range(start, end)]
            top = max(scores)
            top = max(top, 0.0)
            exps = [exp(x - top) for x in scores]
            total = sum(exps) + unseen * exp(-top)
            for v, e in zip(range(start, end), exps, strict=True):
                probability[v] = e / total
        earned = [0.0] * n_sources
        for v, who in enumerate(asserted_by):
            agree = agreeing[v]
            right = probability[agree[0]] if len(agree) == 1 else sum(probability[u] for u in agree)
            for s in who:
                earned[s] += right
        moved = 0.0
        for s in range(n_sources):
            new = (earned[s] + smoothing * prior) / (counts[s] + smoothing)
            new = min(T_MAX, max(T_MIN, new))
            moved = max(moved, abs(new - reliability[s]))
            reliability[s] = new
        if moved <= epsilon:
            converged = True
            break

    by_n = {}
    value_score: list[float] = [0.0] * len(supporters)
    for start, end, ln_n, _ in spans:
        weights = by_n.get(ln_n)
        if weights is None:
            weights = by_n[ln_n] = _weights(reliability, ln_n)
        for v in range(start, end):
            value_score[v] = _score(v, weights, supporters, blocs)
    return Learned(
        scores=MappingProxyType(
            {c: value_score[v] for c, v in sorted(problem.value_of_claim.items())}
        ),
        reliability=MappingProxyType(dict(zip(problem.sources, reliability, strict=True))),
        iterations=iterations,
        converged=converged,
    )


def majority(claims: Iterable[PolicyClaim]) -> Learned:
    """Majority vote: a claim scores the number of distinct sources claiming the same value.

    Only claimants count (not confirmers, not entailment): the textbook baseline
    that truth-discovery methods are measured against.
    """
    claims = list(claims)
    voters: dict[tuple[str, _Key], set[str]] = {}
    for c in claims:
        voters.setdefault((c.proposition, _key(c.value)), set()).add(c.source)
    return Learned(
        scores=MappingProxyType(
            {
                c.claim: float(len(voters[c.proposition, _key(c.value)]))
                for c in sorted(claims, key=lambda c: c.claim)
            }
        ),
        reliability=MappingProxyType({}),
        iterations=0,
        converged=True,
    )


def choose(ranked: Sequence[str], scores: Mapping[str, float]) -> str:
    """The best claim: the highest score, ties going to the earliest in ``ranked``.

    ``ranked`` holds a proposition's live claim ids in the SPEC best-value order
    (best first); ``scores`` a policy's scores. Raises :class:`ValueError` when
    ``ranked`` is empty.
    """
    if not ranked:
        raise ValueError("no claim to choose from")
    best = ranked[0]
    top = scores.get(best, -math.inf)
    for claim in ranked[1:]:
        score = scores.get(claim, -math.inf)
        if score > top:
            best, top = claim, score
    return best
