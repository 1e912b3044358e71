"""``discrepancy replay``: reconcile logs and print the report."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import structlog

from discrepancy.cli._logs import add_log_arguments, load_state
from discrepancy.cli._sharded import sharded_replay
from discrepancy.cli._usage import UsageError
from discrepancy.policy import POLICIES
from discrepancy.reconcile import STATUSES, reconcile
from discrepancy.report import write_report
from discrepancy.summary import claims_csv, summarize

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
    add_log_arguments(parser)
    parser.add_argument(
        "--format",
        choices=("table", "json", "csv"),
        default="table",
        help="table: a summary for people (default); json: the report of SPEC section 5; "
        "csv: one row per claim",
    )
    parser.add_argument(
        "--json",
        dest="format",
        action="store_const",
        const="json",
        help="the same as --format json",
    )
    parser.add_argument(
        "--policy",
        choices=POLICIES,
        default="spec",
        help="how best values are chosen: spec (SPEC section 4, the default), "
        "learned (learned source reliability) or majority (majority vote)",
    )
    parser.add_argument(
        "--jobs",
        type=_jobs,
        metavar="N",
        help="worker processes for the sharded JSON report (default: every core; 1: "
        "replay in one process). Without --jobs, logs under 32 MB are replayed in one "
        "process; --jobs N with N > 1 always shards",
    )
    parser.add_argument(
        "--dask",
        action="store_true",
        help="replay on Dask: a local cluster of this machine's cores, or the scheduler "
        "named by --scheduler (needs the dask extra)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --dask, the Dask scheduler to use, e.g. tcp://10.0.0.5:8786",
    )
    parser.add_argument(
        "--status",
        action="append",
        choices=STATUSES,
        help="in the summary, show only propositions of this status (repeatable)",
    )
    parser.set_defaults(func=run)


def _jobs(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {jobs}")
    return jobs


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    if args.scheduler is not None and not args.dask:
        raise UsageError("--scheduler names a Dask scheduler: use it with --dask")
    if sharded_replay(args):
        return 0
    state = load_state(args, "replay")
    reconciliation = reconcile(state, policy=args.policy)
    if args.format == "json":
        write_report(reconciliation, sys.stdout.buffer, as_of=args.as_of)
    elif args.format == "csv":
        sys.stdout.write(claims_csv(reconciliation))
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
