"""``discrepancy contradictions``: the open contradictions, and since when."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from discrepancy.cli._logs import add_log_arguments, load_state
from discrepancy.events import Denial
from discrepancy.history import kept_events, open_since, timelines
from discrepancy.reconcile import reconcile
from discrepancy.reconcile.analysts import disagreements
from discrepancy.summary import disagreement_text, show_value


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "contradictions",
        help="only the open contradictions: claims in conflict, denials, open since",
        description=(
            "One block per contested proposition: the live claims in conflict with their "
            "source and credibility, the denials, and the recorded time from which it has "
            "been contested without a break; then one block per proposition whose "
            "resolution in force overrules another analyst's incompatible one."
        ),
        epilog="Example:\n  discrepancy contradictions --example",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_log_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    state = load_state(args, "contradictions")
    rec = reconcile(state)
    disagree = disagreements(state, rec)
    if not rec.contradictions and not disagree:
        sys.stdout.write("no open contradictions\n")
        return 0
    denials = {e.id: e for e in kept_events(state) if isinstance(e, Denial)}
    histories = timelines(state, [c.proposition for c in rec.contradictions])
    blocks = []
    for contradiction in rec.contradictions:
        finding = rec.propositions[contradiction.proposition]
        since = open_since(histories[contradiction.proposition])
        lines = [
            f"{contradiction.proposition}"
            + (f"  (open since {since.recorded_at.text})" if since else "")
        ]
        in_conflict = set(contradiction.claims)
        lines.extend(
            f"  {c.claim}: {c.source} says {show_value(c.value)} [credibility {c.credibility}]"
            for c in finding.claims
            if c.claim in in_conflict
        )
        for denial_id in contradiction.denials:
            denial = denials[denial_id]
            lines.append(f"  denial {denial_id}: {denial.source} denies {denial.claim}")
        if contradiction.proposition in disagree:
            lines.append(f"  {disagreement_text(disagree[contradiction.proposition])}")
        blocks.append("\n".join(lines))
    contested = {c.proposition for c in rec.contradictions}
    blocks.extend(
        f"{key}  (resolved)\n  {disagreement_text(found)}"
        for key, found in disagree.items()
        if key not in contested
    )
    sys.stdout.write("\n\n".join(blocks) + "\n")
    return 0
