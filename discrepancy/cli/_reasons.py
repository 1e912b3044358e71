"""The words of ``explain``: structured reasons (:mod:`discrepancy.reconcile.reasons`)
rendered as sentences for a person."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from discrepancy.reconcile import ClaimFinding
from discrepancy.reconcile.reasons import BestReason, GradeReason, Standing
from discrepancy.summary import show_value
from discrepancy.values import compatible


def _names(items: Sequence[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _shared(source: str, other: str, parties: Mapping[str, frozenset[str]]) -> str:
    common = sorted(parties.get(source, frozenset()) & parties.get(other, frozenset()))
    return f"{other}, which shares party {_names(common)} with the claimant" if common else other


def grade_text(
    reason: GradeReason,
    claims: Mapping[str, ClaimFinding],
    parties: Mapping[str, frozenset[str]],
) -> str:
    """``grade 2: confirmed by X, which shares party P with the claimant``.

    ``claims`` maps the proposition's claim ids to their findings.
    """
    me = claims[reason.claim]
    deniers = [s for s in reason.sources if s in me.denied_by]
    backers = [s for s in reason.sources if s not in me.denied_by]
    rivals = [c for c in reason.claims if c in claims and _against(claims[c], me)]
    behind = [c for c in reason.claims if c in claims and c not in rivals]
    head = f"grade {reason.grade}: "
    match reason.rule:
        case "unregistered":
            return head + f"its source {reason.source} is not registered"
        case "against-ruling":
            return head + f"against the resolution in force (event {_names(reason.claims)})"
        case "against-supported":
            return head + (
                f"incompatible with independently supported claim {_names(reason.claims)}, "
                "and not itself independently supported"
            )
        case "supported":
            return (
                head + f"independently supported by {_support(backers, behind)}, not contradicted"
            )
        case "supported-but-contradicted":
            return head + (
                f"independently supported by {_support(backers, behind)}, "
                f"but contradicted by {_against_text(deniers, rivals)}"
            )
        case "allied":
            named = [_shared(reason.source, s, parties) for s in backers]
            return head + f"backed only within its own party: by {_support(named, behind)}"
        case "contradicted":
            return head + f"contradicted by {_against_text(deniers, rivals)}, not supported"
        case _:
            return head + "neither supported nor contradicted"


def _against(other: ClaimFinding, me: ClaimFinding) -> bool:
    return not compatible(other.value, me.value)


def _support(sources: Sequence[str], claims: Sequence[str]) -> str:
    text = _names(sources) or "another source"
    return text + (f" (claim{'s' if len(claims) > 1 else ''} {_names(claims)})" if claims else "")


def _against_text(deniers: Sequence[str], rivals: Sequence[str]) -> str:
    parts = []
    if deniers:
        parts.append(f"the denial of {_names(deniers)}")
    if rivals:
        parts.append(f"incompatible claim{'s' if len(rivals) > 1 else ''} {_names(rivals)}")
    return " and ".join(parts) or "an incompatible claim"


def _side(standing: Standing) -> str:
    return f"{show_value(standing.value)} (claim {standing.claim}, {standing.source})"


_RUNG_FIGURES: dict[str, tuple[str, Callable[[Standing], str]]] = {
    "voices": ("independent voices", lambda s: str(s.voices)),
    "reliability": ("reliability", lambda s: s.reliability or "ungraded"),
    "width": ("width", lambda s: str(s.width)),
    "upper": ("upper bound", lambda s: str(s.upper)),
    "claim-id": ("claim id", lambda s: s.claim),
}


def best_text(reason: BestReason, analyst: str | None) -> str:
    """Why ``best`` is what it is: the rung that separated it from the runner-up."""
    best, runner = reason.best, reason.runner_up
    match reason.rung:
        case "resolution":
            return f"Best is the resolution in force (event {reason.resolution}) by {analyst}."
        case "no-live-claim":
            return "No live claim, so no best value."
        case "only-value" if best is not None:
            return f"Best is {_side(best)}: every live claim agrees on this value."
        case "supported" if best is not None and runner is not None:
            return (
                f"Best is {_side(best)}: independently supported, where the runner-up "
                f"{_side(runner)} is not."
            )
        case rung if best is not None and runner is not None and rung in _RUNG_FIGURES:
            name, figure = _RUNG_FIGURES[rung]
            tied = "equally supported" if rung == "voices" else "tied on every rung before"
            return (
                f"Best is {_side(best)} over the runner-up {_side(runner)}: "
                f"{name} {figure(best)} vs {figure(runner)} ({tied})."
            )
        case _:
            return f"Best is {show_value(best.value) if best else '-'}."
