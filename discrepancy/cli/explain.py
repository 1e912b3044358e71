"""``discrepancy explain``: how a proposition got where it stands, and why."""

from __future__ import annotations

import argparse
import difflib
import sys
from typing import Any

from discrepancy.cli._logs import add_log_arguments, load_state
from discrepancy.cli._usage import UsageError
from discrepancy.errors import DiscrepancyError
from discrepancy.events import (
    Claim,
    Confirmation,
    Denial,
    Event,
    Reopening,
    Resolution,
    Retraction,
    Source,
)
from discrepancy.history import timeline
from discrepancy.policy import Learned, PolicyClaim, reasons
from discrepancy.reconcile import ClaimFinding, PropositionFinding, Registry, reconcile
from discrepancy.state import State
from discrepancy.summary import reasons_lines, show_value

_GRADES = {
    1: "independently supported, not contradicted",
    2: "independently supported but contradicted, or backed within its own party",
    3: "neither supported nor contradicted",
    4: "contradicted",
    5: "against the resolution in force, or contradicted by a supported claim",
    6: "its source is not registered",
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "explain",
        help="a proposition's history in recorded order, and why it stands as it does",
        description=(
            "Give the logs first and the proposition last (or use --proposition). Prints "
            "every event touching the proposition in recorded order with the status and "
            "best value after it, then the claims and the rules that decide it now."
        ),
        epilog=("Example:\n  discrepancy explain --example pk-soldiers-killed/2025-10-12-border"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_log_arguments(parser)
    parser.add_argument("--proposition", metavar="P", help="the proposition key")
    parser.add_argument(
        "--policy",
        choices=("spec", "learned"),
        default="spec",
        help="with learned, also say which sources' reliabilities decide the best value",
    )
    parser.set_defaults(func=run)


def describe(event: Event) -> str:
    """One event in words."""
    match event:
        case Claim():
            text = f"claim {event.claim}: {event.source} says {show_value(event.value)}"
            return text + (f" (corrects {event.supersedes})" if event.supersedes else "")
        case Confirmation():
            return f"confirm {event.claim}: by {event.source}"
        case Denial():
            return f"deny {event.claim}: by {event.source}"
        case Retraction():
            return f"retract {event.claim}: by {event.source}"
        case Resolution():
            return f"resolve: {event.analyst} rules {show_value(event.value)} ({event.rationale})"
        case Reopening():
            return f"reopen: {event.analyst} ({event.rationale})"
        case Source():
            return f"source {event.source}"


def _why(claim: ClaimFinding) -> str:
    if not claim.live:
        return f"  {claim.claim} ({claim.source}, {show_value(claim.value)}): not live"
    grade = claim.credibility or 0
    return (
        f"  {claim.claim} ({claim.source}, {show_value(claim.value)}): credibility {grade}, "
        f"{_GRADES.get(grade, '')}"
    )


def _verdict(finding: PropositionFinding) -> list[str]:
    lines = [f"Now {finding.status}, best {show_value(finding.best)}."]
    if finding.resolution is not None:
        lines.append(
            f"Best is the resolution in force by {finding.resolution.analyst} "
            f"(recorded {finding.resolution.recorded_at.text})."
        )
    elif finding.best is not None:
        lines.append(
            "Best is the first live claim in the SPEC order: independently supported first, "
            "then more independent voices behind it (sources sharing a party count once), "
            "better reliability, narrower interval, smaller upper bound, smaller claim id."
        )
    lines.extend(_why(c) for c in finding.claims)
    return lines


def run(args: argparse.Namespace) -> int:
    key = args.proposition
    if key is None:
        if not args.logs:
            raise UsageError("explain needs a PROPOSITION (last argument or --proposition)")
        key = args.logs.pop()
    state = load_state(args, "explain")
    found = reconcile(state).propositions.get(key)
    if found is None:
        close = difflib.get_close_matches(key, list(reconcile(state).propositions), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise DiscrepancyError(f"no proposition {key!r} in these logs{hint}")
    out = [key]
    out.extend(
        f"  {step.event.recorded_at.text}  {describe(step.event)}"
        f"  -> {step.status}, best {show_value(step.best)}"
        for step in timeline(state, key)
    )
    out.append("")
    out.extend(_verdict(found))
    if args.policy == "learned":
        out.extend(_learned(state, key))
    sys.stdout.write("\n".join(out) + "\n")
    return 0


def _learned(state: State, key: str) -> list[str]:
    """Under ``--policy learned``: the best value it picks and the voices that decide it."""
    found = reconcile(state, policy="learned")
    finding = found.propositions[key]
    lines = ["", f"Under the learned policy, best {show_value(finding.best)}."]
    if finding.resolution is not None or len(finding.ranking) < 2:
        return [*lines, "No contest for reliabilities to decide (one live claim, or resolved)."]
    claims = [
        PolicyClaim(c.claim, c.source, key, c.value, c.confirmed_by)
        for c in finding.claims
        if c.live
    ]
    learned = Learned(
        scores={},
        reliability=found.reliability or {},
        evidence=found.evidence or {},
        iterations=0,
        converged=True,
    )
    registry = Registry.of(e for events in state.index().sources.values() for e in events)
    why = reasons(claims, learned, key, ranked=finding.ranking, groups=registry.groups)
    return lines + reasons_lines(why)
