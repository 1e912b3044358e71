"""The command line's contract: exit codes, located errors, deterministic JSON."""

from __future__ import annotations

import gc
import random
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from discrepancy.cli import main
from discrepancy.codec import encode_event
from discrepancy.generate import generate_lines
from tests.builders import at, claim, confirm, deny, resolve, source

EVENTS = [
    source("mujahid", "taliban", grade="C"),
    source("ispr", "pakistan", grade="B"),
    source("wire"),
    claim("c1", "mujahid", 58, "killed", when=at(9)),
    claim("c2", "ispr", 23, "killed", when=at(10)),
    confirm("c2", "wire", "killed", when=at(11)),
    deny("c1", "ispr", "killed", when=at(11)),
    claim("c3", "ispr", True, "harbours", when=at(12)),
    resolve(23, "killed", when=at(13)),
]


def write(path: Path, events: list[object]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(encode_event(e)) + b"\n" for e in events))  # type: ignore[arg-type]
    return path


def test_json_report_is_byte_identical_for_shuffled_duplicated_and_split_logs(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    whole = write(tmp_path / "whole.jsonl", EVENTS)
    assert main(["-q", "replay", "--json", str(whole)]) == 0
    expected = capsysbinary.readouterr().out
    shuffled = EVENTS + EVENTS[:4]
    random.Random(7).shuffle(shuffled)
    a = write(tmp_path / "a.jsonl", shuffled[:5])
    b = write(tmp_path / "b.jsonl", shuffled[5:])
    assert main(["-q", "replay", "--json", str(b), str(a)]) == 0
    assert capsysbinary.readouterr().out == expected
    report = orjson.loads(expected)
    assert report["events"] == len(EVENTS)
    assert report["propositions"]["killed"]["status"] == "resolved"


def test_as_of_is_echoed_and_limits_the_events(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    log = write(tmp_path / "log.jsonl", EVENTS)
    moment = "2025-10-12T15:30:00+05:00"  # 10:30Z: before the confirmation and denial
    assert main(["-q", "replay", "--json", "--as-of", moment, str(log)]) == 0
    report = orjson.loads(capsysbinary.readouterr().out)
    assert report["as_of"] == moment
    assert report["events"] == 5
    assert report["propositions"]["killed"]["status"] == "contested"


def test_summary_puts_contested_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = write(tmp_path / "log.jsonl", [*EVENTS[:5], EVENTS[7]])
    assert main(["-q", "replay", str(log)]) == 0
    out = capsys.readouterr().out
    assert out.index("CONTESTED") < out.index("UNCONFIRMED")
    assert "mujahid says 58 [credibility 4, contradicted]" in out


def test_a_malformed_line_exits_1_with_one_located_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = write(tmp_path / "log.jsonl", EVENTS[:3])
    with log.open("ab") as handle:
        bad = encode_event(EVENTS[3]) | {"value": {"min": 40, "max": 30}}
        handle.write(orjson.dumps(bad) + b"\n")
    assert main(["-q", "replay", "--json", str(log)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f'discrepancy: {log}:4: field "value": min 40 > max 30\n'


def test_a_missing_log_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(tmp_path / "nope.jsonl")]) == 1
    assert "nope.jsonl: cannot read" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [["replay"], ["replay", "--as-of", "yesterday", "x.jsonl"], ["frobnicate"], []],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = int(str(exc.code))
    assert code == 2
    assert "usage:" in capsys.readouterr().err


def test_the_console_script_runs_without_traceback(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text('{"type": "claim"}\n')
    done = subprocess.run(
        [sys.executable, "-m", "discrepancy", "replay", str(log)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip() == f'discrepancy: {log}:1: field "id": missing'


def test_csv_has_one_row_per_claim(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import csv
    import io

    log = write(tmp_path / "log.jsonl", EVENTS)
    assert main(["-q", "replay", "--format", "csv", str(log)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 3
    first = rows[0]
    assert (first["proposition"], first["claim"], first["value"], first["live"]) == (
        "harbours",
        "c3",
        "true",
        "true",
    )
    assert {r["best"] for r in rows if r["proposition"] == "killed"} == {"23"}


def test_json_alias_and_format_json_print_the_same_bytes(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    log = write(tmp_path / "log.jsonl", EVENTS)
    main(["-q", "replay", "--json", str(log)])
    alias = capsysbinary.readouterr().out
    main(["-q", "replay", "--format", "json", str(log)])
    assert capsysbinary.readouterr().out == alias


def test_log_format_json_writes_one_summary_line_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = write(tmp_path / "log.jsonl", EVENTS)
    assert main(["--log-format", "json", "replay", "--json", str(log)]) == 0
    lines = [orjson.loads(line) for line in capsys.readouterr().err.splitlines()]
    (summary,) = [line for line in lines if line["event"] == "replay_finished"]
    assert summary["events"] == len(EVENTS)
    assert summary["contradictions"] == 0
    assert summary["level"] == "info"
    assert main(["-q", "--log-format", "json", "replay", str(log)]) == 0
    assert capsys.readouterr().err == ""  # -q: warnings and worse only


def test_the_library_never_configures_logging() -> None:
    import structlog

    import discrepancy  # noqa: F401 - importing it must leave structlog alone

    assert not structlog.is_configured()


def _cyclic_garbage_of_a_replay(tmp_path: Path, events: int, command: list[str]) -> int:
    """Objects left in reference cycles by one in-process run of ``command``."""
    log = tmp_path / f"log-{events}.jsonl"
    log.write_bytes(b"".join(generate_lines(events, 7)))
    gc.collect()
    gc.disable()
    try:
        assert main([*command, str(log)]) == 0
        return gc.collect()
    finally:
        gc.enable()


@pytest.mark.parametrize(
    "command", [["-q", "replay", "--json"], ["-q", "replay"], ["-q", "contradictions"]]
)
def test_a_replay_leaves_no_cyclic_garbage_per_event(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], command: list[str]
) -> None:
    # The CLI runs with the cyclic collector paused, which is only sound if
    # what it builds per event frees by reference counting alone. The parser
    # leaves a fixed few cycles; ten times the events must leave no more.
    # (A first run also leaves one-off cycles of lazy imports and caches.)
    _cyclic_garbage_of_a_replay(tmp_path, 30, command)
    small = _cyclic_garbage_of_a_replay(tmp_path, 300, command)
    large = _cyclic_garbage_of_a_replay(tmp_path, 3000, command)
    capsysbinary.readouterr()
    assert large == small
