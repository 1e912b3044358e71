"""explain and contradictions on one proposition of many claims.

    python benchmarks/bench_explain.py --claims 10000

The proposition has ``--claims`` claims from ``--sources`` sources (each its
own party, graded A to F in turn), their values drawn from ``--values``
amounts, one confirmation and one denial per 50 claims, two analysts'
resolutions and a reopening. It times the CLI's ``explain`` and
``contradictions`` end to end (reading the log included) and, with
``--plain``, the plain twin of the timeline that reconciles after every
event. Results are printed, and written as JSON with ``--json FILE``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from discrepancy.cli import main as cli
from discrepancy.history import timeline_plain
from discrepancy.logs import read_paths
from discrepancy.state import replay


def _at(n: int) -> str:
    return f"2025-10-{12 + n // 86400:02d}T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z"


def crowd(claims: int, sources: int, values: int, seed: int) -> list[dict[str, Any]]:
    """The events of the benchmark's one proposition, in recorded order."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = [
        {
            "type": "source",
            "id": f"src-{s}",
            "recorded_at": _at(0),
            "source": f"s{s}",
            "name": f"S{s}",
            "parties": [f"party-{s}"],
            "reliability": "ABCDEF"[s % 6],
        }
        for s in range(sources)
    ]
    for n in range(claims):
        t = 1 + n
        cid = f"c{rng.randrange(10 * claims):07d}-{n}"
        out.append(
            {
                "type": "claim",
                "id": f"claim-{n}",
                "recorded_at": _at(t),
                "claim": cid,
                "source": f"s{rng.randrange(sources)}",
                "proposition": "killed",
                "value": 10 * rng.randrange(values),
            }
        )
        if n % 50 == 25:
            kind = "confirm" if n % 100 == 25 else "deny"
            out.append(
                {
                    "type": kind,
                    "id": f"{kind}-{n}",
                    "recorded_at": _at(t),
                    "claim": cid,
                    "proposition": "killed",
                    "source": f"s{rng.randrange(sources)}",
                }
            )
        if n in (claims // 3, claims // 2):
            out.append(
                {
                    "type": "resolve",
                    "id": f"resolve-{n}",
                    "recorded_at": _at(t),
                    "proposition": "killed",
                    "value": 10 * (n % values),
                    "rationale": "r",
                    "analyst": f"analyst-{n % 2}",
                }
            )
        if n == 2 * claims // 3:
            out.append(
                {
                    "type": "reopen",
                    "id": f"reopen-{n}",
                    "recorded_at": _at(t),
                    "proposition": "killed",
                    "rationale": "r",
                    "analyst": "analyst-0",
                }
            )
    return out


def _timed(argv: list[str]) -> float:
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = cli(argv)
    assert code == 0, argv
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--sources", type=int, default=19)
    parser.add_argument("--values", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plain", action="store_true", help="also time the plain twin")
    parser.add_argument("--json", metavar="FILE", help="write the results here")
    args = parser.parse_args(argv)
    rows: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "crowd.jsonl"
        events = crowd(args.claims, args.sources, args.values, args.seed)
        log.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events))
        rows["events"] = len(events)
        rows["explain_seconds"] = _timed(["-q", "explain", str(log), "killed"])
        rows["contradictions_seconds"] = _timed(["-q", "contradictions", str(log)])
        if args.plain:
            state = replay(read_paths([log]))
            started = time.perf_counter()
            timeline_plain(state, "killed")
            rows["plain_timeline_seconds"] = time.perf_counter() - started
    print(f"{args.claims} claims, {rows['events']} events:")
    for name, seconds in rows.items():
        if name.endswith("seconds"):
            print(f"  {name.removesuffix('_seconds'):<16} {seconds:8.3f} s")
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "rows": rows}, indent=2))
    return rows


if __name__ == "__main__":
    main()
