"""The replay benchmark runs once, tiny, in every test run, so it cannot rot."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def test_the_replay_benchmark_measures_every_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location(
            "bench_replay", BENCHMARKS / "bench_replay.py"
        )
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        out = tmp_path / "bench.json"
        module.main(["--events", "1500", "--seed", "3", "--json", str(out)])
    finally:
        sys.path.remove(str(BENCHMARKS))
    results = json.loads(out.read_text())
    rows = results["rows"]
    for name in ("floor", "replay", "report", "as-of", "evolve-375-375", "evolve-1125-375"):
        assert rows[name]["seconds"] > 0, name
    assert rows["replay"]["distinct_events"] <= 1500
    assert rows["report"]["report_bytes"] > 1000
    assert rows["as-of"]["distinct_events"] < rows["replay"]["distinct_events"]
    printed = capsys.readouterr().out
    assert "x floor" in printed
    assert "report / replay" in printed


def test_the_append_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_append", BENCHMARKS / "bench_append.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    results = module.main(["--events", "300"])
    assert results["single_events_per_s"] > 0
    assert results["batched_events_per_s"] > results["single_events_per_s"]
    assert "1,000-event batches" in capsys.readouterr().out
