"""``discrepancy list``: one line per proposition, filterable."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from discrepancy.cli._logs import add_filter_arguments, add_log_arguments, load_state, select
from discrepancy.events import Event, Source
from discrepancy.history import kept_events
from discrepancy.reconcile import reconcile
from discrepancy.summary import show_value

COLUMNS = ("proposition", "status", "best", "claims", "last change")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "list",
        help="one line per proposition: status, best, claim count, last change",
        description=(
            "One line per proposition, in key order: its status, best value, the number of "
            "claims and the recorded time of the latest event naming it. The filters "
            "narrow the list; all given must hold."
        ),
        epilog=(
            "Examples:\n"
            "  discrepancy list --example\n"
            "  discrepancy list --example --status contested --party taliban\n"
            "  discrepancy list --proposition 'pk-*' claims.jsonl"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_log_arguments(parser)
    add_filter_arguments(parser)
    parser.set_defaults(func=run)


def _last_change(events: list[Event]) -> dict[str, str]:
    """Proposition key -> the recorded time of the latest event naming it."""
    latest: dict[str, Event] = {}
    for event in events:
        if isinstance(event, Source):
            continue
        seen = latest.get(event.proposition)
        if seen is None or event.order > seen.order:
            latest[event.proposition] = event
    return {key: event.recorded_at.text for key, event in latest.items()}


def run(args: argparse.Namespace) -> int:
    state = load_state(args, "list")
    rec = reconcile(state)
    chosen = select(rec, args, state)
    if not chosen:
        sys.stdout.write("no propositions\n")
        return 0
    last = _last_change(kept_events(state))
    rows = [
        (
            f.proposition,
            f.status,
            show_value(f.best),
            str(len(f.claims)),
            last.get(f.proposition, "-"),
        )
        for f in chosen
    ]
    widths = [max(len(r[i]) for r in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [COLUMNS, *rows]
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0
