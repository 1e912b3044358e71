"""The replay benchmark runs once, tiny, in every test run, so it cannot rot."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from discrepancy.generate import generate_lines
from tests.bench_loader import load_benchmark


def _load(name: str) -> Any:
    """The module of ``benchmarks/<name>.py``."""
    return load_benchmark(name)


def test_the_replay_benchmark_measures_every_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bench.json"
    _load("bench_replay").main(["--events", "1500", "--seed", "3", "--json", str(out)])
    results = json.loads(out.read_text())
    rows = results["rows"]
    names = ("floor", "replay", "report", "cli-report", "as-of", "evolve-375-375")
    for name in (*names, "evolve-1125-375", "open-log", "open-snapshot", "bound"):
        assert rows[name]["seconds"] > 0, name
    assert rows["replay"]["distinct_events"] <= 1500
    assert rows["bound"]["distinct_events"] == rows["replay"]["distinct_events"]
    # The durable copy keeps one content per id; its snapshot holds all of them.
    assert 0 < rows["open-snapshot"]["distinct_events"] == rows["open-log"]["distinct_events"]
    assert rows["replay"]["peak_rss_bytes"] > rows["replay"]["rss_growth_bytes"] > 0
    assert rows["report"]["report_bytes"] > 1000
    assert rows["cli-report"]["report_bytes"] == rows["report"]["report_bytes"]
    assert rows["as-of"]["distinct_events"] < rows["replay"]["distinct_events"]
    printed = capsys.readouterr().out
    assert "x floor" in printed
    assert "report / replay" in printed
    assert "bytes/event" in printed
    assert "open from a snapshot" in printed


_FAKE_TRUTHDISCOVERY = """
class Dataset:
    def __init__(self, triples, allow_multiple):
        assert allow_multiple
        assert triples and all(len(t) == 3 and all(isinstance(x, str) for x in t) for t in triples)
class MajorityVoting:
    def run(self, data):
        assert isinstance(data, Dataset)
TruthFinder = MajorityVoting
"""


def test_the_truthdiscovery_peer_gets_the_claim_triples(tmp_path: Path) -> None:
    # The real library needs an interpreter of its own (see docs/benchmarks.md);
    # a stand-in module checks what the benchmark hands it and how rows are made.
    module = _load("bench_replay")

    log = tmp_path / "log.jsonl"
    log.write_bytes(b"".join(generate_lines(400, 5)))
    fake = tmp_path / "fake"
    (fake / "truthdiscovery").mkdir(parents=True)
    (fake / "truthdiscovery" / "__init__.py").write_text(_FAKE_TRUTHDISCOVERY)
    python = tmp_path / "python"
    python.write_text(f'#!/bin/sh\nPYTHONPATH={fake} exec {sys.executable} "$@"\n')
    python.chmod(0o755)
    rows = module._truthdiscovery(str(python), log, tmp_path)
    claims = sum(1 for line in log.read_bytes().splitlines() if b'"type":"claim"' in line)
    assert set(rows) == {"truthdiscovery-majority", "truthdiscovery-truthfinder"}
    for row in rows.values():
        assert row["peer_events"] == claims
        assert row["seconds"] >= row["dataset_seconds"] > 0


def test_the_append_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    results = _load("bench_append").main(["--events", "300"])
    assert results["single_events_per_s"] > 0
    assert results["batched_events_per_s"] > results["single_events_per_s"]
    assert "1,000-event batches" in capsys.readouterr().out


def test_the_proposition_benchmark_measures_every_shape(
    capsys: pytest.CaptureFixture[str],
) -> None:
    module = _load("bench_proposition")
    results = module.main(["--sizes", "60", "120"])
    rows = results["rows"]
    for shape in module.SHAPES:
        for size in (60, 120):
            assert rows[f"{shape}-{size}"]["seconds"] > 0
            assert rows[f"{shape}-{size}"]["events"] >= size
    assert json.loads(capsys.readouterr().out)["rows"] == rows


def test_the_phase_benchmark_times_every_phase_of_the_core(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "log.jsonl"
    log.write_bytes(b"".join(generate_lines(800, 5, giants=1)) + b"\n\n")
    out = tmp_path / "phases.json"
    results = _load("bench_phases").main(["--log", str(log), "--repeat", "2", "--json", str(out)])
    assert results["events"] == 800  # blank lines are not events
    rows = results["rows"]
    assert list(rows) == ["floor", "decode", "replay", "reconcile", "pieces"]
    assert all(row["seconds"] > 0 for row in rows.values())
    # Decoding parses every line as the floor does, and then builds the events.
    assert rows["decode"]["seconds"] > rows["floor"]["seconds"]
    assert results["core_seconds"] == pytest.approx(
        sum(rows[p]["seconds"] for p in ("decode", "replay", "reconcile", "pieces"))
    )
    assert json.loads(out.read_text()) == results
    assert "(decode to pieces)" in capsys.readouterr().out
