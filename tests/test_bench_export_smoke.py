"""The export benchmark runs once, tiny, in every test run, so it cannot rot."""

from __future__ import annotations

import pytest

from tests.bench_loader import load_benchmark


def test_the_export_benchmark_measures_every_row(capsys: pytest.CaptureFixture[str]) -> None:
    module = load_benchmark("bench_export")
    result = module.main(["--events", "1500", "--seed", "3"])
    rows = result["rows"]
    for name in ("floor", "replay", "reconcile", "csv", "parquet", "html"):
        assert rows[name]["seconds"] > 0, name
    assert rows["html"]["charts"] > 0
    assert rows["csv"]["bytes"] > 1000
    assert "x floor" in capsys.readouterr().out
