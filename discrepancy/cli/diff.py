"""``discrepancy diff``: what changed in the reconciled state between two times."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from discrepancy.cli._logs import Once, add_log_arguments, check_timestamp, load_state
from discrepancy.cli._usage import UsageError
from discrepancy.events import instant_key
from discrepancy.history import diff
from discrepancy.summary import show_value


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "diff",
        help="what changed between two recorded times",
        description=(
            "Compare the reconciled state as of --from and as of --to: new claims, status "
            "changes, contradictions opened and closed, best values moved."
        ),
        epilog=(
            "Example:\n"
            "  discrepancy diff --example --from 2025-10-12T10:00:00Z --to 2025-10-12T20:00:00Z"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_log_arguments(parser, as_of=False)
    parser.add_argument(
        "--from",
        dest="start",
        required=True,
        metavar="T1",
        action=Once,
        help="the earlier moment (RFC 3339 with offset)",
    )
    parser.add_argument(
        "--to",
        dest="end",
        required=True,
        metavar="T2",
        action=Once,
        help="the later moment, not before T1",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    check_timestamp("--from", args.start)
    check_timestamp("--to", args.end)
    if instant_key(args.end) < instant_key(args.start):
        raise UsageError(f"--to {args.end} is earlier than --from {args.start}; swap them")
    state = load_state(args, "diff")
    lines = []
    for change in diff(state, args.start, args.end):
        head = change.proposition
        if change.opened:
            head += "  [contradiction opened]"
        elif change.closed:
            head += "  [contradiction closed]"
        lines.append(head)
        if change.status[0] != change.status[1]:
            lines.append(f"  status: {change.status[0] or 'absent'} -> {change.status[1]}")
        if change.best[0] != change.best[1]:
            lines.append(f"  best: {show_value(change.best[0])} -> {show_value(change.best[1])}")
        if change.new_claims:
            lines.append(f"  new claims: {', '.join(change.new_claims)}")
    sys.stdout.write("\n".join(lines) + "\n" if lines else "no changes\n")
    return 0
