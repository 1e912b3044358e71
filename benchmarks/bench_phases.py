"""What one shard's work costs per event, phase by phase: where the time of a replay goes.

    python benchmarks/bench_phases.py --log big.jsonl --repeat 5
    PYTHONPATH=<other tree> python benchmarks/bench_phases.py --log big.jsonl   # another version

The phases are those every shard runs (``discrepancy.shard.replay_shard``)
and the single-process report too: ``orjson.loads`` of every line (the
floor), ``decode_line`` of every line (the floor included), ``replay``,
``reconcile`` and the report's pieces. Each is timed in this process with
the cyclic collector paused, as the shards run them, and the fastest of
``--repeat`` runs is kept: the figures are the per-event cost of the core,
without routing, pickling or processes. Without ``--log`` a log of
``--events`` is generated (``--seed``, ``--giants`` as for ``generate``).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from discrepancy.codec import decode_line
from discrepancy.generate import generate_lines
from discrepancy.reconcile import reconcile
from discrepancy.report import anomaly_pieces, contradiction_pieces, proposition_pieces
from discrepancy.state import replay

PHASES = ("floor", "decode", "replay", "reconcile", "pieces")


def _one_run(lines: list[bytes]) -> tuple[float, ...]:
    """The seconds of each phase, in the order of :data:`PHASES`."""
    clock = time.perf_counter
    started = clock()
    for line in lines:
        orjson.loads(line)
    parsed = clock()
    events = [decode_line(line) for line in lines]
    decoded = clock()
    state = replay(events)
    replayed = clock()
    del events
    found = reconcile(state)
    reconciled = clock()
    pieces = (
        list(proposition_pieces(found)),
        list(contradiction_pieces(found)),
        list(anomaly_pieces(found)),
    )
    done = clock()
    del pieces, state, found
    marks = (started, parsed, decoded, replayed, reconciled, done)
    return tuple(later - earlier for earlier, later in itertools.pairwise(marks))


def measure(lines: list[bytes], repeat: int) -> dict[str, float]:
    """Phase -> the fastest of ``repeat`` runs, in seconds."""
    best = dict.fromkeys(PHASES, float("inf"))
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            seconds = _one_run(lines)
        finally:
            gc.enable()
        for phase, taken in zip(PHASES, seconds, strict=True):
            best[phase] = min(best[phase], taken)
    return best


def _lines(args: argparse.Namespace) -> list[bytes]:
    if args.log:
        data = Path(args.log).read_bytes()
    else:
        data = b"".join(generate_lines(args.events, args.seed, giants=args.giants))
    return [line for line in data.split(b"\n") if line.strip()]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--log", help="time this log instead of a generated one")
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--giants", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="runs; the fastest is kept")
    parser.add_argument("--json", help="write the rows here too")
    args = parser.parse_args(argv)
    lines = _lines(args)
    best = measure(lines, max(1, args.repeat))
    count = len(lines)
    rows = {phase: {"seconds": s, "us_per_event": s / count * 1e6} for phase, s in best.items()}
    core = sum(best[p] for p in PHASES[1:])
    print(f"# {count:,} events; fastest of {args.repeat}; {sys.version.split()[0]}")
    print(f"{'phase':12}{'seconds':>10}{'µs/event':>10}")
    for phase, row in rows.items():
        print(f"{phase:12}{row['seconds']:>10.3f}{row['us_per_event']:>10.2f}")
    print(f"{'core':12}{core:>10.3f}{core / count * 1e6:>10.2f}   (decode to pieces)")
    results = {"events": count, "repeat": args.repeat, "rows": rows, "core_seconds": core}
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
