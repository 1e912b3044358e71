"""Sharded replay benchmark: ``replay --json`` on every core, in one process, on Dask.

    python benchmarks/bench_shard.py --events 1000000 --seed 1
    python benchmarks/bench_shard.py --events 1000000 --seed 2 --giants 3   # heavy-tailed
    python benchmarks/bench_shard.py --events 5000000 --files 8 --dask --jobs 2

Generates a log with ``discrepancy generate`` (or reads ``--log``), cut into
``--files`` files, then times each row in a fresh process: the floor
(``orjson.loads`` on every line, nothing else), ``replay --json --jobs 1``
(the single-process path), ``replay --json --jobs N`` for each N given, and
with ``--dask`` ``replay --json --dask`` on a local cluster. Each row gives
the wall time and its ratio to the floor, the CPU time of all its processes
(user + system; on a shared machine the steadier figure) and its ratio to
the floor's, the peak RSS of the largest
process of the run (workers included: ``RUSAGE_CHILDREN`` of a wrapper
process), and for sharded rows the caller's own peak RSS (from its
``replay_finished`` log line). Every report is checked to be byte-identical to the single-process
one.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _lines(path: Path) -> int:
    """The lines of a given log (the header's count of events)."""
    with path.open("rb") as handle:
        return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))


def _run_measured(argv: list[str], out: str) -> dict[str, Any]:
    """Run ``argv`` with stdout to ``out``, in a wrapper that sees every descendant."""
    wrapper = (
        "import resource, subprocess, sys, time, json\n"
        "argv, out = json.loads(sys.argv[1]), sys.argv[2]\n"
        "started = time.perf_counter()\n"
        "with open(out, 'wb') as handle:\n"
        "    code = subprocess.run(argv, stdout=handle).returncode\n"
        "wall = time.perf_counter() - started\n"
        "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "rss, cpu = usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime\n"
        "print(json.dumps({'code': code, 'seconds': wall, 'cpu': cpu, 'peak_rss': rss}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", wrapper, json.dumps(argv), out],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["caller_rss"] = None
    for line in done.stderr.splitlines():  # the CLI's replay_finished names its own peak
        if '"caller_peak_rss_mb"' in line:
            result["caller_rss"] = json.loads(line)["caller_peak_rss_mb"] * 2**20
    if result["code"] != 0:
        raise SystemExit(f"{argv} failed with exit code {result['code']}")
    return result


_FLOOR = (
    "import sys, orjson\n"
    "for path in sys.argv[1:]:\n"
    "    with open(path, 'rb') as handle:\n"
    "        for line in handle:\n"
    "            orjson.loads(line)\n"
)


def _generate(directory: Path, events: int, seed: int, giants: int, files: int) -> list[Path]:
    paths = [directory / f"log-{n}.jsonl" for n in range(files)]
    cli = [sys.executable, "-m", "discrepancy", "-q", "generate"]
    whole = directory / "whole.jsonl"
    with whole.open("wb") as out:
        argv = [*cli, "--events", str(events), "--seed", str(seed), "--giants", str(giants)]
        subprocess.run(argv, stdout=out, check=True)
    if files == 1:
        whole.rename(paths[0])
        return paths
    handles = [p.open("wb") for p in paths]
    try:
        with whole.open("rb") as lines:
            for n, line in enumerate(lines):
                handles[n % files].write(line)
    finally:
        for handle in handles:
            handle.close()
    whole.unlink()
    return paths


def _digest(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--giants", type=int, default=0, help="giant propositions (0)")
    parser.add_argument("--files", type=int, default=1, help="cut the log into this many files")
    parser.add_argument("--log", type=Path, action="append", help="use these logs instead")
    parser.add_argument("--jobs", type=int, action="append", help="sharded rows (default: 2)")
    parser.add_argument("--dask", action="store_true", help="also replay --dask (LocalCluster)")
    parser.add_argument("--no-single", action="store_true", help="skip the single-process row")
    parser.add_argument("--json", type=Path, help="write the rows here too")
    args = parser.parse_args(argv)
    cli = [sys.executable, "-m", "discrepancy", "--log-format", "json", "replay", "--json"]
    with tempfile.TemporaryDirectory(prefix="bench-shard-") as tmp:
        directory = Path(tmp)
        paths = args.log or _generate(directory, args.events, args.seed, args.giants, args.files)
        names = [str(p) for p in paths]
        size = sum(p.stat().st_size for p in paths)
        events = args.events if not args.log else sum(_lines(p) for p in paths)
        rows: list[dict[str, Any]] = []
        floor = _run_measured([sys.executable, "-c", _FLOOR, *names], os.devnull)
        rows.append({"row": "floor (orjson.loads)", **floor})
        runs: list[tuple[str, list[str]]] = []
        if not args.no_single:
            runs.append(("replay --json --jobs 1", [*cli, "--jobs", "1", *names]))
        runs.extend(
            (f"replay --json --jobs {jobs}", [*cli, "--jobs", str(jobs), *names])
            for jobs in args.jobs or [2]
        )
        if args.dask:
            runs.append(("replay --json --dask", [*cli, "--dask", *names]))
        digests = set()
        for name, command in runs:
            out = str(directory / "report.json")
            result = _run_measured(command, out)
            digests.add(_digest(out))
            os.unlink(out)
            rows.append({"row": name, **result})
        machine = os.uname()
        print(
            f"# {events:,} events in {len(paths)} file(s), {size / 2**20:,.0f} MiB; "
            f"{os.cpu_count()} cores; load {os.getloadavg()[0]:.2f} at the end; "
            f"{machine.sysname} {machine.release}; {time.strftime('%Y-%m-%d %H:%M')}"
        )
        print(
            f"{'row':<28} {'seconds':>9} {'x floor':>8} {'CPU s':>8} {'CPU x floor':>11} "
            f"{'peak RSS MB':>12} {'caller MB':>10}"
        )
        for row in rows:
            row["x_floor"] = row["seconds"] / floor["seconds"]
            row["cpu_x_floor"] = row["cpu"] / floor["cpu"]
            caller = "-" if row.get("caller_rss") is None else f"{row['caller_rss'] / 2**20:.0f}"
            print(
                f"{row['row']:<28} {row['seconds']:>9.2f} {row['x_floor']:>8.1f} "
                f"{row['cpu']:>8.2f} {row['cpu_x_floor']:>11.1f} "
                f"{row['peak_rss'] / 2**20:>12.0f} {caller:>10}"
            )
        same = len(digests) <= 1
        print(f"# reports identical: {'yes' if same else 'NO'}")
        if args.json:
            args.json.write_text(json.dumps({"rows": rows, "identical": same}, indent=2))
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
