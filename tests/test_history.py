"""History, explain, contradictions and diff, through the command line."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from discrepancy.cli import main
from discrepancy.codec import encode_event
from discrepancy.history import diff, open_since, timeline
from discrepancy.state import replay
from tests.builders import at, claim, deny, reopen, resolve, source

EVENTS = [
    source("mujahid", "taliban", grade="C"),
    source("ispr", "pakistan", grade="B"),
    claim("c1", "mujahid", 58, "killed", when=at(9), eid="e1"),
    claim("c2", "ispr", 23, "killed", when=at(10), eid="e2"),
    resolve(23, "killed", when=at(11), eid="e3"),
    reopen("killed", when=at(12), eid="e4"),
    claim("c3", "ispr", True, "ttp", when=at(9), eid="e5"),
    deny("c3", "mujahid", "ttp", when=at(13), eid="e6"),
]


def test_timeline_follows_status_and_best_event_by_event() -> None:
    steps = timeline(replay(EVENTS), "killed")
    assert [s.event.id for s in steps] == ["e1", "e2", "e3", "e4"]
    assert [s.status for s in steps] == ["unconfirmed", "contested", "resolved", "contested"]
    since = open_since(steps)
    assert since is not None
    assert since.id == "e4"  # contested again, without a break, since the reopening


def test_diff_reports_new_claims_status_moves_and_contradictions() -> None:
    changes = {c.proposition: c for c in diff(replay(EVENTS), at(9, 30), at(13))}
    killed, ttp = changes["killed"], changes["ttp"]
    assert killed.new_claims == ("c2",)
    assert killed.status == ("unconfirmed", "contested")
    assert killed.opened
    assert ttp.status == ("unconfirmed", "contested")
    assert not diff(replay(EVENTS), at(13), at(14))


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"".join(orjson.dumps(encode_event(e)) + b"\n" for e in EVENTS))
    return path


def test_explain_prints_the_history_then_the_verdict(
    log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-q", "explain", str(log), "killed"]) == 0
    out = capsys.readouterr().out
    assert "claim c1: mujahid says 58  -> unconfirmed, best 58" in out
    assert "resolve: ana rules 23" in out
    assert out.index("-> resolved") < out.index("reopen")
    assert "Now contested, best 23." in out
    assert "c1 (mujahid, 58): grade 4: contradicted by incompatible claim c2, not supported" in out


def test_explain_an_unknown_proposition_suggests_close_ones(
    log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-q", "explain", str(log), "kiled"]) == 1
    assert "did you mean killed" in capsys.readouterr().err


def test_contradictions_lists_only_open_ones_with_since(
    log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-q", "contradictions", str(log)]) == 0
    out = capsys.readouterr().out
    assert f"killed  (open since {at(12)})" in out
    assert f"ttp  (open since {at(13)})" in out
    assert "denial e6: mujahid denies c3" in out
    assert main(["-q", "contradictions", str(log), "--as-of", at(11)]) == 0
    assert capsys.readouterr().out == "no open contradictions\n"


def test_diff_through_the_command_line(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "diff", str(log), "--from", at(10, 30), "--to", at(11, 30)]) == 0
    out = capsys.readouterr().out
    assert "killed  [contradiction closed]" in out
    assert "status: contested -> resolved" in out
    with pytest.raises(SystemExit):
        main(["diff", str(log), "--from", at(10)])  # --to is required
    assert main(["diff", str(log), "--from", "noon", "--to", at(11)]) == 2
