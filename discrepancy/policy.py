"""Best-value policies: learned source reliability, and majority vote as a baseline.

SPEC section 4 picks a proposition's ``best`` value by a fixed order
(independent support, number of independent voices, the source's Admiralty
grade, ...). With many sources and no grades, that order is close to a
majority vote. The ``learned`` policy here estimates, from agreement across
*all* propositions, how often each source is right, and lets reliable sources
outweigh many unreliable ones, as truth-discovery methods do (Accu, Dong et
al. 2009; TruthFinder, Yin et al. 2007), without fooling itself on sparse
sources (issue 16).

Everything here is pure: plain data in, plain data out, no I/O, no logging.
It knows nothing of events or of reconciliation; :func:`learn` takes the
live claims (``PolicyClaim``) that reconciliation found, and the caller breaks
ties by the SPEC order (:func:`choose`).

The model (the default parameters are the module constants; the reasons and
the measurements behind them are in ``docs/accuracy.md``):

* A source *asserts* a value when it has a live claim with that value or
  confirms such a claim. A value ``v`` is *supported* by every source that
  asserts a value entailing ``v`` (SPEC section 3: ``58`` entails
  ``{"min": 23}``; flags and choices entail only themselves).
* Sources of one rules 1.1 group (sharing a party, directly or through a
  chain) are one *voice*: on a value, only the heaviest of them counts.
* For a proposition with ``k`` distinct claimed values, let ``n = max(1, k-1)``
  be the number of false answers in play. A source's vote there weighs
  ``w(s) = max(0, ln(n * t(s) / (1 - t(s))))``: the Accu log-odds that its
  answer is right rather than one of the ``n`` wrong ones, floored at 0 so that
  a bad source never counts *against* what it says.
* The score of a value is the sum of its voices' weights; its probability
  is ``exp(score)`` normalised over the proposition's values plus
  ``n + 1 - k`` unseen wrong answers of score 0.
* A source's reliability ``t(s)`` is the **posterior mean** of its accuracy
  under a Beta prior of centre ``c`` and strength :data:`STRENGTH`
  pseudo-claims: ``(right + STRENGTH * c) / (claims + STRENGTH)``, kept in
  ``[T_MIN, T_MAX]``. A source with one claim stays near the prior. The centre
  is estimated from the data (empirical Bayes): each round, the mean over the
  sources with evidence of ``right / claims``, the typical source's accuracy
  (:data:`PRIOR` before any evidence; ``learn(prior=...)`` fixes it instead).
* Its evidence (``right`` out of ``claims``) comes from two places. A claim on
  a proposition with a ruling (a resolution in force, ``rulings``) is a
  labelled answer: right (1) when the ruling agrees with it, else wrong (0);
  these are counted first and give the starting reliabilities. A claim on
  any other proposition where at least one *other* voice speaks counts the
  probability that the truth agrees with it. A claim no other voice speaks
  to is no evidence at all. Agreement is entailment or, for amounts, lying
  within a relative ``tolerance`` (``|a - b| <= tolerance * max(|a|, |b|)``
  between the nearest ends of two intervals); the default tolerance is 0.
* Rounds run in two phases, each until no reliability moves by more than
  :data:`EPSILON` (at most :data:`MAX_ITERATIONS` rounds in all). First the
  probability counts every voice, the source's own included: the classic
  fixed point, which finds who agrees with whom. Then, from there, it counts
  the *other* voices only (the source's own left out), so that no source is
  credited for winning a contest by its own weight, and a prolific source
  cannot climb to the cap on contests it decides itself.

A claim's final score is the score of its value (summed with ``math.fsum`` in a
fixed order, so equal supports give equal scores); the best claim has the
highest score, ties broken by the SPEC order. Inputs are interned in sorted
order, so the result does not depend on the order of the claims given.
:func:`reasons` says which voices decided a proposition's best value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Final, Literal, NamedTuple, TypeAlias

import attrs

from discrepancy.values import Amount, Choice, Flag, Value

PolicyName: TypeAlias = Literal["spec", "learned", "majority"]
POLICIES: Final[tuple[PolicyName, ...]] = ("spec", "learned", "majority")
"""Every policy: ``spec`` (SPEC section 4), ``learned`` (:func:`learn`), ``majority``."""

PRIOR: Final = 0.8
"""The Beta prior's centre before any evidence (and when no source has any); by
default :func:`learn` re-estimates the centre from the evidence every round."""
STRENGTH: Final = 1.0
"""The Beta prior's strength, in pseudo-claims (chosen on the visible sets: docs/accuracy.md)."""
T_MIN: Final = 0.01
T_MAX: Final = 0.98
"""Reliabilities are kept in ``[T_MIN, T_MAX]`` so that log-odds stay finite."""
EPSILON: Final = 1e-6
"""Converged when no reliability moves by more than this in one round."""
MAX_ITERATIONS: Final = 100
"""Stop after this many rounds even if not converged (``Learned.converged`` says which)."""
TOLERANCE: Final = 0.0
"""Default relative tolerance within which two amounts agree (for reliability only)."""


class PolicyClaim(NamedTuple):
    """A live claim as a policy sees it.

    ``confirmed_by`` are the sources (other than the claimant) whose
    confirmations of this claim count. A named tuple rather than an attrs
    class: reconciliation makes one per live claim (362,201 on Weather), and a
    tuple is made several times faster.
    """

    claim: str
    source: str
    proposition: str
    value: Value
    confirmed_by: Collection[str] = ()


@attrs.frozen(kw_only=True)
class Learned:
    """What a policy concluded.

    * ``scores``: claim id -> score of its value (higher is better);
    * ``reliability``: source id -> learned reliability in ``[T_MIN, T_MAX]``
      (empty for :func:`majority`);
    * ``evidence``: source id -> the number of claims its reliability rests on
      (ruled ones, and ones another voice speaks to);
    * ``iterations`` run, and whether the fixed point ``converged`` before the cap.
    """

    scores: Mapping[str, float]
    reliability: Mapping[str, float]
    iterations: int
    converged: bool
    evidence: Mapping[str, int] = attrs.field(factory=lambda: MappingProxyType({}))
    centre: float = PRIOR
    """The Beta prior's centre used (estimated from the evidence unless fixed)."""


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
    voice: tuple[int, ...]  # per source: its voice (the rules 1.1 group it belongs to)
    # per proposition: (first value index, end value index, ln n, unseen wrong answers)
    spans: tuple[tuple[int, int, float, int], ...]
    modes: tuple[int, ...]  # per proposition: _SILENT, _SIMPLE or _GENERAL (how it is scored)
    supporters: tuple[tuple[int, ...], ...]  # per value: sources supporting it
    agreeing: tuple[tuple[int, ...], ...]  # per value: values whose truth makes it right
    asserted_by: tuple[tuple[int, ...], ...]  # per value: sources asserting it exactly
    value_of_claim: Mapping[str, int]
    # values whose supporters include several sources of one voice: supporters by voice
    blocs: Mapping[int, tuple[tuple[int, ...], ...]]
    labelled: tuple[float, ...]  # per source: the rulings it agrees with
    ruled: tuple[int, ...]  # per source: its claims on ruled propositions
    counts: tuple[int, ...]  # per source: the claims its reliability rests on (ruled included)


_SILENT: Final = 0
"""No evidence: the proposition is ruled (scored once, as labels) or has one voice."""
_SIMPLE: Final = 1
"""Exact answers, tolerance 0, one source per voice: a value is right only if true."""
_GENERAL: Final = 2
"""Anything else with two voices or more (intervals, tolerance, allies)."""


def _voices(names: Sequence[str], groups: Mapping[str, Hashable]) -> list[int]:
    """Per source (by index), its voice as a small int; a source not in ``groups`` is a
    voice of its own."""
    seen: dict[object, int] = {}
    return [
        seen.setdefault((0, groups[n]) if n in groups else (1, n), i) for i, n in enumerate(names)
    ]


def _gather(claims: Iterable[PolicyClaim]) -> dict[str, dict[_Key, tuple[set[str], list[str]]]]:
    """Per proposition and value key, the sources asserting it and its claim ids."""
    asserting: dict[str, dict[_Key, tuple[set[str], list[str]]]] = {}
    for claim, source, proposition, value, confirmed_by in claims:
        key = _key(value)
        group = asserting.get(proposition)
        if group is None:
            group = asserting[proposition] = {}
        entry = group.get(key)
        if entry is None:
            entry = group[key] = (set(), [])
        entry[0].add(source)
        entry[1].append(claim)
        if confirmed_by:
            entry[0].update(confirmed_by)
    return asserting


def _intern(
    claims: Iterable[PolicyClaim],
    tolerance: float,
    groups: Mapping[str, Hashable],
    rulings: Mapping[str, Value],
) -> _Problem:
    asserting = _gather(claims)
    names = sorted({s for group in asserting.values() for who, _ in group.values() for s in who})
    index = {s: i for i, s in enumerate(names)}
    voice = _voices(names, groups)
    labelled = [0.0] * len(names)
    ruled = [0] * len(names)
    counts = [0] * len(names)
    blocs: dict[int, tuple[tuple[int, ...], ...]] = {}
    spans: list[tuple[int, int, float, int]] = []
    modes: list[int] = []
    supporters: list[tuple[int, ...]] = []
    agreeing: list[tuple[int, ...]] = []
    asserted_by: list[tuple[int, ...]] = []
    value_index: dict[tuple[str, _Key], int] = {}
    value_of_claim: dict[str, int] = {}
    for proposition in sorted(asserting):
        group = asserting[proposition]
        keys = sorted(group)
        start = len(supporters)
        points = all(k[0] != 0 or k[1] == k[2] for k in keys)
        for key in keys:
            value_index[proposition, key] = len(supporters)
            who, ids = group[key]
            for claim in ids:
                value_of_claim[claim] = len(supporters)
            asserted_by.append(tuple(sorted(index[s] for s in who)))
            if points:  # exact answers entail only themselves: the common, fast case
                supporters.append(asserted_by[-1])
            else:
                backers = {index[s] for k in keys if _entails(k, key) for s in group[k][0]}
                supporters.append(tuple(sorted(backers)))
            if points and tolerance <= 0:
                agreeing.append((len(supporters) - 1,))
            else:
                agreeing.append(
                    tuple(start + j for j, k in enumerate(keys) if _agrees(k, key, tolerance))
                )
        for v in range(start, len(supporters)):
            if len({voice[s] for s in supporters[v]}) < len(supporters[v]):
                grouped: dict[int, list[int]] = {}
                for s in supporters[v]:
                    grouped.setdefault(voice[s], []).append(s)
                blocs[v] = tuple(tuple(g) for _, g in sorted(grouped.items()))
        wrong = max(1, len(keys) - 1)
        spans.append((start, len(supporters), math.log(wrong), wrong + 1 - len(keys)))
        said = [s for v in range(start, len(supporters)) for s in asserted_by[v]]
        ruling = rulings.get(proposition)
        if ruling is not None:
            truth = _key(ruling)
            for key in keys:
                right = 1.0 if _agrees(truth, key, tolerance) else 0.0
                for s in asserted_by[value_index[proposition, key]]:
                    labelled[s] += right
                    ruled[s] += 1
                    counts[s] += 1
            modes.append(_SILENT)
            continue
        voices = {voice[s] for s in said}
        if len(voices) < 2:
            modes.append(_SILENT)
            continue
        for s in said:
            counts[s] += 1
        alone = len(voices) == len(set(said))  # no two sources of one voice speak here
        modes.append(_SIMPLE if points and tolerance <= 0 and alone else _GENERAL)
    return _Problem(
        sources=tuple(names),
        voice=tuple(voice),
        spans=tuple(spans),
        modes=tuple(modes),
        supporters=tuple(supporters),
        agreeing=tuple(agreeing),
        asserted_by=tuple(asserted_by),
        value_of_claim=value_of_claim,
        blocs=blocs,
        labelled=tuple(labelled),
        ruled=tuple(ruled),
        counts=tuple(counts),
    )


def _score(
    v: int,
    weights: Sequence[float],
    supporters: Sequence[tuple[int, ...]],
    blocs: Mapping[int, tuple[tuple[int, ...], ...]],
) -> float:
    """A value's score: its supporters' weights, the heaviest one per voice (exactly summed)."""
    groups = blocs.get(v)
    if groups is None:
        return math.fsum(weights[s] for s in supporters[v])
    return math.fsum(max(weights[s] for s in group) for group in groups)


def _weights(reliability: Sequence[float], ln_n: float) -> list[float]:
    return [max(0.0, ln_n + math.log(t / (1.0 - t))) for t in reliability]


def _posterior(
    earned: Sequence[float], counts: Sequence[int], prior: float, strength: float
) -> list[float]:
    """Posterior mean accuracy under a Beta prior of mean ``prior`` and weight ``strength``."""
    return [
        min(T_MAX, max(T_MIN, (e + strength * prior) / (n + strength)))
        for e, n in zip(earned, counts, strict=True)
    ]


def _round_plain(problem: _Problem, reliability: Sequence[float]) -> list[float]:
    """One round: per source, the evidence it earns (its rulings, plus on every other
    proposition where another voice speaks the probability that it is right)."""
    earned = list(problem.labelled)
    supporters, asserted_by, agreeing = problem.supporters, problem.asserted_by, problem.agreeing
    exp = math.exp
    tables: dict[float, list[float]] = {}
    for (start, end, ln_n, unseen), mode in zip(problem.spans, problem.modes, strict=True):
        if mode == _SILENT:
            continue
        weights = tables.get(ln_n)
        if weights is None:
            weights = tables[ln_n] = _weights(reliability, ln_n)
        if mode == _SIMPLE:  # the fast path: one source per voice, exact answers
            scores = [sum([weights[s] for s in supporters[v]]) for v in range(start, end)]
        else:
            scores = [_score(v, weights, supporters, problem.blocs) for v in range(start, end)]
        top = max(0.0, *scores)
        exps = [exp(x - top) for x in scores]
        total = sum(exps) + unseen * exp(-top)
        for v in range(start, end):
            agree = agreeing[v]
            right = (
                exps[agree[0] - start] if len(agree) == 1 else sum(exps[u - start] for u in agree)
            ) / total
            for s in asserted_by[v]:
                earned[s] += right
    return earned


def _centre(earned: Sequence[float], counts: Sequence[int], prior: float) -> float:
    """The prior's centre estimated from the evidence: the mean over the sources with
    evidence of their accuracy (the typical source, not the typical claim); ``prior``
    when no source has any."""
    rates = [e / n for e, n in zip(earned, counts, strict=True) if n]
    return min(T_MAX, max(T_MIN, math.fsum(rates) / len(rates))) if rates else prior


_Round: TypeAlias = Callable[[_Problem, Sequence[float]], Sequence[float]]
"""One round: (problem, reliabilities) -> the evidence each source earns."""


def _fixed_point(
    problem: _Problem,
    run_round: _Round,
    *,
    prior: float | None,
    strength: float,
    max_iterations: int,
    epsilon: float,
) -> tuple[list[float], float, int, bool]:
    """Reliabilities from the rulings alone, then rounds until they stop moving. With
    ``prior`` None, the prior's centre is re-estimated from the evidence every round."""
    centre = prior if prior is not None else _centre(problem.labelled, problem.ruled, PRIOR)
    reliability = _posterior(problem.labelled, problem.ruled, centre, strength)
    iterations = 0
    while iterations < max_iterations:
        iterations += 1
        earned = run_round(problem, reliability)
        if prior is None:
            centre = _centre(earned, problem.counts, PRIOR)
        new = _posterior(earned, problem.counts, centre, strength)
        moved = max((abs(a - b) for a, b in zip(new, reliability, strict=True)), default=0.0)
        reliability = new
        if moved <= epsilon:
            return reliability, centre, iterations, True
    return reliability, centre, iterations, False


def _numpy_round(problem: _Problem) -> _Round | None:
    """:func:`_round_plain` on numpy arrays, for problems with no ``_GENERAL`` proposition
    (``None`` when numpy is not installed). Equal to the plain round up to rounding."""
    try:
        import numpy as np  # noqa: PLC0415 - an optional extra, imported only when used
    except ImportError:  # the optional extra is not installed: the plain path serves
        return None
    sources: list[int] = []  # per (value, supporter) pair
    values: list[int] = []
    ln_ns: list[float] = []
    starts: list[int] = []  # per proposition with evidence
    unseen: list[int] = []
    value_prop: list[int] = []  # per value
    for (start, end, ln_n, wrong), mode in zip(problem.spans, problem.modes, strict=True):
        if mode != _SIMPLE:
            continue
        starts.append(len(value_prop))
        unseen.append(wrong)
        for v in range(start, end):
            for s in problem.asserted_by[v]:
                sources.append(s)
                values.append(len(value_prop))
                ln_ns.append(ln_n)
            value_prop.append(len(starts) - 1)
    labelled = np.array(problem.labelled, dtype=np.float64)
    if not starts:
        return lambda _problem, _reliability: labelled.tolist()
    n_sources = len(problem.sources)
    src = np.array(sources, dtype=np.intp)
    val = np.array(values, dtype=np.intp)
    lnn = np.array(ln_ns, dtype=np.float64)
    first = np.array(starts, dtype=np.intp)
    hidden = np.array(unseen, dtype=np.float64)
    prop = np.array(value_prop, dtype=np.intp)

    def run(_problem: _Problem, reliability: Sequence[float]) -> list[float]:
        t = np.array(reliability, dtype=np.float64)
        weight = np.maximum(0.0, lnn + np.log(t / (1.0 - t))[src])
        scores = np.bincount(val, weights=weight, minlength=len(value_prop))
        top = np.maximum(np.maximum.reduceat(scores, first), 0.0)
        e = np.exp(scores - top[prop])
        total = np.add.reduceat(e, first) + hidden * np.exp(-top)
        right = (e / total[prop])[val]
        earned: list[float] = (
            labelled + np.bincount(src, weights=right, minlength=n_sources)
        ).tolist()
        return earned

    return run


def learn(
    claims: Iterable[PolicyClaim],
    *,
    tolerance: float = TOLERANCE,
    max_iterations: int = MAX_ITERATIONS,
    epsilon: float = EPSILON,
    prior: float | None = None,
    strength: float = STRENGTH,
    groups: Mapping[str, Hashable] | None = None,
    rulings: Mapping[str, Value] | None = None,
    fast: bool = True,
) -> Learned:
    """Learn each source's reliability and score every claim (see the module docstring).

    ``claims`` should be the live claims of one kind per proposition (claims of
    another kind simply never agree). Deterministic and independent of the
    order of ``claims``.

    ``groups`` maps source ids to their rules 1.1 group (SPEC section 4: sources
    linked by shared parties, directly or through others;
    ``discrepancy.reconcile.source_groups`` works them out once over the
    registry). Sources of one group are one voice: a value's score takes only the heaviest
    weight of each voice among its supporters. Sources in neither stand alone.

    ``rulings`` maps propositions to the value of a resolution in force: their
    claims are scored against it (right or wrong, once) before the fixed point
    runs on the other propositions.

    With ``fast`` (the default) and numpy installed, the rounds run on arrays
    when every proposition is of the simple kind; the result equals the plain
    path's up to rounding (a property test checks it).
    """
    if prior is not None and not T_MIN <= prior <= T_MAX:
        raise ValueError(f"prior must lie in [{T_MIN}, {T_MAX}], got {prior}")
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")
    if strength <= 0:
        raise ValueError(f"strength must be > 0, got {strength}")
    problem = _intern(claims, tolerance, groups or {}, rulings or {})
    run_round: _Round = _round_plain
    if fast and _GENERAL not in problem.modes:
        run_round = _numpy_round(problem) or _round_plain
    reliability, centre, iterations, converged = _fixed_point(
        problem,
        run_round,
        prior=prior,
        strength=strength,
        max_iterations=max_iterations,
        epsilon=epsilon,
    )
    tables: dict[float, list[float]] = {}
    value_score: list[float] = [0.0] * len(problem.supporters)
    for start, end, ln_n, _ in problem.spans:
        weights = tables.get(ln_n)
        if weights is None:
            weights = tables[ln_n] = _weights(reliability, ln_n)
        for v in range(start, end):
            value_score[v] = _score(v, weights, problem.supporters, problem.blocs)
    return Learned(
        scores=MappingProxyType({c: value_score[v] for c, v in problem.value_of_claim.items()}),
        reliability=MappingProxyType(dict(zip(problem.sources, reliability, strict=True))),
        evidence=MappingProxyType(dict(zip(problem.sources, problem.counts, strict=True))),
        iterations=iterations,
        converged=converged,
        centre=centre,
    )


@attrs.frozen(kw_only=True)
class Voice:
    """One independent voice behind a value: the source whose weight counts for it."""

    source: str
    reliability: float
    claims: int
    """The number of claims its reliability rests on (``Learned.evidence``)."""
    weight: float
    allies: tuple[str, ...] = ()
    """Other sources of the same group behind the value (not counted again)."""


@attrs.frozen(kw_only=True)
class Backing:
    """A value claimed on the proposition, its score and the voices behind it."""

    value: Value
    score: float
    claims: tuple[str, ...]
    voices: tuple[Voice, ...]
    """Heaviest first."""


@attrs.frozen(kw_only=True)
class Reasons:
    """Why the learned policy chose what it chose on one proposition.

    ``values`` starts with the chosen value, then the others by score.
    ``decisive`` are the fewest of the chosen value's heaviest voices whose
    weights alone beat the runner-up's score (empty when the chosen value only
    wins the tie-break by the SPEC order, or stands alone).
    """

    proposition: str
    values: tuple[Backing, ...]
    decisive: tuple[Voice, ...]
    margin: float
    """The chosen value's score minus the runner-up's (``inf`` with no rival)."""


def reasons(
    claims: Iterable[PolicyClaim],
    learned: Learned,
    proposition: str,
    *,
    ranked: Sequence[str] = (),
    groups: Mapping[str, Hashable] | None = None,
) -> Reasons:
    """Which voices, of what reliability and resting on how many claims, decided the best
    value of ``proposition`` under ``learned`` (:func:`learn` run on ``claims``).

    ``ranked`` is the SPEC order of the proposition's live claim ids (ties go to the
    earliest, as in :func:`choose`; by claim id when not given). ``groups`` as in
    :func:`learn`. Raises :class:`ValueError` when the proposition has no claim.
    """
    mine = sorted((c for c in claims if c.proposition == proposition), key=lambda c: c.claim)
    if not mine:
        raise ValueError(f"no claim on proposition {proposition!r}")
    groups = groups or {}
    by_key: dict[_Key, list[PolicyClaim]] = {}
    for c in mine:
        by_key.setdefault(_key(c.value), []).append(c)
    ln_n = math.log(max(1, len(by_key) - 1))
    backings = []
    for key, said in by_key.items():
        heaviest: dict[object, list[tuple[float, str]]] = {}
        for other, others in by_key.items():
            if not _entails(other, key):
                continue
            for s in sorted(
                {c.source for c in others} | {x for c in others for x in c.confirmed_by}
            ):
                t = learned.reliability.get(s, PRIOR)
                w = max(0.0, ln_n + math.log(t / (1.0 - t)))
                heaviest.setdefault(groups.get(s, ("alone", s)), []).append((w, s))
        voices = []
        for members in heaviest.values():
            members.sort(key=lambda m: (-m[0], m[1]))
            w, s = members[0]
            voices.append(
                Voice(
                    source=s,
                    reliability=learned.reliability.get(s, PRIOR),
                    claims=learned.evidence.get(s, 0),
                    weight=w,
                    allies=tuple(sorted({m[1] for m in members[1:]})),
                )
            )
        voices.sort(key=lambda v: (-v.weight, v.source))
        ids = tuple(c.claim for c in said)
        backings.append(
            Backing(
                value=said[0].value,
                score=learned.scores.get(ids[0], 0.0),
                claims=ids,
                voices=tuple(voices),
            )
        )
    pick = choose(list(ranked) or [c.claim for c in mine], learned.scores)
    chosen = next(b for b in backings if pick in b.claims)
    rivals = sorted((b for b in backings if b is not chosen), key=lambda b: -b.score)
    runner_up = rivals[0].score if rivals else -math.inf
    decisive: list[Voice] = []
    if rivals and chosen.score > runner_up:
        for voice in chosen.voices:
            decisive.append(voice)
            if math.fsum(v.weight for v in decisive) > runner_up:
                break
    return Reasons(
        proposition=proposition,
        values=(chosen, *rivals),
        decisive=tuple(decisive),
        margin=chosen.score - runner_up,
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
