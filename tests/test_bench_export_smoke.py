"""The export benchmark runs once, tiny, in every test run, so it cannot rot."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_export.py"


def test_the_export_benchmark_measures_every_row(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_export", BENCHMARK)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.main(["--events", "1500", "--seed", "3"])
    rows = result["rows"]
    for name in ("floor", "replay", "reconcile", "csv", "parquet", "html"):
        assert rows[name]["seconds"] > 0, name
    assert rows["html"]["charts"] > 0
    assert rows["csv"]["bytes"] > 1000
    assert "x floor" in capsys.readouterr().out
