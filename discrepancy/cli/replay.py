"""``discrepancy replay``: reconcile logs and print the report."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from importlib.resources import as_file, files
from typing import Any

import structlog

from discrepancy.errors import UsageError
from discrepancy.events import Event, instant_key
from discrepancy.logs import read_paths
from discrepancy.policy import POLICIES
from discrepancy.progress import Progress, progress
from discrepancy.reconcile import STATUSES, reconcile
from discrepancy.report import dumps, report
from discrepancy.state import replay
from discrepancy.summary import summarize

EXAMPLE = "border_clash.jsonl"

_log = structlog.get_logger(__name__)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "replay",
        help="reconcile event logs and print the reconciled state",
        description=(
            "Reconcile the union of the logs' events (SPEC section 4) and print a summary, "
            "or with --json the report of SPEC section 5."
        ),
        epilog=(
            "Examples:\n"
            "  discrepancy replay --example\n"
            "  discrepancy replay --json claims.jsonl more-claims.jsonl\n"
            "  discrepancy replay --as-of 2025-10-12T18:00:00+05:00 claims.jsonl"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("logs", nargs="*", metavar="LOG", help="JSON Lines event logs")
    parser.add_argument(
        "--example",
        action="store_true",
        help="replay the bundled border-clash example log (with or instead of LOG)",
    )
    parser.add_argument("--json", action="store_true", help="print the JSON report of SPEC 5")
    parser.add_argument(
        "--as-of",
        metavar="T",
        help="only events recorded at or before T (RFC 3339 with offset)",
    )
    parser.add_argument(
        "--policy",
        choices=POLICIES,
        default="spec",
        help="how best values are chosen: spec (SPEC section 4, the default), "
        "learned (learned source reliability) or majority (majority vote)",
    )
    parser.add_argument(
        "--status",
        action="append",
        choices=STATUSES,
        help="in the summary, show only propositions of this status (repeatable)",
    )
    parser.set_defaults(func=run)


def _counted(events: Iterator[Event], bar: Progress) -> Iterator[Event]:
    """``events``, counted on the progress bar in chunks (cheap per event)."""
    chunk = 0
    for event in events:
        yield event
        chunk += 1
        if chunk == 16384:
            bar.advance(chunk)
            chunk = 0
    bar.advance(chunk)


def run(args: argparse.Namespace) -> int:
    if not args.logs and not args.example:
        raise UsageError("replay needs at least one LOG, or --example")
    if args.as_of is not None:
        try:
            instant_key(args.as_of)
        except ValueError as exc:
            raise UsageError(f"--as-of: {exc}") from None
    started = time.perf_counter()
    with as_file(files("discrepancy") / "examples" / EXAMPLE) as example:
        paths = [*args.logs, *([example] if args.example else [])]
        with progress(None, "replay") as bar:
            state = replay(_counted(read_paths(paths, as_of=args.as_of), bar))
    reconciliation = reconcile(state, policy=args.policy)
    if args.json:
        sys.stdout.buffer.write(dumps(report(reconciliation, as_of=args.as_of)))
    else:
        sys.stdout.write(summarize(reconciliation, statuses=args.status or STATUSES))
    sys.stdout.flush()
    _log.info(
        "replay_finished",
        events=reconciliation.events,
        propositions=len(reconciliation.propositions),
        contradictions=len(reconciliation.contradictions),
        anomalies=len(reconciliation.anomalies),
        policy=args.policy,
        seconds=round(time.perf_counter() - started, 3),
    )
    return 0
