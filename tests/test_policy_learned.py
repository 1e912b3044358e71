"""The learned policy of issue 16: shrinkage, voices, rulings, the fast path, reasons."""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from discrepancy.policy import (
    _GENERAL,
    PolicyClaim,
    _intern,
    choose,
    learn,
    reasons,
)
from discrepancy.reconcile import source_groups
from discrepancy.values import Choice, value_from_json
from tests.bench_loader import load_benchmark


def pc(claim: str, source: str, value: Any, prop: str = "p", *confirmers: str) -> PolicyClaim:
    return PolicyClaim(
        claim=claim,
        source=source,
        proposition=prop,
        value=value_from_json(value),
        confirmed_by=frozenset(confirmers),
    )


def winner(claims: list[PolicyClaim], scores: Any, prop: str) -> Any:
    pick = choose(sorted(c.claim for c in claims if c.proposition == prop), scores)
    return next(c.value for c in claims if c.claim == pick)


def _evaluate() -> ModuleType:
    return load_benchmark("evaluate")


# --- shrinkage and evidence -------------------------------------------------------------------


def test_a_claim_no_other_voice_speaks_to_is_no_evidence() -> None:
    # "bot" makes 50 claims nobody else makes, and loses the one contest it is in.
    claims = [pc(f"b{i}", "bot", f"v{i}", f"alone{i}") for i in range(50)]
    claims += [pc("q-bot", "bot", "x", "q"), pc("q-a", "a", "y", "q"), pc("q-b", "b", "y", "q")]
    learned = learn(claims, prior=0.8)
    assert learned.evidence == {"bot": 1, "a": 1, "b": 1}
    # one claim: the posterior stays between the prior and what that claim says
    assert learned.reliability["bot"] < 0.8 < learned.reliability["a"] < 0.9 + 1e-9
    assert winner(claims, learned.scores, "q") == Choice(answer="y")


def test_one_agreement_does_not_make_a_source_reliable() -> None:
    # With one pseudo-claim at the prior, a single right claim moves a source at most
    # half-way to 1; the old point estimate put such sources anywhere up to the cap.
    claims = [pc("1", "a", "x"), pc("2", "b", "x"), pc("3", "c", "y")]
    learned = learn(claims, prior=0.5)
    assert all(t <= 0.75 + 1e-9 for t in learned.reliability.values())
    assert learned.evidence == {"a": 1, "b": 1, "c": 1}


def test_the_centre_is_the_typical_source() -> None:
    learned = learn(_sparse_claims())
    rates = learned.centre
    assert 0.0 < rates < 0.8  # most sources are poor, so the prior is not the default 0.8


def _sparse_claims() -> list[PolicyClaim]:
    claims = []
    for i in range(30):  # one good prolific source, many one-claim sources mostly wrong
        claims.append(pc(f"g{i}", "good", "t", f"p{i}"))
        claims.append(pc(f"s{i}", f"single{i}", "t" if i % 3 == 0 else f"f{i}", f"p{i}"))
    return claims


# --- rulings -------------------------------------------------------------------------------


def _army_case() -> list[PolicyClaim]:
    """The army agrees with the others on the base items (and against two independent
    observers on the mixed ones); the observers' two "no"s stand against its lone
    "yes" on three sibling questions and on the question ``q``."""
    claims = []
    for i in range(3):
        claims += [pc(f"b{i}-{s}", s, f"v{i}", f"base{i}") for s in ("army", "x1", "x2")]
    for i in range(3):
        claims += [pc(f"m{i}-{s}", s, "a", f"mixed{i}") for s in ("army", "x1", "x2")]
        claims += [pc(f"m{i}-n1", "n1", "b", f"mixed{i}"), pc(f"m{i}-n2", "n2", "c", f"mixed{i}")]
    for i in range(3):
        claims += [pc(f"r{i}-army", "army", "yes", f"sibling{i}")]
        claims += [pc(f"r{i}-{s}", s, "no", f"sibling{i}") for s in ("n1", "n2")]
    claims += [pc("q-army", "army", "yes", "q")]
    claims += [pc(f"q-{s}", s, "no", "q") for s in ("n1", "n2")]
    return claims


def test_rulings_are_labelled_answers() -> None:
    claims = _army_case()
    rulings = {f"sibling{i}": value_from_json("no") for i in range(3)}
    before = learn(claims)
    after = learn(claims, rulings=rulings)
    assert winner(claims, before.scores, "q") == Choice(answer="yes")
    assert winner(claims, after.scores, "q") == Choice(answer="no")
    assert after.reliability["army"] < before.reliability["army"]
    assert after.reliability["n1"] > before.reliability["n1"]
    # each ruled claim is counted once, as a label
    assert after.evidence["n2"] == before.evidence["n2"]


def test_a_ruling_of_another_kind_counts_as_wrong() -> None:
    claims = [pc("1", "a", "x", "p"), pc("2", "b", "x", "p")]
    learned = learn(claims, rulings={"p": value_from_json(3)}, prior=0.5)
    assert learned.reliability["a"] < 0.5


# --- voices --------------------------------------------------------------------------------


def test_allies_are_one_voice_and_get_the_same_evidence_count() -> None:
    claims = [pc(f"{s}{i}", s, f"v{i}", f"base{i}") for s in "abcd" for i in range(5)]
    claims += [pc("pa", "a", "x"), pc("pb", "b", "x"), pc("pc", "c", "y"), pc("pd", "d", "y")]
    groups = source_groups({"a": frozenset({"army"}), "b": frozenset({"army"})})
    learned = learn(claims, groups=groups)
    assert learned.scores["pa"] < learned.scores["pc"]
    assert winner(claims, learned.scores, "p") == Choice(answer="y")


# --- the fast path -------------------------------------------------------------------------


@st.composite
def exact_claim_sets(draw: st.DrawFn) -> list[PolicyClaim]:
    """Exact answers, no parties: the problems the numpy rounds take."""
    n = draw(st.integers(min_value=0, max_value=40))
    claims = []
    for i in range(n):
        prop = draw(st.sampled_from(["p", "q", "r", "s", "t"]))
        value = draw(st.sampled_from(["x", "y", "z"]) if prop < "r" else st.integers(0, 3))
        confirmers = draw(st.lists(st.sampled_from("abcdef"), max_size=1))
        claims.append(pc(f"c{i}", draw(st.sampled_from("abcdef")), value, prop, *confirmers))
    return claims


@given(exact_claim_sets(), st.none() | st.floats(min_value=0.3, max_value=0.9))
def test_the_numpy_rounds_equal_the_plain_ones(claims: list[PolicyClaim], prior: Any) -> None:
    pytest.importorskip("numpy")
    fast_path = _GENERAL not in _intern(claims, 0.0, {}, {}).modes
    event("numpy rounds" if fast_path else "plain rounds (a source repeats itself)")
    fast = learn(claims, prior=prior)
    plain = learn(claims, prior=prior, fast=False)
    assert fast.iterations == plain.iterations
    assert fast.converged == plain.converged
    assert fast.evidence == plain.evidence
    assert set(fast.reliability) == set(plain.reliability)
    for source, t in plain.reliability.items():
        assert math.isclose(fast.reliability[source], t, rel_tol=1e-9, abs_tol=1e-12)
    for claim, score in plain.scores.items():
        assert math.isclose(fast.scores[claim], score, rel_tol=1e-9, abs_tol=1e-12)


def test_the_fast_path_is_reached() -> None:
    # the strategy above must reach the numpy rounds (the event tally shows how often)
    claims = [pc("1", "a", "x"), pc("2", "b", "y"), pc("3", "c", "x")]
    assert _GENERAL not in _intern(claims, 0.0, {}, {}).modes


# --- the sparse-source regime --------------------------------------------------------------


def test_learned_does_not_lose_to_spec_when_most_sources_make_one_claim() -> None:
    evaluate = _evaluate()
    runs = [evaluate.simulate(evaluate.SPARSE, seed) for seed in range(4)]
    for run in runs:
        assert run["learned"] >= run["spec"], run
    assert sum(r["learned"] for r in runs) > sum(r["spec"] for r in runs)


# --- reasons -------------------------------------------------------------------------------


def test_reasons_name_the_deciding_voices_with_their_claim_counts() -> None:
    claims = _army_case()
    learned = learn(claims)
    why = reasons(claims, learned, "q")
    assert why.values[0].value == Choice(answer="yes")
    assert [v.source for v in why.values[0].voices] == ["army"]
    assert why.decisive[0].source == "army"
    assert why.decisive[0].claims == learned.evidence["army"]
    assert why.margin > 0
    assert why.values[1].voices[0].reliability == learned.reliability["n1"]
    with pytest.raises(ValueError, match="no claim"):
        reasons(claims, learned, "nowhere")


def test_reasons_show_a_tie_left_to_the_spec_order() -> None:
    claims = [pc("1", "a", "x"), pc("2", "b", "y")]
    learned = learn(claims, prior=0.8)
    why = reasons(claims, learned, "p", ranked=["2", "1"])
    assert why.values[0].value == Choice(answer="y")
    assert why.decisive == ()
    assert why.margin == 0


@given(exact_claim_sets())
def test_reasons_score_values_exactly_as_learn_does(claims: list[PolicyClaim]) -> None:
    learned = learn(claims)
    for prop in sorted({c.proposition for c in claims}):
        why = reasons(claims, learned, prop)
        for backing in why.values:
            assert all(learned.scores[c] == backing.score for c in backing.claims)
        pick = choose(sorted(c.claim for c in claims if c.proposition == prop), learned.scores)
        assert pick in why.values[0].claims


# --- the report, the summary and explain ---------------------------------------------------


def test_the_report_and_summary_show_reliability_with_its_claim_count() -> None:
    from discrepancy.reconcile import reconcile
    from discrepancy.report import report
    from discrepancy.state import replay
    from discrepancy.summary import summarize
    from tests.test_policy import _events

    found = reconcile(replay(_events()), policy="learned")
    shown = report(found)
    assert found.evidence is not None
    assert shown["reliability_claims"] == dict(sorted(found.evidence.items()))
    assert shown["reliability_claims"]["a"] == 11
    assert "reliability_claims" not in report(reconcile(replay(_events())))
    text = summarize(found)
    assert f"  a: {found.reliability['a']:.3f} on 11 claims" in text  # type: ignore[index]


def test_explain_under_learned_names_the_deciding_sources(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from discrepancy.cli import main

    key = "who-fired-first/2025-10-12-border"
    assert main(["explain", "--example", "--policy", "learned", key]) == 0
    out = capsys.readouterr().out
    assert "Under the learned policy, best" in out
    assert "taliban-defence (" in out
    assert " claims, weight " in out
    assert main(["explain", "--example", key]) == 0
    assert "learned" not in capsys.readouterr().out
