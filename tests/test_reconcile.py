"""Example tests: one or more per rule of SPEC section 4 and per anomaly of section 5."""

from __future__ import annotations

from typing import Any

import pytest

from discrepancy import reconcile, replay
from discrepancy.events import Event
from discrepancy.reconcile import PropositionFinding, Reconciliation
from discrepancy.values import value_to_json
from tests.builders import at, claim, confirm, deny, reopen, resolve, retract, source

# Taliban's two voices share a party; Pakistan's two voices share another; the
# wire service has no party and so is independent of everyone registered.
SOURCES = (
    source("mujahid", "taliban", grade="C"),
    source("mod-af", "taliban", grade="D"),
    source("ispr", "pakistan", grade="B"),
    source("pm", "pakistan"),
    source("wire", grade="A"),
)


def run(*events: Event, sources: tuple[Event, ...] = SOURCES) -> Reconciliation:
    return reconcile(replay([*sources, *events]))


def prop(rec: Reconciliation, key: str = "p") -> PropositionFinding:
    return rec.propositions[key]


def grades(rec: Reconciliation, key: str = "p") -> dict[str, int | None]:
    return {c.claim: c.credibility for c in prop(rec, key).claims}


def kinds(rec: Reconciliation) -> list[tuple[str, str]]:
    return [(a.kind, a.event) for a in rec.anomalies]


def best(rec: Reconciliation, key: str = "p") -> Any:
    finding = prop(rec, key)
    return None if finding.best is None else value_to_json(finding.best)


class TestIndependence:
    def test_sources_of_disjoint_parties_support_each_other(self) -> None:
        rec = run(claim("c1", "ispr", 23), confirm("c1", "mujahid"))
        assert prop(rec).status == "corroborated"
        assert grades(rec) == {"c1": 1}

    def test_sources_sharing_a_party_do_not_support_each_other(self) -> None:
        rec = run(claim("c1", "ispr", 23), confirm("c1", "pm"))
        assert prop(rec).status == "unconfirmed"
        assert grades(rec) == {"c1": 2}  # confirmed within its own party

    def test_an_unregistered_source_is_independent_of_no_one(self) -> None:
        rec = run(claim("c1", "ispr", 23), confirm("c1", "stranger"))
        assert prop(rec).status == "unconfirmed"
        assert ("unknown-source", rec.anomalies[0].event) in kinds(rec)

    def test_a_source_without_parties_is_independent_of_every_registered_source(self) -> None:
        rec = run(claim("c1", "ispr", 23), confirm("c1", "wire"))
        assert prop(rec).status == "corroborated"

    def test_the_latest_source_event_decides_parties(self) -> None:
        # Re-registered later with the Pakistani party: no longer independent.
        late = source("wire", "pakistan", when=at(20))
        rec = run(claim("c1", "ispr", 23), confirm("c1", "wire"), late)
        assert prop(rec).status == "unconfirmed"


class TestLive:
    def test_retraction_by_the_claimant(self) -> None:
        rec = run(claim("c1", "mujahid", 58), retract("c1", "mujahid"))
        assert prop(rec).status == "withdrawn"
        (c1,) = prop(rec).claims
        assert not c1.live
        assert c1.credibility is None

    def test_retraction_by_another_source_is_an_anomaly_without_effect(self) -> None:
        rec = run(claim("c1", "mujahid", 58), retract("c1", "ispr", eid="r1"))
        assert prop(rec).claims[0].live
        assert kinds(rec) == [("not-claimant", "r1")]

    def test_supersedes_by_the_same_source(self) -> None:
        rec = run(
            claim("c1", "mujahid", 40, when=at(9)),
            claim("c2", "mujahid", 58, when=at(10), supersedes="c1"),
        )
        live = {c.claim: c.live for c in prop(rec).claims}
        assert live == {"c1": False, "c2": True}
        assert prop(rec).status == "unconfirmed"  # 40 vs 58 no longer conflict

    def test_supersedes_by_another_source_is_an_anomaly_without_effect(self) -> None:
        rec = run(claim("c1", "mujahid", 58), claim("c2", "ispr", 23, supersedes="c1", eid="x"))
        assert all(c.live for c in prop(rec).claims)
        assert kinds(rec) == [("not-claimant", "x")]

    def test_supersedes_naming_a_missing_claim_dangles(self) -> None:
        rec = run(claim("c2", "ispr", 23, supersedes="nope", eid="x"))
        assert kinds(rec) == [("dangling-reference", "x")]

    def test_supersedes_naming_a_claim_of_another_proposition_dangles(self) -> None:
        rec = run(claim("c1", "ispr", 23, "q"), claim("c2", "ispr", 24, supersedes="c1", eid="x"))
        assert kinds(rec) == [("dangling-reference", "x")]
        assert prop(rec, "q").claims[0].live


class TestSupport:
    def test_an_independent_claim_that_entails_supports(self) -> None:
        rec = run(claim("c1", "ispr", {"min": 20}), claim("c2", "mujahid", 58))
        assert grades(rec) == {"c1": 1, "c2": 3}
        assert prop(rec).status == "corroborated"

    def test_an_admitted_floor_supports_no_one(self) -> None:
        # "At least 23" from the adversary does not entail 58.
        rec = run(claim("c1", "mujahid", 58), claim("c2", "ispr", {"min": 23}))
        assert prop(rec).status == "corroborated"
        assert grades(rec) == {"c1": 3, "c2": 1}

    def test_an_allied_claim_that_entails_grades_two(self) -> None:
        rec = run(claim("c1", "mujahid", {"min": 50}), claim("c2", "mod-af", 58))
        assert grades(rec) == {"c1": 2, "c2": 3}
        assert prop(rec).status == "unconfirmed"


class TestContradiction:
    def test_incompatible_live_claims_contradict_each_other(self) -> None:
        rec = run(claim("c1", "mujahid", 58), claim("c2", "ispr", 23))
        assert prop(rec).status == "contested"
        assert grades(rec) == {"c1": 4, "c2": 4}
        (contra,) = rec.contradictions
        assert contra.claims == ("c1", "c2")
        assert contra.denials == ()

    def test_a_denial_by_another_source_contradicts(self) -> None:
        rec = run(
            claim("c1", "ispr", True, "harbours-ttp"),
            deny("c1", "mujahid", "harbours-ttp", eid="d1"),
        )
        assert prop(rec, "harbours-ttp").status == "contested"
        assert rec.contradictions[0].denials == ("d1",)
        assert prop(rec, "harbours-ttp").claims[0].denied_by == ("mujahid",)

    def test_the_claimants_own_denial_has_no_effect(self) -> None:
        rec = run(claim("c1", "ispr", True), deny("c1", "ispr"), confirm("c1", "ispr"))
        assert prop(rec).status == "unconfirmed"
        assert prop(rec).claims[0].denied_by == ()
        assert prop(rec).claims[0].confirmed_by == ()

    def test_same_source_inconsistent_claims_contradict(self) -> None:
        rec = run(claim("c1", "mujahid", 58), claim("c2", "mujahid", 60))
        assert prop(rec).status == "contested"

    def test_overlapping_intervals_are_compatible(self) -> None:
        rec = run(claim("c1", "mujahid", {"min": 20, "max": 60}), claim("c2", "ispr", 23))
        assert prop(rec).status != "contested"

    def test_a_withdrawn_claim_contradicts_nothing(self) -> None:
        rec = run(claim("c1", "mujahid", 58), claim("c2", "ispr", 23), retract("c1", "mujahid"))
        assert prop(rec).status == "unconfirmed"
        assert rec.contradictions == ()

    def test_denials_list_only_denials_of_live_claims(self) -> None:
        rec = run(
            claim("c1", "mujahid", 58),
            claim("c2", "ispr", 23),
            claim("c3", "mod-af", 50),
            deny("c3", "ispr", eid="d-dead"),
            deny("c2", "mujahid", eid="d-live"),
            retract("c3", "mod-af"),
        )
        assert rec.contradictions[0].denials == ("d-live",)


class TestResolution:
    def test_a_resolution_in_force_resolves_and_sets_best(self) -> None:
        rec = run(
            claim("c1", "mujahid", 58, when=at(9)),
            claim("c2", "ispr", 23, when=at(9)),
            resolve(23, when=at(10)),
        )
        assert prop(rec).status == "resolved"
        assert best(rec) == 23
        assert grades(rec) == {"c1": 5, "c2": 4}
        assert rec.contradictions == ()

    def test_a_later_reopen_takes_it_out_of_force(self) -> None:
        rec = run(
            claim("c1", "mujahid", 58, when=at(9)),
            claim("c2", "ispr", 23, when=at(9)),
            resolve(23, when=at(10)),
            reopen(when=at(11)),
        )
        assert prop(rec).status == "contested"
        assert prop(rec).resolution is None

    def test_a_resolution_after_the_reopen_is_in_force(self) -> None:
        rec = run(
            claim("c1", "ispr", 23, when=at(9)), reopen(when=at(10)), resolve(30, when=at(11))
        )
        assert prop(rec).status == "resolved"
        assert best(rec) == 30

    def test_the_latest_of_several_resolutions_counts(self) -> None:
        rec = run(
            claim("c1", "ispr", 23, when=at(9)), resolve(30, when=at(11)), resolve(25, when=at(10))
        )
        assert best(rec) == 30

    def test_ties_in_time_break_on_event_id(self) -> None:
        rec = run(
            claim("c1", "ispr", 23, when=at(9)),
            resolve(30, when=at(11), eid="r-b"),
            reopen(when=at(11), eid="r-a"),
        )
        assert prop(rec).status == "resolved"  # "r-b" is later than "r-a"
        rec = run(
            claim("c1", "ispr", 23, when=at(9)),
            resolve(30, when=at(11), eid="r-a"),
            reopen(when=at(11), eid="r-b"),
        )
        assert prop(rec).status == "unconfirmed"

    def test_offsets_compare_as_instants(self) -> None:
        # 16:00+05:00 is 11:00Z: the reopen at 10:30Z is earlier.
        rec = run(
            claim("c1", "ispr", 23, when=at(9)),
            resolve(30, when="2025-10-12T16:00:00+05:00"),
            reopen(when="2025-10-12T10:30:00Z"),
        )
        assert prop(rec).status == "resolved"

    def test_an_incompatible_claim_after_the_resolution_unsettles_it(self) -> None:
        rec = run(
            claim("c1", "ispr", 23, when=at(9)),
            resolve(23, when=at(10)),
            claim("c2", "mujahid", 58, when=at(11)),
        )
        assert prop(rec).status == "contested"
        assert best(rec) == 23  # the resolution in force still gives best
        assert grades(rec)["c2"] == 5

    def test_a_compatible_claim_after_the_resolution_keeps_it(self) -> None:
        rec = run(resolve({"min": 20}, when=at(10)), claim("c2", "mujahid", 58, when=at(11)))
        assert prop(rec).status == "resolved"

    def test_a_resolution_alone_makes_a_proposition(self) -> None:
        rec = run(resolve(12, "q"))
        finding = prop(rec, "q")
        assert (finding.kind, finding.status, best(rec, "q")) == ("amount", "resolved", 12)
        assert (finding.low, finding.high, finding.claims) == (None, None, ())


class TestCredibility:
    def test_unregistered_source_grades_six(self) -> None:
        rec = run(claim("c1", "ghost", 5), claim("c2", "ispr", 5))
        assert grades(rec)["c1"] == 6

    def test_contradicted_by_a_supported_claim_grades_five(self) -> None:
        rec = run(claim("c1", "mujahid", 58), claim("c2", "ispr", 23), confirm("c2", "wire"))
        assert grades(rec) == {"c1": 5, "c2": 2}

    def test_both_supported_and_contradicted_grade_two(self) -> None:
        rec = run(
            claim("c1", "mujahid", 58),
            claim("c2", "ispr", 23),
            confirm("c2", "wire"),
            confirm("c1", "wire"),
        )
        assert grades(rec) == {"c1": 2, "c2": 2}

    def test_unsupported_uncontradicted_grades_three(self) -> None:
        assert grades(run(claim("c1", "mujahid", 58))) == {"c1": 3}


class TestEstimate:
    def test_low_and_high_span_live_claims(self) -> None:
        rec = run(claim("c1", "mujahid", 58), claim("c2", "ispr", {"min": 20, "max": 30}))
        assert (prop(rec).low, prop(rec).high) == (20, 58)

    def test_an_open_end_makes_the_bound_null(self) -> None:
        rec = run(claim("c1", "mujahid", 58), claim("c2", "ispr", {"min": 23}))
        assert (prop(rec).low, prop(rec).high) == (23, None)
        rec = run(claim("c1", "mujahid", 58), claim("c2", "ispr", {"max": 23}))
        assert (prop(rec).low, prop(rec).high) == (None, 58)

    def test_independently_supported_first(self) -> None:
        rec = run(claim("c1", "mujahid", 58), claim("c2", "ispr", 23), confirm("c1", "wire"))
        assert best(rec) == 58

    def test_a_second_party_label_is_not_a_second_voice(self) -> None:
        # Rules 1.1: the Haqqani-aligned outlet shares the Taliban party, so it is in
        # the claimant's group and adds no voice behind 58 (rules 1.0 counted its
        # "haqqani" label as a second party). One voice each: ispr's B beats mod-af's D.
        outlet = source("haqqani-outlet", "taliban", "haqqani")
        rec = run(
            claim("c1", "mod-af", 58),
            claim("c2", "ispr", 23),
            confirm("c1", "haqqani-outlet"),
            sources=(*SOURCES, outlet),
        )
        assert prop(rec).status == "contested"
        assert best(rec) == 23

    def test_then_more_independent_voices_behind_it(self) -> None:
        # Both are independently supported; 58 has two groups behind it besides its
        # claimant's (wire, and an observer), 23 one (wire alone would tie).
        observer = source("observer", "un")
        rec = run(
            claim("c1", "mod-af", 58),
            claim("c2", "ispr", 23),
            confirm("c1", "wire"),
            confirm("c1", "observer"),
            confirm("c2", "wire"),
            sources=(*SOURCES, observer),
        )
        assert best(rec) == 58

    def test_voices_join_through_a_chain_of_shared_parties(self) -> None:
        # "bridge" shares a party with both sides, so taliban and pakistan sources
        # are one group: ispr's confirmation of 58 adds no voice, and 23 (ispr's own
        # B grade) beats 58 (mod-af's D) on reliability.
        bridge = source("bridge", "taliban", "pakistan")
        rec = run(
            claim("c1", "mod-af", 58),
            claim("c2", "ispr", 23),
            confirm("c1", "pm"),
            confirm("c2", "wire"),
            confirm("c1", "wire"),
            sources=(*SOURCES, bridge),
        )
        assert best(rec) == 23

    def test_parties_count_breaks_a_tie_between_unsupported_claims(self) -> None:
        rec = run(
            claim("c1", "ispr", 23),
            claim("c2", "mujahid", 58),
            claim("c3", "stranger", 58),  # unregistered: adds no party
            confirm("c1", "pm"),  # same party: adds none
        )
        assert best(rec) == 23  # one party each; ispr's B beats mujahid's C

    def test_then_reliability(self) -> None:
        rec = run(claim("c1", "mod-af", 58), claim("c2", "mujahid", 60))
        assert best(rec) == 60  # C beats D

    def test_ungraded_comes_after_graded(self) -> None:
        rec = run(claim("c1", "pm", 23), claim("c2", "mod-af", 24))
        assert best(rec) == 24

    def test_then_the_narrower_interval_then_the_smaller_upper_bound(self) -> None:
        both = (source("a", grade="B"), source("b", grade="B"), source("c", grade="B"))
        rec = run(
            claim("c1", "a", {"min": 0, "max": 100}),
            claim("c2", "b", {"min": 200, "max": 250}),
            sources=both,
        )
        assert best(rec) == {"min": 200, "max": 250}
        rec = run(
            claim("c1", "a", {"min": 50, "max": 60}),
            claim("c2", "b", {"min": 10, "max": 20}),
            sources=both,
        )
        assert best(rec) == {"min": 10, "max": 20}

    def test_widths_compare_exactly_as_the_log_writes_them(self) -> None:
        both = (source("a", grade="B"), source("b", grade="B"))
        # 2**60 + 1 against 2**60: a float would call them equal and let the
        # smaller upper bound pick the wider one.
        rec = run(
            claim("c1", "a", {"min": 2, "max": 2**60 + 2}),
            claim("c2", "b", {"min": 0, "max": 2**60 + 1}),
            sources=both,
        )
        assert best(rec) == {"min": 2, "max": 2**60 + 2}
        # 0.1 to 0.3 is as wide as 0 to 0.2 in the decimals written, although
        # 0.3 - 0.1 is 0.19999999999999998 in binary: the smaller upper bound decides.
        rec = run(
            claim("c1", "a", {"min": 0.1, "max": 0.3}),
            claim("c2", "b", {"min": 0, "max": 0.2}),
            sources=both,
        )
        assert best(rec) == {"min": 0, "max": 0.2}

    def test_equal_bounds_written_differently_print_the_same_whatever_the_order(self) -> None:
        # 4 and 4.0 are the same bound; the one of the smaller claim id is printed.
        one, other = claim("c1", "ispr", 4.0), claim("c2", "mujahid", {"min": 4, "max": 4})
        for events in ((one, other), (other, one)):
            found = prop(run(*events))
            assert (repr(found.low), repr(found.high)) == ("4.0", "4.0")

    def test_then_the_smaller_claim_id(self) -> None:
        same = (source("a", grade="B"), source("b", grade="B"))
        rec = run(claim("z", "a", "east"), claim("y", "b", "west"), sources=same)
        assert best(rec) == "west"

    def test_flags_have_no_low_or_high(self) -> None:
        rec = run(claim("c1", "ispr", True, "q"))
        assert prop(rec, "q").kind == "flag"
        assert best(rec, "q") is True

    def test_withdrawn_has_no_best(self) -> None:
        rec = run(claim("c1", "ispr", 3), retract("c1", "ispr"))
        assert best(rec) is None


class TestAnomalies:
    def test_event_id_reused_with_other_content_keeps_the_earliest(self) -> None:
        first = claim("c1", "ispr", 23, when=at(9), eid="dup")
        second = claim("c1", "ispr", 99, when=at(8), eid="dup")
        rec = run(first, second)
        assert kinds(rec) == [("id-reused", "dup")]
        assert best(rec) == 99  # recorded earlier, so it is the variant kept

    def test_equal_times_keep_the_smaller_canonical_bytes(self) -> None:
        a = claim("c1", "ispr", 23, eid="dup")
        b = claim("c1", "ispr", 99, eid="dup")
        assert best(run(a, b)) == best(run(b, a)) == 23  # b'..."value":23' < b'..."value":99'

    def test_identical_repeats_are_not_anomalies(self) -> None:
        c = claim("c1", "ispr", 23)
        rec = run(c, c, c)
        assert rec.anomalies == ()
        assert rec.events == len(SOURCES) + 1

    def test_claim_id_reused_keeps_the_earlier_claim(self) -> None:
        rec = run(
            claim("c1", "ispr", 23, when=at(9), eid="a"),
            claim("c1", "mujahid", 58, when=at(10), eid="b"),
        )
        assert kinds(rec) == [("id-reused", "b")]
        assert [c.source for c in prop(rec).claims] == ["ispr"]

    def test_kind_mismatch_is_not_counted(self) -> None:
        rec = run(
            claim("c1", "ispr", 23, when=at(9)),
            claim("c2", "mujahid", "many", when=at(10), eid="k"),
            resolve(True, when=at(11), eid="r"),
        )
        assert kinds(rec) == [("kind-mismatch", "k"), ("kind-mismatch", "r")]
        assert [c.claim for c in prop(rec).claims] == ["c1"]
        assert prop(rec).status == "unconfirmed"

    def test_stance_naming_a_missing_claim_dangles(self) -> None:
        rec = run(confirm("nope", "ispr", eid="x"))
        assert kinds(rec) == [("dangling-reference", "x")]
        assert rec.propositions == {}

    def test_stance_naming_the_wrong_proposition_dangles_and_has_no_effect(self) -> None:
        rec = run(claim("c1", "ispr", 23), deny("c1", "mujahid", "other", eid="x"))
        assert kinds(rec) == [("dangling-reference", "x")]
        assert prop(rec).status == "unconfirmed"

    def test_unknown_sources_of_claims_vias_and_stances(self) -> None:
        rec = run(claim("c1", "ghost", 1, eid="a", via="pigeon"), confirm("c1", "spook", eid="b"))
        assert kinds(rec) == [
            ("unknown-source", "a"),
            ("unknown-source", "a"),
            ("unknown-source", "b"),
        ]

    def test_anomalies_are_sorted_by_kind_then_event(self) -> None:
        rec = run(
            confirm("nope", "ghost", eid="z"),
            retract("c1", "mujahid", eid="a"),
            claim("c1", "ispr", 2),
        )
        assert kinds(rec) == sorted(kinds(rec))
        assert set(kinds(rec)) == {
            ("not-claimant", "a"),
            ("dangling-reference", "z"),
            ("unknown-source", "z"),
        }


@pytest.mark.parametrize(
    ("moment", "expected"),
    [(at(8), "unconfirmed"), (at(9), "contested"), (at(10), "resolved"), (at(11), "contested")],
)
def test_as_of_sees_only_what_was_recorded_by_then(moment: str, expected: str) -> None:
    state = replay(
        [
            *SOURCES,
            claim("c1", "ispr", 23, when=at(8)),
            claim("c2", "mujahid", 58, when=at(9)),
            resolve(23, when=at(10)),
            reopen(when=at(11)),
        ]
    )
    assert prop(reconcile(state.as_of(moment))).status == expected


def test_a_replaced_variant_hands_its_claim_id_to_the_right_rival() -> None:
    # "dup" is recorded twice with different content; the variant recorded at 8
    # counts, and so it, not "x" (at 9), is the claim c1 names.
    import itertools

    from discrepancy.report import dumps, report

    events = [
        claim("c1", "ispr", 10, when=at(10), eid="dup"),
        claim("c1", "mujahid", 20, when=at(9), eid="x"),
        claim("c1", "wire", 30, when=at(8), eid="dup"),
        claim("c1", "pm", 40, when=at(11), eid="y"),
    ]
    outputs = {dumps(report(run(*order))) for order in itertools.permutations(events)}
    assert len(outputs) == 1
    rec = run(*events)
    assert [(c.claim, c.source) for c in prop(rec).claims] == [("c1", "wire")]
    assert kinds(rec) == [("id-reused", "dup"), ("id-reused", "x"), ("id-reused", "y")]
