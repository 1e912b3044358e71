"""The bundled border-clash log reconciles as an analyst reading the report would expect."""

from __future__ import annotations

from importlib.resources import as_file, files

from discrepancy import reconcile, replay_paths
from discrepancy.reconcile import Reconciliation
from discrepancy.values import value_to_json

KILLED = "pk-soldiers-killed/2025-10-12-border"
RULING_AT = "2025-10-12T20:00:00Z"


def example(as_of: str | None = None) -> Reconciliation:
    with as_file(files("discrepancy") / "examples" / "border_clash.jsonl") as path:
        return reconcile(replay_paths([path], as_of=as_of))


def test_statuses_of_every_proposition() -> None:
    rec = example()
    statuses = {key: f.status for key, f in rec.propositions.items()}
    assert statuses == {
        KILLED: "resolved",
        "who-fired-first/2025-10-12-border": "contested",
        "taliban-harbours-ttp/2025-10": "contested",
        "who-carried-out-strikes/2025-10-kabul-eastern-market": "corroborated",
        "pk-soldiers-wounded/2025-10-12-border": "unconfirmed",
        "pk-border-posts-captured/2025-10-12-border": "unconfirmed",
        "taliban-holds-all-border-lines/2025-10-12": "unconfirmed",
        "afghan-posts-destroyed/2025-10-12-border": "unconfirmed",
        "attackers-retreated/2025-10-12-border": "unconfirmed",
        "pakistan-claimed-strikes-by-2025-10-12/2025-10-kabul-eastern-market": "unconfirmed",
        "crossings-closed/2025-10-12-torkham-chaman": "unconfirmed",
    }
    assert rec.anomalies == ()
    assert rec.events == 25


def test_the_death_toll_is_contested_until_the_ruling() -> None:
    before = example(as_of="2025-10-12T19:59:59Z").propositions[KILLED]
    assert before.status == "contested"
    assert (before.low, before.high) == (23, 58)
    # Neither side is independently supported; the army's 23 wins on its
    # reliability grade (B against the spokesman's C).
    assert before.best is not None
    assert value_to_json(before.best) == 23
    after = example(as_of=RULING_AT).propositions[KILLED]
    assert after.status == "resolved"
    assert after.best is not None
    assert value_to_json(after.best) == {"min": 23, "max": 58}


def test_the_ttp_accusation_is_contested_by_a_denial() -> None:
    rec = example()
    (contra,) = [c for c in rec.contradictions if c.proposition == "taliban-harbours-ttp/2025-10"]
    assert len(contra.denials) == 1
    finding = rec.propositions[contra.proposition]
    assert [c.denied_by for c in finding.claims] == [("taliban-spokesman",)]


def test_the_unclaimed_strike_rests_on_an_independent_confirmation() -> None:
    finding = example().propositions["who-carried-out-strikes/2025-10-kabul-eastern-market"]
    (claim,) = finding.claims
    assert claim.confirmed_by == ("news-agency",)
    assert claim.credibility == 1
