"""The durable benchmark runs once, tiny, in every test run, so it cannot rot."""

from __future__ import annotations

import json
from pathlib import Path

from tests.bench_loader import load_benchmark


def test_the_durable_benchmark_measures_every_row(tmp_path: Path) -> None:
    module = load_benchmark("bench_durable")
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
