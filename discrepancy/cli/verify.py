"""``discrepancy verify``: check a durable log's seq, hash chain and canonical form."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from discrepancy.cli._usage import UsageError
from discrepancy.durable import verify
from discrepancy.errors import LogIntegrityError

_CHAIN = re.compile(r"[0-9a-f]{64}")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="check a durable log line by line; name the first damaged line",
        description=(
            "Recompute every line's seq and SHA-256 chain and check that each line is "
            "exactly its canonical bytes plus seq and chain. Exit 0 printing the full "
            "64-character head chain when the log is intact; exit 1 naming the first "
            'broken line and what is wrong ("torn" for a last line cut short by a crash). '
            "Lines deleted from the end, or a chain rewritten from some line on, cannot be "
            "seen from the log alone: keep the head elsewhere and check it with --head."
        ),
        epilog=(
            "Examples:\n"
            "  discrepancy verify claims.log\n"
            "  discrepancy verify claims.log --head 3f2a...e9 (a head printed earlier)\n"
            "  discrepancy verify claims.log --from 1000001 (lines before it verified earlier)"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("log", metavar="LOG", help="a log written by discrepancy append, or -")
    parser.add_argument(
        "--head",
        metavar="CHAIN",
        help="fail unless some line of the log carries CHAIN (a head kept elsewhere): "
        "catches lost trailing lines and rewritten chains",
    )
    parser.add_argument(
        "--from",
        dest="from_seq",
        type=int,
        metavar="SEQ",
        help="check only lines SEQ.. , trusting the chain recorded on line SEQ-1 "
        "(verified earlier, e.g. against --head)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.head is not None and not _CHAIN.fullmatch(args.head):
        raise UsageError("--head: expected 64 lowercase hex characters")
    if args.from_seq is not None and args.from_seq < 1:
        raise UsageError("--from: expected a seq of 1 or more")
    found = verify(args.log, from_seq=args.from_seq, head=args.head)
    if found.torn_bytes:
        raise LogIntegrityError(
            f"torn ({found.torn_bytes} bytes cut short by a crash; the next append moves "
            "them to a side file)",
            path=found.path,
            line=found.seq + 1,
        )
    if args.head is not None and found.head_seq is None:
        raise LogIntegrityError(
            f"no line carries the head {args.head}: lines were lost from the end or the "
            "chain was rewritten",
            path=found.path,
            line=found.seq,
        )
    first = args.from_seq or 1
    kept = "" if found.head_seq is None else f", holds head at seq {found.head_seq}"
    sys.stdout.write(
        f"{found.path}: {found.events - first + 1} events, seq {first}..{found.seq}, "
        f"chain intact{kept} (head {found.chain})\n"
    )
    return 0
