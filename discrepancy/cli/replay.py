"""``discrepancy replay``: reconcile logs and print the report."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import structlog

from discrepancy.cli._logs import (
    Once,
    add_filter_arguments,
    add_log_arguments,
    filters_given,
    load_state,
    select,
)
from discrepancy.cli._sharded import sharded_replay
from discrepancy.cli._usage import UsageError
from discrepancy.export import flat_csv, write_parquet
from discrepancy.history import withdrawals
from discrepancy.html import html_report
from discrepancy.policy import POLICIES
from discrepancy.reconcile import Reconciliation, reconcile
from discrepancy.reconcile.analysts import disagreements
from discrepancy.report import write_report
from discrepancy.state import State
from discrepancy.summary import summarize

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
        choices=("table", "json", "csv", "html", "parquet"),
        action=Once,
        default=None,
        help="table: a summary for people (default); json: the report of SPEC section 5; "
        "csv: one row per claim, typed columns (docs/export.md); html: a self-contained page "
        "with timeline charts; parquet: the csv rows as Parquet (needs the parquet extra)",
    )
    parser.add_argument(
        "--json",
        dest="json_flag",
        action="store_true",
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
    add_filter_arguments(parser)
    parser.set_defaults(func=run)


def _jobs(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {jobs}")
    return jobs


def check_options(args: argparse.Namespace) -> str:
    """The output format; a usage error naming both options where two contradict."""
    chosen = args.format
    if args.json_flag:
        if chosen not in (None, "json"):
            raise UsageError(f"--json contradicts --format {chosen}; give one of them")
        chosen = "json"
    chosen = chosen or "table"
    given = filters_given(args)
    if given and chosen != "table":
        how = "--json" if args.json_flag else f"--format {chosen}"
        raise UsageError(
            f"{given[0]} filters the summary table; {how} writes every proposition "
            f"(use discrepancy list {given[0]} ... to pick, then replay)"
        )
    return chosen


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    chosen = check_options(args)
    if args.scheduler is not None and not args.dask:
        raise UsageError("--scheduler names a Dask scheduler: use it with --dask")
    if sharded_replay(args, chosen):
        return 0
    state = load_state(args, "replay")
    reconciliation = reconcile(state, policy=args.policy)
    if chosen == "json":
        write_report(
            reconciliation,
            sys.stdout.buffer,
            as_of=args.as_of,
            disagreements=disagreements(state, reconciliation).values(),
        )
    elif chosen == "csv":
        sys.stdout.write(flat_csv(reconciliation, state))
    elif chosen == "html":
        sys.stdout.write(html_report(reconciliation, state))
    elif chosen == "parquet":
        _parquet(reconciliation, state)
    else:
        shown = select(reconciliation, args, state)
        sys.stdout.write(
            summarize(
                reconciliation,
                propositions=shown,
                filtered=bool(filters_given(args)),
                withdrawn=withdrawals(state, shown),
                disagreements=disagreements(state, reconciliation),
            )
        )
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


def _parquet(reconciliation: Reconciliation, state: State) -> None:
    if sys.stdout.isatty():
        raise UsageError("--format parquet writes binary: redirect it to a file")
    try:
        write_parquet(reconciliation, state, sys.stdout.buffer)
    except ImportError as exc:
        raise UsageError(str(exc)) from None
