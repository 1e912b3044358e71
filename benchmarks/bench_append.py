"""Write throughput of the durable log: single-event appends and 1,000-event batches.

    python benchmarks/bench_append.py --events 20000

Each append is fsynced, so the numbers depend on the disk as much as on us.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from discrepancy.codec import decode_line
from discrepancy.durable import EventLog
from discrepancy.events import Event
from discrepancy.generate import generate_lines


def _clean_events(count: int) -> list[Event]:
    """Generated events the write path accepts (it refuses anomalies)."""
    from discrepancy.decide import Ledger

    ledger, kept = Ledger(), []
    for line in generate_lines(count * 2, seed=4):
        event = decode_line(line)
        if ledger.refusal(event) is None and event.id not in ledger.digests:
            ledger.add(event)
            kept.append(event)
            if len(kept) == count:
                break
    return kept


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    args = parser.parse_args(argv)
    events = _clean_events(args.events)
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        single = events[: max(1, len(events) // 10)]
        with EventLog.open(Path(tmp) / "single.log") as log:
            started = time.perf_counter()
            for event in single:
                log.append([event])
            results["single_events_per_s"] = len(single) / (time.perf_counter() - started)
        batch_log = Path(tmp) / "batch.log"
        snapshot = Path(tmp) / "batch.snapshot"
        with EventLog.open(batch_log) as log:
            started = time.perf_counter()
            for at in range(0, len(events), 1000):
                log.append(events[at : at + 1000])
            results["batched_events_per_s"] = len(events) / (time.perf_counter() - started)
            log.write_snapshot(snapshot)
        # The state: reading and checking every line, against a snapshot of them all.
        started = time.perf_counter()
        with EventLog.open(batch_log) as opened:
            opened.state()
        results["open_full_seconds"] = time.perf_counter() - started
        started = time.perf_counter()
        with EventLog.open(batch_log, snapshot=snapshot) as opened:
            opened.state()
        results["open_snapshot_seconds"] = time.perf_counter() - started
    print(
        f"single-event appends: {results['single_events_per_s']:>10,.0f} events/s "
        f"({len(single):,} appends, one fsync each)"
    )
    print(
        f"1,000-event batches:  {results['batched_events_per_s']:>10,.0f} events/s "
        f"({len(events):,} events)"
    )
    print(
        f"open, reading every line: {results['open_full_seconds']:.3f} s; "
        f"from a snapshot: {results['open_snapshot_seconds']:.3f} s"
    )
    return results


if __name__ == "__main__":
    main()
