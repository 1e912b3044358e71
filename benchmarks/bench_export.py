"""Cost of the outputs of issue 15 on a generated log: flat CSV, Parquet and the HTML page.

Each row times one output from a reconciled state (the state and its
reconciliation are built once, and timed as ``reconcile``); ``floor`` is
``orjson.loads`` alone over the same lines. The HTML row includes the
timeline of every contested or resolved proposition (``charts``), whose
cost grows with each charted proposition's own events (docs/export.md).

    python benchmarks/bench_export.py --events 100000 --seed 1
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import sys
import time
from collections.abc import Callable
from typing import Any

import orjson

from discrepancy.codec import decode_line
from discrepancy.export import flat_csv, write_parquet
from discrepancy.generate import generate_lines
from discrepancy.html import html_report
from discrepancy.reconcile import reconcile
from discrepancy.state import replay


def _timed(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", metavar="FILE", help="also write the rows here")
    args = parser.parse_args(argv)
    lines = list(generate_lines(args.events, args.seed))
    rows: dict[str, dict[str, Any]] = {}
    seconds, _ = _timed(lambda: [orjson.loads(line) for line in lines])
    rows["floor"] = {"seconds": seconds}
    seconds, state = _timed(lambda: replay(decode_line(line) for line in lines))
    rows["replay"] = {"seconds": seconds}
    seconds, found = _timed(lambda: reconcile(state))
    rows["reconcile"] = {"seconds": seconds, "propositions": len(found.propositions)}
    seconds, text = _timed(lambda: flat_csv(found, state))
    rows["csv"] = {"seconds": seconds, "bytes": len(text.encode())}
    if importlib.util.find_spec("pyarrow") is not None:
        sink = io.BytesIO()
        seconds, _ = _timed(lambda: write_parquet(found, state, sink))
        rows["parquet"] = {"seconds": seconds, "bytes": sink.tell()}
    seconds, page = _timed(lambda: html_report(found, state))
    charts = page.count('<svg class="timeline"')
    rows["html"] = {"seconds": seconds, "bytes": len(page.encode()), "charts": charts}
    floor = rows["floor"]["seconds"] or 1e-9
    for name, row in rows.items():
        sys.stdout.write(
            f"{name:10} {row['seconds']:9.3f} s  {row['seconds'] / floor:7.1f} x floor\n"
        )
    result = {"events": args.events, "seed": args.seed, "rows": rows}
    if args.json:
        with open(args.json, "w") as out:
            json.dump(result, out, indent=2)
    return result


if __name__ == "__main__":
    main()
