"""``discrepancy verify``: check a durable log's seq and hash chain."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from discrepancy.durable import verify
from discrepancy.errors import LogIntegrityError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="check a durable log line by line; name the first damaged line",
        description=(
            "Recompute every line's seq and SHA-256 chain. Exit 0 with a one-line summary "
            "when the log is intact; exit 1 naming the first broken line and what is "
            'wrong ("torn" for a last line cut short by a crash).'
        ),
        epilog="Example:\n  discrepancy verify claims.log",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("log", metavar="LOG", help="a log written by discrepancy append")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    found = verify(args.log)
    if found.torn_bytes:
        raise LogIntegrityError(
            f"torn ({found.torn_bytes} bytes cut short by a crash; the next append moves "
            "them to a side file)",
            path=args.log,
            line=found.seq + 1,
        )
    sys.stdout.write(
        f"{args.log}: {found.events} events, seq 1..{found.seq}, chain intact "
        f"(head {found.chain[:16]})\n"
    )
    return 0
