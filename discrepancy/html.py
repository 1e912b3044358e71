"""A self-contained HTML report of a reconciliation, with a timeline chart per proposition.

:func:`html_report` returns one page (``replay --format html``) that needs
nothing at view time: the style sheet and the charts are inline, the charts
are SVG written here, with no script and no network. Contested propositions
come first, then the others by status; each shows its status, best, low and
high, its claims and stances, the resolution in force; each contested or
resolved proposition has a timeline chart (:func:`timeline`) of best, low and
high over recorded time with its claims, stances, resolutions and reopenings
marked; the anomalies close the page.

Why hand-written SVG and not a chart library: the page must open offline, in
any browser, years later, and be diffable text. A JavaScript library would
have to be inlined (hundreds of kB per page) and run; a Python plotting
library would be a large extra for one kind of chart (a step line and a band).
The chart here is a few dozen SVG elements per proposition. See docs/export.md.

Pure: functions of a state and its reconciliation, returning text.
"""

from __future__ import annotations

import datetime as _dt
import html
from collections.abc import Iterable, Sequence
from typing import Final

import attrs

from discrepancy.codec import canonical_bytes
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
from discrepancy.reconcile import STATUSES, PropositionFinding, Reconciliation, Status, reconcile
from discrepancy.state import State, replay
from discrepancy.summary import show_value
from discrepancy.values import Amount, Number, Value


@attrs.frozen(kw_only=True)
class Point:
    """Where a proposition stood right after the events recorded at one instant."""

    at: Timestamp
    status: Status | None
    best: Value | None
    low: Number | None
    high: Number | None
    events: tuple[Event, ...]
    """The proposition's events (and its sources' registrations) recorded at that instant."""


def _own_events(state: State, proposition: str) -> tuple[list[Event], list[Event]]:
    """The events that touch ``proposition`` (to mark), and every event that can change it.

    Fast path, when no reused event id or claim id reaches the proposition:
    the index's entries for the proposition, its claims' stances and the
    source registrations. Otherwise one scan of every input, closed over
    shared event ids and claim ids, so that every variant of a reused id is
    there to be weighed as the whole state weighs it (O(events), only for the
    propositions that reuse reaches).
    """
    index = state.index()
    sources: list[Event] = [s for group in index.sources.values() for s in group]
    mine: list[Event] = list(index.propositions.get(proposition, ()))
    claim_ids = {e.claim for e in mine if isinstance(e, Claim)}
    if not _reused(state, proposition, claim_ids):
        for claim_id in claim_ids:
            stances = index.stances.get(claim_id, ())
            mine.extend(s for s in stances if s.proposition == proposition)
        return mine, [*mine, *sources]
    return _closed_scan(state, proposition, sources)


def _reused(state: State, proposition: str, claim_ids: set[str]) -> bool:
    """Whether an event id or claim id reused in the state reaches ``proposition``."""
    index = state.index()
    if any(c in index.rival_claims for c in claim_ids):
        return True
    return any(
        getattr(e, "proposition", None) == proposition or getattr(e, "claim", None) in claim_ids
        for group in index.variants.values()
        for e in group.values()
    )


def _closed_scan(
    state: State, proposition: str, sources: list[Event]
) -> tuple[list[Event], list[Event]]:
    index = state.index()
    chosen = [e for e in index.inputs if getattr(e, "proposition", None) == proposition]
    ids = {e.id for e in chosen}
    claim_ids = {getattr(e, "claim", None) for e in chosen} - {None}
    taken = {id(e) for e in chosen}
    grown = True
    while grown:
        grown = False
        for event in index.inputs:
            if id(event) in taken:
                continue
            if event.id in ids or getattr(event, "claim", None) in claim_ids:
                chosen.append(event)
                taken.add(id(event))
                ids.add(event.id)
                if (named := getattr(event, "claim", None)) is not None:
                    claim_ids.add(named)
                grown = True
    every_source = [e for e in index.inputs if isinstance(e, Source)]
    touching = [e for e in chosen if getattr(e, "proposition", None) == proposition]
    return touching, [*chosen, *sources, *every_source]


def timeline(state: State, proposition: str) -> list[Point]:
    """Best, low and high of ``proposition`` after each instant at which something changed it.

    The instants are those of the proposition's claims, stances, resolutions
    and reopenings, and of registrations of its sources recorded after its
    first event. At each, the proposition is reconciled ``as_of`` that instant
    in a state of only the events that can touch it (its own, their stances
    and every source registration). Cost: with ``k`` such instants and ``n``
    such events, ``k`` reconciliations of at most ``n`` events, O(k * n),
    independent of the rest of the log.
    """
    mine, relevant = _own_events(state, proposition)
    if not mine:
        return []
    start = min(e.recorded_at.key for e in mine)
    involved = {getattr(e, "source", None) for e in mine}
    marked: list[Event] = [
        *mine,
        *(
            s
            for s in relevant
            if isinstance(s, Source) and s.source in involved and s.recorded_at.key > start
        ),
    ]
    by_instant: dict[str, list[Event]] = {}
    unique = {id(e): e for e in marked}.values()
    for event in sorted(unique, key=lambda e: (e.order, canonical_bytes(e))):
        by_instant.setdefault(event.recorded_at.key, []).append(event)
    small = replay(relevant)
    points = []
    for events in by_instant.values():
        at = events[0].recorded_at
        found = reconcile(small.as_of(at)).propositions.get(proposition)
        points.append(
            Point(
                at=at,
                status=None if found is None else found.status,
                best=None if found is None else found.best,
                low=None if found is None else found.low,
                high=None if found is None else found.high,
                events=tuple(events),
            )
        )
    return points


# --- the chart ---------------------------------------------------------------------------------

_W: Final = 720
_H: Final = 240
_LEFT: Final = 120
_RIGHT: Final = 20
_TOP: Final = 16
_BOTTOM: Final = 44


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _instant(at: Timestamp) -> float:
    return _dt.datetime.fromisoformat(at.text).timestamp()


def _marks_value(event: Event) -> Value | None:
    if isinstance(event, Claim | Resolution):
        return event.value
    return None


@attrs.frozen(kw_only=True)
class _Scale:
    t0: float
    t1: float
    y0: float
    y1: float

    def x(self, moment: float) -> float:
        span = self.t1 - self.t0 or 1.0
        return _LEFT + (moment - self.t0) / span * (_W - _LEFT - _RIGHT - 40)

    def y(self, number: Number | None, *, open_high: bool = False) -> float:
        if number is None:
            return _TOP if open_high else _H - _BOTTOM
        span = self.y1 - self.y0 or 1.0
        return _H - _BOTTOM - (float(number) - self.y0) / span * (_H - _TOP - _BOTTOM)


def _numbers(points: Sequence[Point]) -> list[float]:
    found: list[float] = []
    for point in points:
        found += [float(n) for n in (point.low, point.high) if n is not None]
        values = [point.best, *(_marks_value(e) for e in point.events)]
        for value in values:
            if isinstance(value, Amount):
                found += [float(n) for n in (value.low, value.high) if n is not None]
    return found


def _scale(points: Sequence[Point]) -> _Scale:
    numbers = _numbers(points) or [0.0, 1.0]
    low, high = min(numbers), max(numbers)
    pad = (high - low) * 0.08 or max(1.0, abs(high) * 0.1)
    times = [_instant(p.at) for p in points]
    return _Scale(t0=min(times), t1=max(times), y0=low - pad, y1=high + pad)


def amount_chart(proposition: str, points: Sequence[Point]) -> str:
    """The SVG timeline of an amount proposition: low-high band, best, marked events."""
    scale = _scale(points)
    right = _W - _RIGHT
    parts: list[str] = []
    for n, point in enumerate(points):
        x0 = scale.x(_instant(point.at))
        x1 = scale.x(_instant(points[n + 1].at)) if n + 1 < len(points) else right
        top, bottom = scale.y(point.high, open_high=True), scale.y(point.low)
        tip = f"{point.at.text}: {point.status}, best {show_value(point.best)}, "
        tip += f"low {_show(point.low)}, high {_show(point.high)}"
        parts.append(
            f'<rect class="range" x="{x0:.1f}" y="{top:.1f}" width="{max(x1 - x0, 1):.1f}" '
            f'height="{max(bottom - top, 1):.1f}"><title>{_esc(tip)}</title></rect>'
        )
        if isinstance(point.best, Amount):
            b_top = scale.y(point.best.high, open_high=True)
            b_bottom = scale.y(point.best.low)
            height = max(b_bottom - b_top, 3)
            parts.append(
                f'<rect class="best" x="{x0:.1f}" y="{min(b_top, b_bottom - 3):.1f}" '
                f'width="{max(x1 - x0, 1):.1f}" height="{height:.1f}">'
                f"<title>{_esc(tip)}</title></rect>"
            )
    parts.extend(_event_marks(points, scale))
    parts.extend(_axes(points, scale, top_label="", bottom_label=""))
    numbers = sorted(set(_numbers(points)))
    for number in numbers if len(numbers) <= 6 else [numbers[0], numbers[-1]]:
        y = scale.y(number)
        parts.append(f'<line class="grid" x1="{_LEFT}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(_text(_LEFT - 6, y + 4, _show(number), anchor="end"))
    return _svg(proposition, "amount", parts)


def _text(x: float, y: float, label: str, *, anchor: str = "start") -> str:
    return (
        f'<text class="label" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{_esc(label)}</text>'
    )


def _circle(shape: str, x: float, y: float, tip: str) -> str:
    return (
        f'<circle class="mark {shape}" cx="{x:.1f}" cy="{y:.1f}" r="4.5"><title>{tip}</title>'
        "</circle>"
    )


def _show(number: float | int | None) -> str:
    if number is None:
        return "open"
    if isinstance(number, float) and number.is_integer():
        return str(int(number))
    if isinstance(number, float):
        return f"{number:.6g}"
    return str(number)


def _event_marks(points: Sequence[Point], scale: _Scale) -> Iterable[str]:
    base = _H - _BOTTOM
    for point in points:
        x = scale.x(_instant(point.at))
        for event in point.events:
            tip = _esc(f"{event.recorded_at.text}: {_describe(event)}")
            value = _marks_value(event)
            y = _mark_y(value, scale)
            if isinstance(event, Claim):
                yield _circle("mark-claim", x, y, tip)
            elif isinstance(event, Resolution):
                yield (
                    f'<path class="mark mark-resolve" d="M{x:.1f} {y - 7:.1f}l7 7l-7 7l-7 -7z">'
                    f"<title>{tip}</title></path>"
                )
            elif isinstance(event, Reopening):
                yield (
                    f'<path class="mark mark-reopen" d="M{x:.1f} {base - 14:.1f}l7 12h-14z">'
                    f"<title>{tip}</title></path>"
                    f'<line class="reopen-line" x1="{x:.1f}" x2="{x:.1f}" y1="{_TOP}" y2="{base}"/>'
                )
            else:
                kind = type(event).__name__.lower()
                yield (
                    f'<rect class="mark mark-{kind}" x="{x - 3:.1f}" y="{base + 2:.1f}" '
                    f'width="6" height="8"><title>{tip}</title></rect>'
                )


def _mark_y(value: Value | None, scale: _Scale) -> float:
    if isinstance(value, Amount):
        if value.low is not None and value.high is not None:
            return scale.y((value.low + value.high) / 2)
        return scale.y(value.low if value.low is not None else value.high)
    return _H - _BOTTOM


def _axes(
    points: Sequence[Point], scale: _Scale, *, top_label: str, bottom_label: str
) -> list[str]:
    base = _H - _BOTTOM
    first, last = points[0].at.text, points[-1].at.text
    return [
        f'<line class="axis" x1="{_LEFT}" x2="{_LEFT}" y1="{_TOP}" y2="{base}"/>',
        f'<line class="axis" x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{base}" y2="{base}"/>',
        _text(_LEFT - 6, _TOP + 4, top_label, anchor="end"),
        _text(_LEFT - 6, base, bottom_label, anchor="end"),
        f'<text class="label" x="{_LEFT}" y="{_H - 18}">{_esc(first)}</text>',
        _text(_W - _RIGHT, _H - 18, last, anchor="end"),
        f'<text class="label legend" x="{_LEFT}" y="{_H - 4}">shaded: low to high; dark: best; '
        "circle: claim; diamond: resolution; triangle: reopening; ticks: stances</text>",
    ]


def _svg(proposition: str, kind: str, parts: Sequence[str]) -> str:
    return (
        f'<svg class="timeline" data-proposition="{_esc(proposition)}" data-kind="{kind}" '
        f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}" width="{_W}" height="{_H}" '
        f'role="img" aria-label="{_esc("timeline of " + proposition)}">' + "".join(parts) + "</svg>"
    )


def choice_chart(proposition: str, points: Sequence[Point]) -> str:
    """The SVG timeline of a flag or choice proposition: one lane per answer, best in its lane."""
    answers = sorted(
        {
            show_value(v)
            for p in points
            for v in (p.best, *map(_marks_value, p.events))
            if v is not None
        }
    )
    lanes = {a: i for i, a in enumerate(answers)}
    lane_h = (_H - _TOP - _BOTTOM) / max(len(answers), 1)
    scale = _scale(points)
    right = _W - _RIGHT
    parts: list[str] = []
    for answer, i in lanes.items():
        y = _TOP + i * lane_h + lane_h / 2
        parts.append(_text(_LEFT - 6, y + 4, answer[:18], anchor="end"))
    for n, point in enumerate(points):
        if point.best is None:
            continue
        x0 = scale.x(_instant(point.at))
        x1 = scale.x(_instant(points[n + 1].at)) if n + 1 < len(points) else right
        y = _TOP + lanes[show_value(point.best)] * lane_h + lane_h / 2
        tip = _esc(f"{point.at.text}: {point.status}, best {show_value(point.best)}")
        parts.append(
            f'<rect class="best" x="{x0:.1f}" y="{y - 4:.1f}" width="{max(x1 - x0, 1):.1f}" '
            'height="8">'
            f"<title>{tip}</title></rect>"
        )
    for point in points:
        x = scale.x(_instant(point.at))
        for event in point.events:
            value = _marks_value(event)
            tip = _esc(f"{event.recorded_at.text}: {_describe(event)}")
            if value is not None:
                y = _TOP + lanes[show_value(value)] * lane_h + lane_h / 2
                shape = "mark-resolve" if isinstance(event, Resolution) else "mark-claim"
                parts.append(_circle(shape, x, y, tip))
            else:
                kind = type(event).__name__.lower()
                parts.append(
                    f'<rect class="mark mark-{kind}" x="{x - 3:.1f}" y="{_H - _BOTTOM + 2:.1f}" '
                    f'width="6" height="8"><title>{tip}</title></rect>'
                )
    parts.extend(_axes(points, scale, top_label="", bottom_label="")[1:2])
    parts.extend(_axes(points, scale, top_label="", bottom_label="")[4:6])
    return _svg(proposition, "choice", parts)


def _describe(event: Event) -> str:
    match event:
        case Claim():
            return f"claim {event.claim}: {event.source} says {show_value(event.value)}"
        case Confirmation():
            return f"{event.source} confirms {event.claim}"
        case Denial():
            return f"{event.source} denies {event.claim}"
        case Retraction():
            return f"{event.source} retracts {event.claim}"
        case Resolution():
            return f"{event.analyst} resolves {show_value(event.value)}: {event.rationale}"
        case Reopening():
            return f"{event.analyst} reopens: {event.rationale}"
        case Source():
            return (
                f"source {event.source} registered (parties {', '.join(event.parties) or 'none'})"
            )


# --- the page ----------------------------------------------------------------------------------

_STYLE: Final = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:60rem;
color:#1d232b;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.1rem;margin:0 0 .3rem;font-family:ui-monospace,monospace}
section.proposition{border:1px solid #d5dae1;border-radius:6px;padding:1rem;margin:1rem 0}
.status{display:inline-block;padding:0 .5rem;border-radius:4px;font-weight:600;color:#fff}
.status-contested{background:#b3261e}.status-resolved{background:#1f6f43}
.status-corroborated{background:#2d5fa8}.status-unconfirmed{background:#6b7280}
.status-withdrawn{background:#9a6b00}
table{border-collapse:collapse;width:100%;font-size:13px;margin-top:.5rem}
th,td{border-bottom:1px solid #e5e8ec;padding:.25rem .4rem;text-align:left;vertical-align:top}
tr.not-live td{color:#8a9099;text-decoration:line-through}
svg.timeline{display:block;margin:.6rem 0;max-width:100%;height:auto;background:#fbfcfd}
.range{fill:#c9d8f0}.best{fill:#1f4e9c}.axis{stroke:#444;stroke-width:1}
.grid{stroke:#99a;stroke-width:.5;stroke-dasharray:2 3}
.label{font:11px system-ui,sans-serif;fill:#333}.legend{fill:#667}
.mark-claim{fill:#e8a33d;stroke:#5a3b00}.mark-resolve{fill:#1f6f43;stroke:#0c3b22}
.mark-reopen{fill:#b3261e}.reopen-line{stroke:#b3261e;stroke-dasharray:3 3}
.mark-denial,.mark-retraction{fill:#b3261e}.mark-confirmation{fill:#1f6f43}.mark-source{fill:#777}
.quote{font-style:italic;color:#444}
dl.estimate{display:flex;flex-wrap:wrap;margin:.5rem 0}dl.estimate dt{font-weight:600}
dl.estimate dd{margin:0 1.2rem 0 .4rem}
"""


def html_report(
    reconciliation: Reconciliation, state: State, *, title: str = "discrepancy report"
) -> str:
    """The self-contained page (see the module docstring), ending in a newline."""
    props = reconciliation.propositions
    ordered = [
        props[key] for status in STATUSES for key in sorted(props) if props[key].status == status
    ]
    contested = [f for f in ordered if f.status == "contested"]
    head = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{_esc(title)}</h1>"
        f'<p class="counts">{reconciliation.events} events, {len(props)} '
        f"{'proposition' if len(props) == 1 else 'propositions'}, {len(contested)} contested, "
        f"{len(reconciliation.anomalies)} "
        f"{'anomaly' if len(reconciliation.anomalies) == 1 else 'anomalies'}</p>"
    )
    nav = ""
    if contested:
        links = "".join(
            f'<li><a href="#p{ordered.index(f)}">{_esc(f.proposition)}</a></li>' for f in contested
        )
        nav = f'<nav><h2>Contested</h2><ul class="contested">{links}</ul></nav>'
    body = "".join(_section(n, f, state) for n, f in enumerate(ordered))
    return head + nav + body + _anomalies(reconciliation) + "</body></html>\n"


def _section(n: int, finding: PropositionFinding, state: State) -> str:
    estimate = f"<dt>best</dt><dd>{_esc(show_value(finding.best))}</dd>"
    if finding.kind == "amount":
        estimate += f"<dt>low</dt><dd>{_esc(_show(finding.low))}</dd>"
        estimate += f"<dt>high</dt><dd>{_esc(_show(finding.high))}</dd>"
    chart = ""
    if finding.status in ("contested", "resolved"):
        points = timeline(state, finding.proposition)
        if points:
            draw = amount_chart if finding.kind == "amount" else choice_chart
            chart = draw(finding.proposition, points)
    resolution = ""
    if finding.resolution is not None:
        r = finding.resolution
        resolution = (
            f'<p class="resolution">Resolved by {_esc(r.analyst)} at {_esc(r.recorded_at.text)}: '
            f"{_esc(show_value(r.value))} ({_esc(r.rationale)})</p>"
        )
    return (
        f'<section class="proposition" id="p{n}" data-proposition="{_esc(finding.proposition)}" '
        f'data-status="{finding.status}"><h2>{_esc(finding.proposition)}</h2>'
        f'<span class="status status-{finding.status}">{finding.status}</span> '
        f'<span class="kind">{finding.kind}</span><dl class="estimate">{estimate}</dl>'
        f"{resolution}{chart}{_claims_table(finding, state)}</section>"
    )


def _claims_table(finding: PropositionFinding, state: State) -> str:
    events = state.index().claims
    rows = []
    for c in finding.claims:
        event = events.get(c.claim)
        quote = "" if event is None or event.quote is None else event.quote
        when = "" if event is None else event.recorded_at.text
        grade = "not live" if not c.live else f"{c.credibility}"
        flags = "contradicted" if c.contradicted else ""
        rows.append(
            f'<tr class="{"live" if c.live else "not-live"}"><td>{_esc(c.claim)}</td>'
            f"<td>{_esc(c.source)}</td><td>{_esc(show_value(c.value))}</td><td>{grade}</td>"
            f"<td>{flags}</td><td>{_esc(', '.join(c.confirmed_by))}</td>"
            f"<td>{_esc(', '.join(c.denied_by))}</td><td>{_esc(when)}</td>"
            f'<td class="quote">{_esc(quote)}</td></tr>'
        )
    return (
        '<table class="claims"><thead><tr><th>claim</th><th>source</th><th>value</th>'
        "<th>credibility</th><th></th><th>confirmed by</th><th>denied by</th><th>recorded</th>"
        f"<th>quote</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _anomalies(reconciliation: Reconciliation) -> str:
    if not reconciliation.anomalies:
        return '<section id="anomalies"><h2>Anomalies</h2><p>None.</p></section>'
    items = "".join(
        f"<li><code>{_esc(a.kind)}</code> {_esc(a.event)}: {_esc(a.detail)}</li>"
        for a in reconciliation.anomalies
    )
    return f'<section id="anomalies"><h2>Anomalies</h2><ul>{items}</ul></section>'
