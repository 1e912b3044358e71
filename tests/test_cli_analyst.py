"""The analyst's command line through its entry point: quiet output, options,
list and its filters, the summary's claims, analysts who disagree, explain."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson
import pytest

from discrepancy.cli import main
from discrepancy.codec import decode_event, encode_event
from discrepancy.events import Event
from tests.builders import at, claim, confirm, deny, retract, source

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _resolve(value: Any, analyst: str, when: str, eid: str, prop: str = "killed") -> Event:
    return decode_event(
        {
            "type": "resolve",
            "id": eid,
            "recorded_at": when,
            "proposition": prop,
            "value": value,
            "rationale": "r",
            "analyst": analyst,
        }
    )


EVENTS = [
    source("mujahid", "taliban", grade="C"),
    source("zabihullah", "taliban", grade="C"),
    source("ispr", "pakistan", grade="B"),
    source("wire", "press"),
    claim("c1", "mujahid", 58, "killed", when=at(9)),
    claim("c2", "ispr", 23, "killed", when=at(10)),
    claim("c3", "wire", {"min": 20}, "killed", when=at(10, 30)),
    confirm("c2", "wire", "killed", when=at(11)),
    deny("c1", "ispr", "killed", when=at(11)),
    claim("h1", "ispr", True, "harbours", when=at(12)),
    claim("h2", "ispr", False, "harbours", when=at(12, 5)),
    retract("h2", "ispr", "harbours", when=at(12, 10)),
    claim("w1", "zabihullah", 5, "wounded", when=at(8)),
    claim("w2", "zabihullah", 7, "wounded", when=at(8, 30), supersedes="w1"),
    claim("f1", "mujahid", "pakistan", "fired-first", when=at(7)),
    confirm("f1", "zabihullah", "fired-first", when=at(7, 30)),
    _resolve(23, "ana", at(13), "r1"),
    _resolve(58, "bo", at(14), "r2"),
]


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"".join(orjson.dumps(encode_event(e)) + b"\n" for e in EVENTS))
    return path


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(str(exc.code))
    out, err = capsys.readouterr()
    return code, out, err


def test_commands_are_quiet_by_default_and_say_more_with_v_after_the_subcommand(
    log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(["replay", str(log)], capsys)
    assert (code, err) == (0, "")
    assert out.startswith("18 events, 4 propositions")
    code, _, err = _run(["replay", str(log), "-v"], capsys)
    assert code == 0
    assert "replay_finished" in err
    code, _, err = _run(["replay", "--log-format", "json", str(log)], capsys)
    assert orjson.loads(err.splitlines()[-1])["event"] == "replay_finished"
    code, _, err = _run(["replay", "-v", "-q", str(log)], capsys)
    assert err == ""


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["replay", "--json", "--format", "csv"], "--json contradicts --format csv"),
        (["replay", "--format", "json", "--format", "csv"], "--format: given twice"),
        (["replay", "--as-of", at(1), "--as-of", at(2)], "--as-of: given twice"),
        (["replay", "--party", "taliban", "--format", "csv"], "--party filters the summary"),
        (["diff", "--from", at(9), "--to", at(1)], "earlier than --from"),
        (["explain"], "explain needs a PROPOSITION"),
    ],
)
def test_contradictory_options_are_a_usage_error_naming_both(
    argv: list[str], named: str, log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run([*argv, str(log)], capsys)
    assert code == 2
    assert out == ""
    assert err.startswith(f"usage: discrepancy {argv[0]} ")
    assert named in err.splitlines()[-1]


def test_list_shows_every_proposition_with_status_best_claims_and_last_change(
    log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(["list", str(log)], capsys)
    assert code == 0
    rows = [re.split(r"\s{2,}", line) for line in out.splitlines()]
    assert rows[0] == ["proposition", "status", "best", "claims", "last change"]
    assert ["killed", "resolved", "58", "3", "2025-10-12T14:00:00Z"] in rows
    assert ["harbours", "unconfirmed", "yes", "2", "2025-10-12T12:10:00Z"] in rows
    assert len(rows) == 5


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (["--status", "resolved"], {"killed"}),
        (
            ["--status", "unconfirmed", "--status", "corroborated"],
            {"harbours", "wounded", "fired-first"},
        ),
        (["--proposition", "k*"], {"killed"}),
        (
            ["--proposition", "*e*", "--proposition", "killed"],
            {"wounded", "fired-first", "killed"},
        ),
        (["--source", "wire"], {"killed"}),
        (["--source", "zabihullah"], {"wounded", "fired-first"}),
        (["--party", "taliban"], {"killed", "wounded", "fired-first"}),
        (["--party", "taliban", "--status", "unconfirmed"], {"wounded", "fired-first"}),
        (["--party", "nobody"], set()),
    ],
)
def test_list_and_replay_filter_the_same_propositions(
    filters: list[str], expected: set[str], log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(["list", str(log), *filters], capsys)
    assert code == 0
    listed = {line.split()[0] for line in out.splitlines()[1:]} if expected else set()
    assert listed == expected
    code, out, _ = _run(["replay", str(log), *filters], capsys)
    assert code == 0
    shown = set(re.findall(r"^  (\S+): best", out, re.MULTILINE))
    assert shown == expected


def test_the_summary_lists_every_claim_and_says_why_one_is_not_live(
    log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(["replay", str(log)], capsys)
    assert code == 0
    assert "4 propositions, 0 contested, 0 anomalies" in out
    assert "c1: mujahid says 58 [credibility 5, contradicted]; denied by ispr" in out
    assert "h2: ispr says no [withdrawn: retracted (event " in out
    assert "w1: zabihullah says 5 [withdrawn: corrected by claim w2]" in out
    assert (
        "analysts disagree: bo rules 58 (event r2, 2025-10-12T14:00:00Z), replacing ana's 23" in out
    )


def test_one_of_each_is_singular(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "one.jsonl"
    path.write_bytes(orjson.dumps(encode_event(EVENTS[4])) + b"\n")
    _, out, _ = _run(["replay", str(path)], capsys)
    assert out.startswith("1 event, 1 proposition, 0 contested, 1 anomaly\n")


def test_analysts_disagree_in_explain_contradictions_and_the_json_report(
    log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = _run(["explain", str(log), "killed"], capsys)
    assert "Analysts disagree: bo rules 58 (event r2" in out
    _, out, _ = _run(["contradictions", str(log)], capsys)
    assert "analysts disagree: bo rules 58" in out
    _, out, _ = _run(["replay", "--json", str(log)], capsys)
    assert orjson.loads(out)["disagreements"] == [
        {
            "proposition": "killed",
            "resolution": "r2",
            "analyst": "bo",
            "replaces": "r1",
            "replaced_analyst": "ana",
        }
    ]


def test_explain_names_the_branch_the_sources_and_the_rung(
    log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = _run(["explain", str(log), "fired-first"], capsys)
    assert (
        'f1 (mujahid, "pakistan"): grade 2: backed only within its own party: by '
        "zabihullah, which shares party taliban with the claimant" in out
    )
    _, out, _ = _run(["explain", "--as-of", at(12), str(log), "killed"], capsys)
    assert "c2 (ispr, 23): grade 2: independently supported by wire" in out
    assert (
        "Best is at least 20 (claim c3, wire) over the runner-up 23 (claim c2, ispr): "
        "independent voices 3 vs 2 (equally supported)." in out
    )


def test_explain_utc_writes_every_time_in_utc(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "offsets.jsonl"
    events = [
        source("ispr", "pakistan"),
        claim("c1", "ispr", 1, "p", when="2025-10-12T15:10:00+05:00"),
        claim("c2", "ispr", 1, "p", when="2025-10-12T08:00:00-04:00"),
        claim("c3", "ispr", 1, "p", when="2025-10-12T09:00:00.250Z"),
    ]
    path.write_bytes(b"".join(orjson.dumps(encode_event(e)) + b"\n" for e in events))
    _, out, _ = _run(["explain", "--utc", str(path), "p"], capsys)
    times = re.findall(r"^  (\S+)  claim", out, re.MULTILINE)
    assert times == ["2025-10-12T09:00:00.25Z", "2025-10-12T10:10:00Z", "2025-10-12T12:00:00Z"]


def test_the_cli_reference_shows_what_explain_prints(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(["explain", "--example", "--utc", "who-fired-first/2025-10-12-border"], capsys)
    assert out in (DOCS / "cli.md").read_text()
