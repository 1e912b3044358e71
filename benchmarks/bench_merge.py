"""The sharded replay's caller against the number of shards: merge rounds or one merge.

    python benchmarks/bench_merge.py --log big.jsonl --shards 12 200 1000

For each number of shards, two rows, each in a fresh process that calls
``write_sharded_report(..., jobs=--jobs, shards=S)``: with merge rounds
(``fan_in=--fan-in``, the library's ``FAN_IN`` by default), and with one merge
of every shard's pieces in the caller (a fan-in above the number of sections:
the behaviour before merge rounds). Each row gives the wall time and the
caller's own peak RSS (``RUSAGE_SELF``; the workers are other processes), and
every report is checked to be byte-identical to the first. Without ``--log``
a log of ``--events`` is generated.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

_ROW = (
    "import hashlib, json, resource, sys, time\n"
    "from discrepancy.shard import write_sharded_report\n"
    "paths, jobs, shards, fan_in = json.loads(sys.argv[1])\n"
    "class Digest:\n"
    "    def __init__(self): self.hash = hashlib.sha256()\n"
    "    def write(self, data): self.hash.update(data); return len(data)\n"
    "    def flush(self): pass\n"
    "out = Digest()\n"
    "started = time.perf_counter()\n"
    "size = write_sharded_report(paths, out, jobs=jobs, shards=shards, fan_in=fan_in)\n"
    "seconds = time.perf_counter() - started\n"
    "rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024\n"
    "print(json.dumps({'seconds': seconds, 'caller_rss': rss, 'bytes': size,\n"
    "                  'sha256': out.hash.hexdigest()}))\n"
)


def _row(paths: list[str], jobs: int, shards: int, fan_in: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _ROW, json.dumps([paths, jobs, shards, fan_in])],
        check=True,
        capture_output=True,
        text=True,
    )
    row: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return row


def _generate(directory: Path, events: int) -> list[str]:
    path = directory / "log.jsonl"
    with path.open("wb") as handle:
        subprocess.run(
            [sys.executable, "-m", "discrepancy", "generate", "--events", str(events)],
            stdout=handle,
            check=True,
        )
    return [str(path)]


def main(argv: list[str] | None = None) -> int:
    from discrepancy.shard import FAN_IN

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", type=Path, action="append", help="use these logs")
    parser.add_argument("--events", type=int, default=20_000, help="else generate this many")
    parser.add_argument("--shards", type=int, nargs="+", default=[12, 200])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--fan-in", type=int, default=FAN_IN)
    parser.add_argument("--json", type=Path, help="write the rows here too")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        paths = [str(p) for p in args.log] if args.log else _generate(Path(directory), args.events)
        rows = []
        for shards in args.shards:
            for name, fan_in in (("rounds", args.fan_in), ("one merge", 2 * shards + 1)):
                row = _row(paths, args.jobs, shards, fan_in)
                rows.append({"shards": shards, "merge": name, "fan_in": fan_in, **row})
    identical = len({row["sha256"] for row in rows}) == 1
    print(f"# {' '.join(paths)}, --jobs {args.jobs}")
    print(f"{'shards':>7} {'merge':<10} {'fan-in':>7} {'seconds':>8} {'caller MB':>10}")
    for row in rows:
        print(
            f"{row['shards']:>7} {row['merge']:<10} {row['fan_in']:>7} "
            f"{row['seconds']:>8.2f} {row['caller_rss'] / 2**20:>10.0f}"
        )
    print(f"# reports identical: {'yes' if identical else 'NO'}")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "identical": identical}, indent=2))
    return 0 if identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
