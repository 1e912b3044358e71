"""A readable text summary of a reconciliation, for a person at a terminal.

Contested propositions come first, then the others grouped by status, each
with every claim: who made it, its credibility, whether it is contradicted,
and for a claim no longer live whether it was retracted or corrected and by
what; analysts who disagree are named; the anomalies come last. Pure: it
returns a string.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

import orjson

from discrepancy.policy import Reasons
from discrepancy.reconcile import (
    STATUSES,
    ClaimFinding,
    PropositionFinding,
    Reconciliation,
)
from discrepancy.values import Value, value_to_json

if TYPE_CHECKING:
    from discrepancy.events import Timestamp
    from discrepancy.history import Withdrawal
    from discrepancy.reconcile.analysts import Disagreement


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``1 proposition``, ``2 propositions``, ``0 anomalies``."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def with_article(word: str) -> str:
    """``an amount``, ``a flag``: the indefinite article a word takes."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def show_value(value: Value | None) -> str:
    """A value as a person reads it: ``58``, ``at least 23``, ``23 to 58``, ``yes``."""
    if value is None:
        return "-"
    raw = value_to_json(value)
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    if isinstance(raw, dict):
        low, high = raw.get("min"), raw.get("max")
        if low is not None and high is not None:
            return f"{low} to {high}"
        return f"at least {low}" if low is not None else f"at most {high}"
    if isinstance(raw, str):
        return orjson.dumps(raw).decode()
    return str(raw)


def _estimate(finding: PropositionFinding) -> str:
    text = f"best {show_value(finding.best)}"
    if finding.kind == "amount" and finding.claims:
        low = "?" if finding.low is None else finding.low
        high = "?" if finding.high is None else finding.high
        text += f" (range {low} to {high})"
    if finding.resolution is not None:
        text += f", resolved by {finding.resolution.analyst}"
    return text


def withdrawal_text(withdrawal: Withdrawal | None) -> str:
    """``withdrawn: retracted (event r1)``, ``withdrawn: corrected by claim c5``."""
    if withdrawal is None:
        return "withdrawn"
    how = []
    if withdrawal.retracted_by is not None:
        how.append(f"retracted (event {withdrawal.retracted_by})")
    if withdrawal.corrected_by is not None:
        how.append(f"corrected by claim {withdrawal.corrected_by}")
    return "withdrawn: " + " and ".join(how)


def disagreement_text(
    disagreement: Disagreement, when: Callable[[Timestamp], str] = lambda t: t.text
) -> str:
    """One line saying which analyst overruled whom, with both values."""
    now, before = disagreement.in_force, disagreement.replaced
    return (
        f"analysts disagree: {now.analyst} rules {show_value(now.value)} "
        f"(event {now.id}, {when(now.recorded_at)}), replacing {before.analyst}'s "
        f"{show_value(before.value)} (event {before.id})"
    )


def _claim_line(claim: ClaimFinding, withdrawn: Mapping[str, Withdrawal]) -> str:
    if claim.live:
        grade = f"credibility {claim.credibility}"
        if claim.contradicted:
            grade += ", contradicted"
    else:
        grade = withdrawal_text(withdrawn.get(claim.claim))
    line = f"    {claim.claim}: {claim.source} says {show_value(claim.value)} [{grade}]"
    if claim.confirmed_by:
        line += f"; confirmed by {', '.join(claim.confirmed_by)}"
    if claim.denied_by:
        line += f"; denied by {', '.join(claim.denied_by)}"
    return line


def reasons_lines(why: Reasons) -> list[str]:
    """The learned policy's reasons for one proposition (``discrepancy.policy.reasons``)."""
    lines = []
    for backing in why.values:
        voices = ", ".join(
            f"{v.source} ({v.reliability:.2f} on {v.claims} claims, weight {v.weight:.2f}"
            + (f", with {', '.join(v.allies)}" if v.allies else "")
            + ")"
            for v in backing.voices
        )
        lines.append(f"  {show_value(backing.value)}: score {backing.score:.2f} from {voices}")
    if why.decisive:
        lines.append(
            "Decided by "
            + ", ".join(
                f"{v.source} ({v.reliability:.2f} on {v.claims} claims)" for v in why.decisive
            )
            + f": their weight alone beats the runner-up (margin {why.margin:.2f})."
        )
    elif len(why.values) > 1:
        lines.append("No weight decides: the tie goes to the SPEC order.")
    return lines


def summarize(
    reconciliation: Reconciliation,
    *,
    statuses: Iterable[str] = STATUSES,
    propositions: Iterable[PropositionFinding] | None = None,
    filtered: bool = False,
    withdrawn: Mapping[str, Withdrawal] | None = None,
    disagreements: Mapping[str, Disagreement] | None = None,
) -> str:
    """The summary text, ending in a newline.

    ``propositions`` (default: all) and ``statuses`` pick what is shown;
    ``filtered`` says some were left out on purpose (the anomalies are then
    not listed). ``withdrawn`` says why claims are not live
    (:func:`discrepancy.history.withdrawals`), ``disagreements`` which
    analysts disagree (:func:`discrepancy.reconcile.analysts.disagreements`).
    """
    wanted = set(statuses)
    withdrawn = withdrawn or {}
    disagreements = disagreements or {}
    by_status: dict[str, list[PropositionFinding]] = {s: [] for s in STATUSES}
    chosen = reconciliation.propositions.values() if propositions is None else propositions
    for finding in chosen:
        by_status[finding.status].append(finding)
    lines = [
        f"{counted(reconciliation.events, 'event')}, "
        f"{counted(len(reconciliation.propositions), 'proposition')}, "
        f"{len(reconciliation.contradictions)} contested, "
        f"{counted(len(reconciliation.anomalies), 'anomaly', 'anomalies')}"
    ]
    shown = sum(len(g) for s, g in by_status.items() if s in wanted)
    if filtered and shown < len(reconciliation.propositions):
        lines[0] += f"; {shown} shown"
    for status in STATUSES:
        group = by_status[status]
        if status not in wanted or not group:
            continue
        lines.append("")
        lines.append(f"{status.upper()} ({len(group)})")
        for finding in group:
            lines.append(f"  {finding.proposition}: {_estimate(finding)}")
            found = disagreements.get(finding.proposition)
            if found is not None:
                lines.append(f"    {disagreement_text(found)}")
            lines.extend(_claim_line(c, withdrawn) for c in finding.claims)
    if reconciliation.reliability is not None:
        lines.append("")
        lines.append(f"RELIABILITY ({reconciliation.policy}; on how many claims it rests)")
        claims = reconciliation.evidence or {}
        lines.extend(
            f"  {source}: {score:.3f} on {claims.get(source, 0)} claims"
            for source, score in sorted(reconciliation.reliability.items())
        )
    if reconciliation.anomalies and not filtered and wanted == set(STATUSES):
        lines.append("")
        lines.append(f"ANOMALIES ({len(reconciliation.anomalies)})")
        lines.extend(f"  {a.kind} {a.event}: {a.detail}" for a in reconciliation.anomalies)
    return "\n".join(lines) + "\n"


CSV_COLUMNS = (
    "proposition",
    "status",
    "best",
    "low",
    "high",
    "claim",
    "source",
    "value",
    "live",
    "credibility",
)


def claims_csv(reconciliation: Reconciliation) -> str:
    """One row per claim (values as their JSON text), with its proposition's state."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)

    def cell(value: Value | None) -> str:
        return "" if value is None else orjson.dumps(value_to_json(value)).decode()

    for finding in reconciliation.propositions.values():
        for claim in finding.claims:
            writer.writerow(
                (
                    finding.proposition,
                    finding.status,
                    cell(finding.best),
                    "" if finding.low is None else finding.low,
                    "" if finding.high is None else finding.high,
                    claim.claim,
                    claim.source,
                    cell(claim.value),
                    "true" if claim.live else "false",
                    "" if claim.credibility is None else claim.credibility,
                )
            )
    return out.getvalue()
