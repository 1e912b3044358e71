"""``discrepancy append``: add events to a durable log, all or none."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import structlog

from discrepancy.codec import decode_line
from discrepancy.durable import EventLog
from discrepancy.errors import LogDecodeError
from discrepancy.events import Event

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
    parser.add_argument("log", metavar="LOG", help="the durable log (created if missing)")
    parser.add_argument("file", nargs="?", metavar="FILE", help="events to add (default: stdin)")
    parser.add_argument(
        "--expected-seq",
        type=int,
        metavar="N",
        help="refuse unless the log ends at seq N (optimistic concurrency)",
    )
    parser.set_defaults(func=run)


def _events(args: argparse.Namespace) -> list[Event]:
    name = args.file or "<stdin>"
    if args.file:
        with open(args.file, "rb") as handle:
            lines = handle.readlines()
    else:
        lines = sys.stdin.buffer.readlines()
    return [
        decode_line(line, path=name, line_no=number)
        for number, line in enumerate(lines, start=1)
        if line.strip()
    ]


def run(args: argparse.Namespace) -> int:
    try:
        events = _events(args)
    except OSError as exc:
        raise LogDecodeError(f"cannot read: {exc.strerror}", path=args.file) from None
    with EventLog.open(args.log) as log:
        seqs = log.append(events, expected_seq=args.expected_seq)
        _log.info("append_finished", log=args.log, events=len(events), seq=log.seq)
    sys.stdout.write("".join(f"{seq}\n" for seq in seqs))
    return 0
