"""``discrepancy explain``: how a proposition got where it stands, and why."""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Callable, Mapping
from typing import Any

from discrepancy.cli._logs import Once, add_log_arguments, load_state, source_parties
from discrepancy.cli._reasons import best_text, grade_text
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
    Timestamp,
)
from discrepancy.history import Withdrawal, timeline, withdrawals
from discrepancy.policy import Learned, PolicyClaim, reasons
from discrepancy.reconcile import ClaimFinding, PropositionFinding, Registry, reconcile
from discrepancy.reconcile.analysts import Disagreement, disagreements
from discrepancy.reconcile.reasons import GradeReason
from discrepancy.reconcile.reasons import explain as explain_reasons
from discrepancy.state import State
from discrepancy.summary import disagreement_text, reasons_lines, show_value, withdrawal_text


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
    parser.add_argument("--proposition", metavar="P", action=Once, help="the proposition key")
    parser.add_argument(
        "--utc",
        action="store_true",
        help="print every time in UTC (default: as recorded, with its own offset)",
    )
    parser.add_argument(
        "--policy",
        choices=("spec", "learned"),
        default="spec",
        help="with learned, also say which sources' reliabilities decide the best value",
    )
    parser.set_defaults(func=run)


def utc_text(moment: Timestamp) -> str:
    """``moment`` written in UTC: ``2025-10-12T04:00:00Z`` (its fraction kept)."""
    key = moment.key  # YYYYMMDDHHMMSS.fraction
    whole, fraction = key.split(".", 1)
    text = f"{whole[:4]}-{whole[4:6]}-{whole[6:8]}T{whole[8:10]}:{whole[10:12]}:{whole[12:14]}"
    return text + (f".{fraction}" if fraction else "") + "Z"


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
            parties = ", ".join(event.parties) or "no party"
            grade = f", reliability {event.reliability}" if event.reliability else ""
            return f"source {event.source} registered ({parties}{grade})"


def _why(
    claim: ClaimFinding,
    claims: Mapping[str, ClaimFinding],
    withdrawn: Mapping[str, Withdrawal],
    reasons: Mapping[str, GradeReason],
    parties: Mapping[str, frozenset[str]],
) -> str:
    head = f"  {claim.claim} ({claim.source}, {show_value(claim.value)})"
    if not claim.live:
        return f"{head}: {withdrawal_text(withdrawn.get(claim.claim))}"
    reason = reasons.get(claim.claim)
    if reason is None:  # pragma: no cover - the reasons cover every live claim
        return f"{head}: grade {claim.credibility}"
    return f"{head}: {grade_text(reason, claims, parties)}"


def _verdict(
    finding: PropositionFinding,
    state: State,
    disagreement: Disagreement | None,
    when: Callable[[Timestamp], str],
) -> list[str]:
    lines = [f"Now {finding.status}, best {show_value(finding.best)}."]
    reasons = explain_reasons(state, finding.proposition)
    if finding.resolution is not None:
        lines.append(
            f"Best is the resolution in force (event {finding.resolution.id}) by "
            f"{finding.resolution.analyst}, recorded {when(finding.resolution.recorded_at)}."
        )
        if disagreement is not None:
            text = disagreement_text(disagreement, when)
            lines.append(text[0].upper() + text[1:] + ".")
    elif reasons is not None:
        lines.append(best_text(reasons.best, None))
    grades = {} if reasons is None else {r.claim: r for r in reasons.grades}
    parties = source_parties(state) if grades else {}
    withdrawn = withdrawals(state, [finding])
    claims = {c.claim: c for c in finding.claims}
    lines.extend(_why(c, claims, withdrawn, grades, parties) for c in finding.claims)
    return lines


def _proposition_key(args: argparse.Namespace) -> str:
    """The proposition asked about; a usage error naming what is missing."""
    if args.proposition is not None:
        return str(args.proposition)
    if not args.logs or (len(args.logs) == 1 and not args.example):
        given = f" (only {args.logs[0]!r} was given, taken as the LOG)" if args.logs else ""
        raise UsageError("explain needs a PROPOSITION after the LOGs, or --proposition P" + given)
    return str(args.logs.pop())


def run(args: argparse.Namespace) -> int:
    key = _proposition_key(args)
    state = load_state(args, "explain")
    rec = reconcile(state)
    found = rec.propositions.get(key)
    if found is None:
        close = difflib.get_close_matches(key, list(rec.propositions), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise DiscrepancyError(f"no proposition {key!r} in these logs{hint}")
    when: Callable[[Timestamp], str] = utc_text if args.utc else (lambda t: t.text)
    out = [key]
    out.extend(
        f"  {when(step.event.recorded_at)}  {describe(step.event)}"
        f"  -> {step.status}, best {show_value(step.best)}"
        for step in timeline(state, key)
    )
    out.append("")
    out.extend(_verdict(found, state, disagreements(state, rec).get(key), when))
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
    registry = Registry.of(state.registrations())
    why = reasons(claims, learned, key, ranked=finding.ranking, groups=registry.groups)
    return lines + reasons_lines(why)
