"""Cost per event of busy propositions: replay + reconcile of one proposition of N claims.

Shapes (each at every size given by ``--sizes``):

* ``distinct``: N claims of N different exact values from N/10 sources;
* ``nested``: N intervals each inside the previous one, from N/10 sources;
* ``crowd``: N claims of 40 distinct values and N/2 confirmations, from 400
  sources whose parties overlap in chains (so groups merge);
* ``one-claim``: N propositions of one claim each (the baseline of a quiet log);
* ``variants``: one event id written with N different contents.

Each row times log lines to report bytes (decode, replay, reconcile, report),
as ``discrepancy replay --json`` does, and prints one JSON object: per shape
and size, seconds and microseconds per event.
The per-event cost of a shape should stay flat as N grows (n log n at worst).

    python benchmarks/bench_proposition.py --sizes 10000 50000 200000
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import orjson

from discrepancy.codec import decode_line
from discrepancy.collector import paused_gc
from discrepancy.reconcile import reconcile
from discrepancy.report import dumps, report
from discrepancy.state import replay

T0 = "2025-10-12T08:00:00Z"


def _sources(count: int, parties: Callable[[int], list[str]]) -> Iterator[dict[str, Any]]:
    for i in range(count):
        yield {
            "type": "source",
            "id": f"src{i}",
            "recorded_at": T0,
            "source": f"s{i}",
            "name": f"S{i}",
            "parties": parties(i),
            "reliability": "ABCDEF"[i % 6],
        }


def _claim(i: int, source: int, value: Any, proposition: str = "p") -> dict[str, Any]:
    return {
        "type": "claim",
        "id": f"e{i}",
        "recorded_at": f"2025-10-12T{8 + i % 12:02d}:00:00Z",
        "claim": f"c{i}",
        "source": f"s{source}",
        "proposition": proposition,
        "value": value,
    }


def distinct(n: int) -> list[dict[str, Any]]:
    senders = max(1, n // 10)
    return [
        *_sources(senders, lambda i: [f"party{i}"]),
        *(_claim(i, i % senders, i) for i in range(n)),
    ]


def nested(n: int) -> list[dict[str, Any]]:
    senders = max(1, n // 10)
    return [
        *_sources(senders, lambda i: [f"party{i}"]),
        *(_claim(i, i % senders, {"min": -n + i, "max": n - i}) for i in range(n)),
    ]


def crowd(n: int) -> list[dict[str, Any]]:
    # Source i carries parties i // 3 and i // 3 + 1: chains join many sources.
    objects = [*_sources(400, lambda i: [f"bloc{i // 7}", f"bloc{i // 7 + 1}"][: 1 + i % 2])]
    objects += [_claim(i, i % 400, i % 40) for i in range(n)]
    objects += [
        {
            "type": "confirm",
            "id": f"k{j}",
            "recorded_at": T0,
            "claim": f"c{(j * 7919) % n}",
            "proposition": "p",
            "source": f"s{(j * 31) % 400}",
        }
        for j in range(n // 2)
    ]
    return objects


def one_claim(n: int) -> list[dict[str, Any]]:
    senders = max(1, n // 10)
    return [
        *_sources(senders, lambda i: [f"party{i}"]),
        *(_claim(i, i % senders, i, proposition=f"p{i}") for i in range(n)),
    ]


def variants(n: int) -> list[dict[str, Any]]:
    return [
        *_sources(1, lambda i: []),
        *({**_claim(i, 0, i), "id": "same"} for i in range(n)),
    ]


SHAPES: dict[str, Callable[[int], list[dict[str, Any]]]] = {
    "distinct": distinct,
    "nested": nested,
    "crowd": crowd,
    "one-claim": one_claim,
    "variants": variants,
}


def measure(lines: list[bytes]) -> float:
    """Seconds from log lines to report bytes: what ``discrepancy replay --json`` does."""
    with paused_gc():
        started = time.perf_counter()
        dumps(report(reconcile(replay(decode_line(line) for line in lines))))
        return time.perf_counter() - started


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 200_000])
    parser.add_argument("--shapes", nargs="+", choices=sorted(SHAPES), default=list(SHAPES))
    args = parser.parse_args(argv)
    rows: dict[str, dict[str, float]] = {}
    for shape in args.shapes:
        for size in args.sizes:
            lines = [orjson.dumps(obj) for obj in SHAPES[shape](size)]
            seconds = measure(lines)
            rows[f"{shape}-{size}"] = {
                "events": len(lines),
                "seconds": round(seconds, 6),
                "us_per_event": round(seconds / len(lines) * 1e6, 2),
            }
            print(shape, size, rows[f"{shape}-{size}"], file=sys.stderr)
    result = {"rows": rows}
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
