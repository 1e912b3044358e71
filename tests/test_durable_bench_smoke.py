"""The durable benchmark runs once, tiny, in every test run, so it cannot rot."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def test_the_durable_benchmark_measures_every_row(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("bench_durable", BENCHMARKS / "bench_durable.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "bench.json"
    results = module.main(
        [
            "--sizes",
            "300",
            "--repeat",
            "1",
            "--snapshot",
            "--dir",
            str(tmp_path),
            "--json",
            str(out),
        ]
    )
    row = json.loads(out.read_text())["300"]
    assert row == results["300"]
    for name in ("library_ms", "cli_ms", "verify_s", "full_open_s", "snapshot_open_s"):
        assert row[name] > 0, name
    assert 290 < row["events"] <= 300 + 2  # the distinct generated events, two appended claims
