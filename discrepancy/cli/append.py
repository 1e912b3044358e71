"""``discrepancy append``: add events to a durable log, all or none."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import structlog

from discrepancy.durable import EventLog
from discrepancy.reading import read_events

_log = structlog.get_logger(__name__)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "append",
        help="append JSON Lines events to a durable, hash-chained log (all or none)",
        description=(
            "Append the events of FILE (or standard input) to the durable log LOG as one "
            "batch: checked against the log first, so an event that would create an "
            "anomaly refuses the whole batch and nothing is written. Prints the seq of "
            "each event; an event already in the log keeps its seq."
        ),
        epilog=(
            "Examples:\n"
            "  discrepancy append claims.log new-events.jsonl\n"
            "  printf '%s\\n' \"$EVENT\" | discrepancy append claims.log"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "log", metavar="LOG", help="the durable log (created if missing; never a symbolic link)"
    )
    parser.add_argument(
        "file", nargs="?", metavar="FILE", help="events to add (default or -: standard input)"
    )
    parser.add_argument(
        "--expected-seq",
        type=int,
        metavar="N",
        help="refuse unless the log ends at seq N (optimistic concurrency)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # The same reading path as replay: a BOM, a pipe or `-` read alike.
    events = list(read_events(args.file or "-"))
    with EventLog.open(args.log) as log:
        seqs = log.append(events, expected_seq=args.expected_seq)
        _log.info("append_finished", log=args.log, events=len(events), seq=log.seq)
    sys.stdout.write("".join(f"{seq}\n" for seq in seqs))
    return 0
