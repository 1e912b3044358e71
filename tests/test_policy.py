"""The learned source-reliability policy and the majority baseline."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from discrepancy.codec import decode_event
from discrepancy.policy import (
    MAX_ITERATIONS,
    T_MAX,
    T_MIN,
    PolicyClaim,
    choose,
    learn,
    majority,
)
from discrepancy.reconcile import reconcile, source_groups
from discrepancy.state import replay
from discrepancy.tabular import Columns, Normalise, read_table, surnames, table_events
from discrepancy.values import Choice, Flag, Value, value_from_json
from tests.bench_loader import load_benchmark

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
needs_datasets = pytest.mark.skipif(
    not DATASETS.is_dir(), reason=f"the shared data sets are not at {DATASETS}"
)


def pc(claim: str, source: str, value: Any, prop: str = "p", *confirmers: str) -> PolicyClaim:
    return PolicyClaim(
        claim=claim,
        source=source,
        proposition=prop,
        value=value_from_json(value),
        confirmed_by=frozenset(confirmers),
    )


def best(claims: Sequence[PolicyClaim], scores: Any, prop: str = "p") -> Value:
    ranked = sorted(c.claim for c in claims if c.proposition == prop)
    pick = choose(ranked, scores)
    return next(c.value for c in claims if c.claim == pick)


def reliable_minority() -> list[PolicyClaim]:
    """``a`` and ``b`` agree on ten items; ``c``, ``d``, ``e`` each say something else.

    On item ``q`` the three outliers happen to agree against ``a``: majority
    vote follows them, a reliability-weighted vote follows ``a``.
    """
    claims = []
    for i in range(10):
        prop = f"p{i}"
        claims += [pc(f"a{i}", "a", f"x{i}", prop), pc(f"b{i}", "b", f"x{i}", prop)]
        claims += [pc(f"{s}{i}", s, f"{s}-{i}", prop) for s in "cde"]
    claims += [pc("qa", "a", "right", "q")]
    claims += [pc(f"q{s}", s, "wrong", "q") for s in "cde"]
    return claims


def test_reliable_sources_outweigh_an_unreliable_majority() -> None:
    claims = reliable_minority()
    learned = learn(claims)
    assert best(claims, majority(claims).scores, "q") == Choice(answer="wrong")
    assert best(claims, learned.scores, "q") == Choice(answer="right")
    assert learned.reliability["a"] > 0.8
    assert learned.reliability["c"] < 0.3
    assert learned.converged
    assert 1 <= learned.iterations < MAX_ITERATIONS


def test_reliability_stays_in_bounds() -> None:
    learned = learn(reliable_minority())
    assert all(T_MIN <= t <= T_MAX for t in learned.reliability.values())


def test_claims_with_the_same_value_score_the_same() -> None:
    claims = [pc("1", "a", 5), pc("2", "b", 5), pc("3", "c", 5.0), pc("4", "d", 6)]
    scores = learn(claims).scores
    assert scores["1"] == scores["2"] == scores["3"] > scores["4"]


def test_a_value_entailed_by_another_claim_is_supported_by_it() -> None:
    # "at least 23" is supported by whoever says 58; 58 is not supported by the floor.
    claims = [pc("floor", "x", {"min": 23}), pc("exact", "y", 58), pc("other", "z", 10)]
    # three claims are too few to estimate the prior's centre from: fix it
    scores = learn(claims, prior=0.8).scores
    assert scores["floor"] > scores["exact"] > 0
    assert scores["exact"] == scores["other"]


def test_confirmers_support_the_claim() -> None:
    claims = [pc("1", "a", "x", "p", "c", "d"), pc("2", "b", "y")]
    learned = learn(claims)
    assert learned.scores["1"] > learned.scores["2"]
    assert set(learned.reliability) == {"a", "b", "c", "d"}


def test_majority_counts_claimants_only() -> None:
    claims = [pc("1", "a", "x", "p", "c", "d"), pc("2", "b", "y"), pc("3", "e", "y")]
    scores = majority(claims).scores
    assert scores == {"1": 1.0, "2": 2.0, "3": 2.0}
    assert majority(claims).reliability == {}


def test_flags_and_kinds_do_not_mix() -> None:
    claims = [pc("1", "a", True), pc("2", "b", True), pc("3", "c", "true")]
    scores = learn(claims).scores
    assert scores["1"] == scores["2"] > scores["3"]
    assert best(claims, scores) == Flag(holds=True)


def test_tolerance_credits_near_amounts() -> None:
    # c is always a hair off the consensus: with a tolerance it counts as reliable.
    claims = []
    for i in range(20):
        prop = f"t{i}"
        claims += [pc(f"a{i}", "a", 30 + i, prop), pc(f"b{i}", "b", 30 + i, prop)]
        claims += [pc(f"c{i}", "c", 30.01 + i, prop)]
    strict = learn(claims).reliability["c"]
    lenient = learn(claims, tolerance=0.001).reliability["c"]
    assert strict < 0.3
    assert lenient > 0.8


def test_iteration_cap_is_honoured() -> None:
    learned = learn(reliable_minority(), max_iterations=1)
    assert learned.iterations == 1
    assert not learned.converged


def test_nothing_in_nothing_out() -> None:
    learned = learn([])
    assert learned.scores == {}
    assert learned.reliability == {}


@pytest.mark.parametrize("kwargs", [{"prior": 1.0}, {"prior": 0.0}, {"tolerance": -0.1}])
def test_bad_parameters_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must"):
        learn([pc("1", "a", 1)], **kwargs)


def test_choose_breaks_ties_by_the_given_order() -> None:
    assert choose(["c2", "c1", "c3"], {"c1": 1.0, "c2": 1.0, "c3": 0.5}) == "c2"
    assert choose(["c2", "c1", "c3"], {"c1": 2.0, "c2": 1.0, "c3": 0.5}) == "c1"
    assert choose(["c9"], {}) == "c9"
    with pytest.raises(ValueError, match="no claim"):
        choose([], {})


# --- properties -------------------------------------------------------------------------------

_values = st.one_of(
    st.sampled_from(["x", "y", "z"]),
    st.integers(min_value=0, max_value=3),
    st.builds(lambda lo, w: {"min": lo, "max": lo + w}, st.integers(0, 3), st.integers(0, 2)),
)


@st.composite
def claim_sets(draw: st.DrawFn) -> list[PolicyClaim]:
    n = draw(st.integers(min_value=0, max_value=25))
    claims = []
    for i in range(n):
        prop = draw(st.sampled_from(["p", "q", "r", "s"]))
        value = draw(_values)
        # one kind per proposition, as reconciliation hands them over
        if prop in {"p", "q"}:
            value = value if isinstance(value, str) else "x"
        elif isinstance(value, str):
            value = 1
        confirmers = draw(st.lists(st.sampled_from("abcdef"), max_size=2))
        claims.append(pc(f"c{i}", draw(st.sampled_from("abcdef")), value, prop, *confirmers))
    return claims


@given(claim_sets(), st.randoms(use_true_random=False))
def test_learned_scores_do_not_depend_on_claim_order(claims: list[PolicyClaim], rnd: Any) -> None:
    shuffled = list(claims)
    rnd.shuffle(shuffled)
    assert learn(shuffled) == learn(claims)
    assert majority(shuffled) == majority(claims)


@given(claim_sets())
def test_learning_is_deterministic_and_total(claims: list[PolicyClaim]) -> None:
    first = learn(claims)
    assert first == learn(claims)
    assert set(first.scores) == {c.claim for c in claims}
    assert all(math.isfinite(s) and s >= 0 for s in first.scores.values())
    assert all(T_MIN <= t <= T_MAX for t in first.reliability.values())


@given(claim_sets())
def test_renaming_claims_does_not_change_what_wins(claims: list[PolicyClaim]) -> None:
    renamed = [c._replace(claim=f"z{c.claim}") for c in claims]
    a, b = learn(claims), learn(renamed)
    assert [a.scores[c.claim] for c in claims] == [b.scores[f"z{c.claim}"] for c in claims]
    assert a.reliability == b.reliability


# --- slices of the real data sets -------------------------------------------------------------


def _claims(events: Sequence[dict[str, Any]]) -> list[PolicyClaim]:
    return [
        pc(str(e["claim"]), str(e["source"]), e["value"], str(e["proposition"]))
        for e in events
        if e["type"] == "claim"
    ]


def _accuracy(claims: list[PolicyClaim], scores: Any, gold: dict[str, str]) -> float:
    props = {c.proposition for c in claims}
    hits = sum(
        1 for key, answer in gold.items() if key in props and best(claims, scores, key) == answer
    )
    return hits / len(gold)


@needs_datasets
def test_learned_beats_majority_on_a_book_slice() -> None:
    folder = DATASETS / "book_yin2007"
    table = read_table(folder / "book.txt", header=False)
    found = table_events(
        table.rows,
        header=None,
        columns=Columns(source="1", items=("2",), values=("4",)),
        normalise=Normalise(names=True, missing=frozenset({"Not Available"})),
    )
    claims = _claims(found.events)
    gold = {}
    for row in read_table(folder / "book_silver.txt", header=False, delimiter="\t").rows[:300]:
        gold[row.cells[0]] = Choice(answer=surnames(row.cells[1]))
    learned = learn(claims)
    assert learned.converged
    assert _accuracy(claims, learned.scores, gold) > _accuracy(
        claims, majority(claims).scores, gold
    )  # type: ignore[arg-type]


# --- integrated into reconcile -----------------------------------------------------------


def _events() -> list[Any]:
    rows = [
        {
            "type": "source",
            "id": f"s-{s}",
            "recorded_at": "2025-01-01T00:00:00Z",
            "source": s,
            "name": s,
            "parties": [],
        }
        for s in "abcde"
    ]
    for n, claim in enumerate(reliable_minority(), start=1):
        rows.append(
            {
                "type": "claim",
                "id": f"e{n}",
                "recorded_at": f"2025-01-01T00:{n // 60:02d}:{n % 60:02d}Z",
                "claim": claim.claim,
                "source": claim.source,
                "proposition": claim.proposition,
                "value": claim.value.answer,
            }
        )  # type: ignore[union-attr]
    return [decode_event(r) for r in rows]


def test_reconcile_learned_moves_only_best() -> None:
    state = replay(_events())
    spec = reconcile(state)
    learned = reconcile(state, policy="learned")
    assert spec.propositions["q"].best == Choice(answer="wrong")
    assert learned.propositions["q"].best == Choice(answer="right")
    assert spec.contradictions == learned.contradictions
    assert spec.anomalies == learned.anomalies
    for key, finding in spec.propositions.items():
        other = learned.propositions[key]
        assert other.status == finding.status
        assert other.claims == finding.claims


def test_report_shows_reliability_only_under_learned() -> None:
    from discrepancy.report import report

    state = replay(_events())
    assert "reliability" not in report(reconcile(state))
    shown = report(reconcile(state, policy="learned"))
    assert shown["policy"] == "learned"
    assert set(shown["reliability"]) == set("abcde")
    assert "reliability" not in report(reconcile(state, policy="majority"))


@needs_datasets
def test_the_benchmark_runs_on_small_slices() -> None:
    module = load_benchmark("evaluate")
    for name in ("book", "flights", "weather"):
        result = module.evaluate(module.PREPARE[name](DATASETS, 3000))
        assert result["gold_items"] > 0
        assert 0.0 <= result["accuracy"]["spec"] <= 1.0


def _groups(**parties: set[str]) -> dict[str, int]:
    return source_groups({s: frozenset(p) for s, p in parties.items()})


def test_sources_sharing_a_party_count_once() -> None:
    # Everyone is equally reliable elsewhere; on "p" two allies say x, two
    # independent sources say y. Counted by source it is a tie; by bloc, y wins.
    claims = [pc(f"{s}{i}", s, f"v{i}", f"base{i}") for s in "abcd" for i in range(5)]
    claims += [pc("pa", "a", "x"), pc("pb", "b", "x"), pc("pc", "c", "y"), pc("pd", "d", "y")]
    alone = learn(claims)
    allied = learn(claims, groups=_groups(a={"army"}, b={"army", "govt"}, c=set(), d={"press"}))
    assert alone.scores["pa"] == alone.scores["pc"]
    assert allied.scores["pa"] < allied.scores["pc"]
    assert allied.scores["pa"] == allied.scores["pb"]


def test_blocs_are_transitive() -> None:
    claims = [pc(f"{s}{i}", s, f"v{i}", f"base{i}") for s in "abcde" for i in range(5)]
    claims += [pc(f"p{s}", s, "x") for s in "abc"] + [pc(f"p{s}", s, "y") for s in "de"]
    # a-b share "k", b-c share "m": one bloc of three against two independents.
    allied = learn(claims, groups=_groups(a={"k"}, b={"k", "m"}, c={"m"}))
    assert allied.scores["pa"] < allied.scores["pd"]
    assert learn(claims).scores["pa"] > learn(claims).scores["pd"]


@given(claim_sets())
def test_parties_of_their_own_change_nothing(claims: list[PolicyClaim]) -> None:
    # The bloc path must agree with the fast path when no two sources share a party.
    own = _groups(**{s: {f"party-of-{s}"} for s in "abcdef"})
    assert learn(claims, groups=own) == learn(claims)
    assert learn(claims, groups=_groups(**{s: set() for s in "abc"})) == learn(claims)
