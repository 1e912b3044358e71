"""``discrepancy generate``: write a realistic, seeded claim log to stdout."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import structlog

from discrepancy.cli._usage import UsageError
from discrepancy.generate import generate_lines
from discrepancy.progress import progress

_log = structlog.get_logger(__name__)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="write a deterministic synthetic claim log (JSON Lines) to stdout",
        description=(
            "Write a realistic claim log: the same --seed always gives the same bytes, "
            "and memory stays flat however many events are asked for."
        ),
        epilog="Example:\n  discrepancy generate --events 1000000 --seed 1 > log.jsonl",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--events", type=int, required=True, metavar="N", help="lines to write")
    parser.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (1)")
    parser.add_argument("--sources", type=int, default=200, metavar="K", help="sources (200)")
    parser.add_argument("--parties", type=int, default=40, metavar="P", help="parties (40)")
    parser.add_argument(
        "--giants",
        type=int,
        default=0,
        metavar="G",
        help="heavy-tailed sizes: half of the claims go to one of G giant propositions (0)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.events < 0 or args.sources < 1 or args.parties < 1 or args.giants < 0:
        raise UsageError("--events and --giants must be >= 0, --sources and --parties >= 1")
    started = time.perf_counter()
    out = sys.stdout.buffer
    with progress(args.events, "generate") as bar:
        batch: list[bytes] = []
        for line in generate_lines(
            args.events, args.seed, sources=args.sources, parties=args.parties, giants=args.giants
        ):
            batch.append(line)
            if len(batch) == 10_000:
                out.write(b"".join(batch))
                bar.advance(len(batch))
                batch.clear()
        out.write(b"".join(batch))
        bar.advance(len(batch))
    out.flush()
    _log.info(
        "generate_finished", events=args.events, seconds=round(time.perf_counter() - started, 3)
    )
    return 0
