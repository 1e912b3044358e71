"""The durable log at size: one append to a 2k, 200k or 10M-event log; verify.

    python benchmarks/bench_durable.py --sizes 2000 200000 --repeat 20
    python benchmarks/bench_durable.py --sizes 10000000 --repeat 10 --dir /tmp/durable10m

Each log is built once (generator lines, seed 1, written as durable lines with
their chain; the first open then builds the sidecar, timed as ``sidecar
build``). Then one single-event append is timed ``--repeat`` times, both in
process (``EventLog.open`` + ``append`` + ``close``) and as a ``discrepancy
append`` command (a fresh Python each time). The median is printed. Every
append is fsynced, so the disk matters as much as the code.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from discrepancy.codec import decode_line
from discrepancy.durable import EventLog, _batch_lines, verify
from discrepancy.events import Event
from discrepancy.generate import generate_lines
from discrepancy.reading import GENESIS


def build(path: Path, events: int) -> None:
    """A durable log of ``events`` generated events (their chain computed here)."""
    chain, seq, seen = GENESIS, 0, set()
    with path.open("wb") as out:
        chunk: list[Event] = []
        for line in generate_lines(events, seed=1):
            event = decode_line(line)
            if event.id in seen:  # the durable log holds one content per id
                continue
            seen.add(event.id)
            chunk.append(event)
            if len(chunk) == 65536:  # written as batches of 65,536 lines
                data, chain = _batch_lines(chunk, seq, chain)
                out.write(data)
                seq += len(chunk)
                chunk = []
        if chunk:
            out.write(_batch_lines(chunk, seq, chain)[0])


def _claim(log: Path, number: int) -> dict[str, object]:
    """A fresh claim by the log's first source (the write rules accept it)."""
    with log.open("rb") as handle:
        first = orjson.loads(handle.readline())
    return {
        "type": "claim",
        "id": f"bench-{number}-{time.time_ns()}",
        "claim": f"bench-claim-{number}-{time.time_ns()}",
        "recorded_at": "2026-01-01T00:00:00Z",
        "source": first["source"],
        "proposition": f"bench-proposition-{number}",
        "value": number,
    }


def time_appends(log: Path, repeat: int) -> dict[str, float]:
    from discrepancy.codec import decode_event

    library, command = [], []
    event_file = log.with_name("one-event.jsonl")
    for number in range(repeat):
        event = decode_event(_claim(log, number))
        started = time.perf_counter()
        with EventLog.open(log) as opened:
            opened.append([event])
        library.append(time.perf_counter() - started)
        event_file.write_bytes(orjson.dumps(_claim(log, number + repeat)) + b"\n")
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "discrepancy", "-q", "append", str(log), str(event_file)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        command.append(time.perf_counter() - started)
    return {
        "library_ms": statistics.median(library) * 1e3,
        "cli_ms": statistics.median(command) * 1e3,
    }


def time_snapshot(log: Path) -> dict[str, float]:
    """A full replay of ``log`` against one that starts from ``LOG.snapshot``."""
    from discrepancy.logs import replay_paths

    snapshot = Path(f"{log}.snapshot")
    snapshot.unlink(missing_ok=True)
    started = time.perf_counter()
    full = replay_paths([log])
    row = {"full_open_s": time.perf_counter() - started}
    started = time.perf_counter()
    with EventLog.open(log) as opened:
        opened.write_snapshot(snapshot)
    row["snapshot_write_s"] = time.perf_counter() - started
    started = time.perf_counter()
    fast = replay_paths([log])
    row["snapshot_open_s"] = time.perf_counter() - started
    assert len(fast) == len(full)
    row["snapshot_bytes"] = snapshot.stat().st_size
    return row


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 200_000])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--dir", type=Path, help="keep the logs here (default: a temporary folder)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--snapshot", action="store_true", help="also time replay from a snapshot vs in full"
    )
    args = parser.parse_args(argv)
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.dir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for size in args.sizes:
            log = folder / f"durable-{size}.log"
            row: dict[str, float] = {}
            if not log.exists():
                started = time.perf_counter()
                build(log, size)
                row["build_s"] = time.perf_counter() - started
                started = time.perf_counter()
                EventLog.open(log).close()  # builds the sidecar
                row["sidecar_build_s"] = time.perf_counter() - started
            row |= time_appends(log, args.repeat)
            started = time.perf_counter()
            row["events"] = verify(log).events
            row["verify_s"] = time.perf_counter() - started
            if args.snapshot:
                row |= time_snapshot(log)
                print(
                    f"{size:>10,} events: replay in full {row['full_open_s']:.2f} s, from a "
                    f"snapshot {row['snapshot_open_s']:.2f} s "
                    f"({row['full_open_s'] / row['snapshot_open_s']:.1f}x); writing it "
                    f"{row['snapshot_write_s']:.2f} s, {row['snapshot_bytes']:,} bytes",
                    flush=True,
                )
            results[str(size)] = row
            print(
                f"{size:>10,} events: append {row['library_ms']:7.1f} ms in process, "
                f"{row['cli_ms']:7.1f} ms as a command (median of {args.repeat}); "
                f"verify {row['verify_s']:.2f} s"
                + (
                    f"; sidecar build {row['sidecar_build_s']:.1f} s"
                    if "sidecar_build_s" in row
                    else ""
                ),
                flush=True,
            )
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
