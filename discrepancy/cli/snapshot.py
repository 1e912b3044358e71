"""``discrepancy snapshot``: save a durable log's reduced state beside it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from discrepancy.durable import EventLog
from discrepancy.snapshot import SNAPSHOT_SUFFIX, STATE_SNAPSHOT_VERSION


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "snapshot",
        help="save a durable log's reduced state so that replay opens it fast",
        description=(
            "Write LOG.snapshot (or -o PATH): the reconciled input state of the durable "
            f"log LOG (snapshot format version {STATE_SNAPSHOT_VERSION}) with the seq, chain "
            "and byte offset it covers. replay LOG then starts from it and reads only the "
            "lines appended since; a snapshot that no longer matches LOG is passed over. "
            "Written to a new temporary file, fsynced and renamed into place."
        ),
        epilog="Example:\n  discrepancy snapshot claims.log && discrepancy replay claims.log",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("log", metavar="LOG", help="a log written by discrepancy append")
    parser.add_argument(
        "-o", "--output", metavar="PATH", help="where to write it (default: LOG.snapshot)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    target = Path(args.output or f"{args.log}{SNAPSHOT_SUFFIX}")
    default = Path(f"{args.log}{SNAPSHOT_SUFFIX}")
    # Start from the current snapshot if it still matches: only new lines are read.
    with EventLog.open(args.log, snapshot=default if default.is_file() else None) as log:
        log.write_snapshot(target)
        seq, events = log.seq, len(log.state())
    sys.stdout.write(f"{target}: seq {seq}, {events} events\n")
    return 0
