"""Column layouts of the ACLED and UCDP GED exports, turned into SPEC v1 events.

``import-table FILE --preset acled`` and ``--preset ucdp-ged`` read a table in
the published column layout of the data set and map it as written in
``docs/import.md`` ("Presets"), column by column:

* every name in a multi-source cell (ACLED ``source``, UCDP ``source_office``,
  ``;``-separated) becomes a source of its own, and each makes the row's claims,
  carried ``via`` the data set (registered as a source too);
* ACLED ``fatalities`` is an exact amount; UCDP ``low`` and ``high`` form one
  interval claim and ``best`` is kept on the claim as the extra field
  ``ucdp_best`` (SPEC section 2 keeps unknown fields);
* actors become choice propositions; ACLED ``notes`` and UCDP
  ``source_headline`` become the claim's ``quote``.

Pure: it maps a :class:`~discrepancy.tabular.Table` already read.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from typing import Any, Final, Literal, TypeAlias

import attrs

from discrepancy.errors import TableError
from discrepancy.figures import parse_amount
from discrepancy.tabular import (
    EPOCH,
    MULTI_JOIN,
    Row,
    Table,
    TableImport,
    _event_id,
    _rfc3339,
    chain_corrections,
    parse_time,
    split_canonical,
)

Preset: TypeAlias = Literal["acled", "ucdp-ged"]
PRESETS: Final[tuple[Preset, ...]] = ("acled", "ucdp-ged")


@attrs.frozen(kw_only=True)
class _Cells:
    """One row's cells by column name, located for errors."""

    row: Row
    where: dict[str, int]

    def get(self, column: str) -> str:
        index = self.where.get(column)
        if index is None or index >= len(self.row.cells):
            return ""
        return self.row.cells[index].strip()

    def error(self, reason: str, column: str) -> TableError:
        return TableError(reason, path=self.row.path, line=self.row.line, column=column)

    def required(self, column: str) -> str:
        text = self.get(column)
        if not text:
            raise self.error("empty cell", column)
        return text

    def count(self, column: str) -> int | float:
        text = self.required(column)
        number = parse_amount(text)
        if number is None or number < 0:
            raise self.error(f"{text!r} is not a count", column)
        return number

    def names(self, column: str) -> list[str]:
        found = split_canonical(self.get(column), ";")
        return found.split(MULTI_JOIN) if found else []


def preset_events(
    table: Table,
    preset: Preset,
    *,
    id_prefix: str,
    supersede_earlier: bool = False,
    skip_bad: bool = False,
    path: str = "<table>",
) -> TableImport:
    """The SPEC v1 events of an ACLED or UCDP GED table (see the module docstring)."""
    layout = _LAYOUTS[preset]
    header = table.header or ()
    where = {name.strip().casefold(): i for i, name in enumerate(header)}
    for old, new in layout.aliases.items():
        if old in where and new not in where:
            where[new] = where[old]
    missing = [c for c in layout.required if c not in where]
    if missing:
        raise TableError(
            f"not a {preset} table: no column {', '.join(missing)} (the header has {list(header)})",
            path=path,
        )
    claims: list[dict[str, Any]] = []
    first: dict[str, str] = {}
    bad: list[TableError] = []
    for row in table.rows:
        cells = _Cells(row=row, where=where)
        try:
            made = layout.claims(cells, id_prefix)
        except TableError as error:
            if not skip_bad:
                raise
            bad.append(error)
            continue
        for claim in made:
            for source in (claim["source"], claim.get("via", claim["source"])):
                if source not in first or _later(first[source], claim["recorded_at"]):
                    first[source] = claim["recorded_at"]
        claims.extend(made)
    if supersede_earlier:
        chain_corrections(claims)
    sources = [
        {
            "type": "source",
            "id": _event_id(f"{id_prefix}:source:{source}"),
            "recorded_at": first[source],
            "source": source,
            "name": layout.names.get(source, source),
            "parties": [],
            **({"kind": "data set"} if source in layout.names else {}),
        }
        for source in sorted(first)
    ]
    return TableImport(
        events=(*sources, *claims),
        claims=len(claims),
        sources=len(sources),
        empty=0,
        bad=tuple(bad),
    )


def _later(a: str, b: str) -> bool:
    return _dt.datetime.fromisoformat(a) > _dt.datetime.fromisoformat(b)


def _claim(
    cells: _Cells, prefix: str, *, field: str, source: str, via: str, key: str, value: Any
) -> dict[str, Any]:
    claim_id = _event_id(f"{prefix}:{cells.row.line}:{field}:{source}")
    claim = {
        "type": "claim",
        "id": claim_id,
        "claim": claim_id,
        "source": source,
        "proposition": f"{key}/{field}",
        "value": value,
    }
    if via != source:  # the data set's own claim is not carried by itself
        claim["via"] = via
    return claim


def _day(cells: _Cells, column: str) -> str | None:
    text = cells.get(column)
    if not text:
        return None
    if text[:4].isdigit():
        stamp = parse_time(text.split(" ")[0])
    else:
        stamp = next((s for f in _DAY_FORMATS if (s := parse_time(text, f))), None)
    if stamp is None:
        raise cells.error(f"{text!r} is not a date", column)
    return stamp[:10]


_DAY_FORMATS: Final = ("%d %B %Y", "%d-%B-%Y", "%d %b %Y", "%d-%b-%Y", "%B %d, %Y")
"""How ACLED's spreadsheet exports write ``event_date`` besides ISO 8601."""


# --- ACLED ------------------------------------------------------------------------------------


def _acled_claims(cells: _Cells, prefix: str) -> list[dict[str, Any]]:
    event = cells.required("event_id_cnty")
    fatalities = cells.count("fatalities")
    recorded = _acled_recorded_at(cells)
    offices = cells.names("source")
    if not offices:
        raise cells.error("no source named", "source")
    common: dict[str, Any] = {"recorded_at": recorded}
    if quote := cells.get("notes"):
        common["quote"] = quote
    if (day := _day(cells, "event_date")) is not None:
        common["event_date"] = day
    key = f"acled/{event}"
    out = []
    for office in offices:
        fields: list[tuple[str, Any]] = [("fatalities", fatalities)]
        fields += [(a, cells.get(a)) for a in ("actor1", "actor2") if cells.get(a)]
        for field, value in fields:
            claim = _claim(
                cells, prefix, field=field, source=office, via="acled", key=key, value=value
            )
            out.append({**claim, **common})
    return out


def _acled_recorded_at(cells: _Cells) -> str:
    # ACLED's `timestamp` is the Unix time the row was last uploaded: its transaction time.
    text = cells.get("timestamp")
    if "timestamp" not in cells.where:
        return _rfc3339(EPOCH + _dt.timedelta(seconds=cells.row.line))
    if text.isdigit():
        return _rfc3339(_dt.datetime.fromtimestamp(int(text), tz=_dt.UTC))
    stamp = parse_time(text) if text else None  # some exports write the upload time as a date
    if stamp is None:
        raise cells.error(f"{text!r} is not a Unix time in seconds or a date", "timestamp")
    return stamp


# --- UCDP GED ---------------------------------------------------------------------------------


def _ucdp_claims(cells: _Cells, prefix: str) -> list[dict[str, Any]]:
    event = cells.required("id")
    low, best, high = (cells.count(c) for c in ("low", "best", "high"))
    if not low <= best <= high:
        raise cells.error(f"low {low}, best {best}, high {high} are not in order", "best")
    deaths: Any = low if low == high else {"min": low, "max": high}
    offices = cells.names("source_office") or ["ucdp-ged"]
    common: dict[str, Any] = {
        "recorded_at": _rfc3339(EPOCH + _dt.timedelta(seconds=cells.row.line))
    }
    if quote := cells.get("source_headline"):
        common["quote"] = quote
    dates = [d.strip() for d in cells.get("source_date").split(";") if d.strip()]
    key = f"ucdp-ged/{event}"
    out = []
    for n, office in enumerate(offices):
        stated = _ucdp_stated_at(cells, dates, n, len(offices))
        fields: list[tuple[str, Any]] = [("deaths", deaths)]
        fields += [(a, cells.get(a)) for a in ("side_a", "side_b") if cells.get(a)]
        for field, value in fields:
            claim = _claim(
                cells, prefix, field=field, source=office, via="ucdp-ged", key=key, value=value
            )
            claim.update(common)
            if field == "deaths":
                claim["ucdp_best"] = best
            if stated is not None:
                claim["stated_at"] = stated
            out.append(claim)
    return out


def _ucdp_stated_at(cells: _Cells, dates: Sequence[str], n: int, offices: int) -> str | None:
    # One date for all offices, or one per office in the same order; else none is claimed.
    if len(dates) == 1:
        text = dates[0]
    elif len(dates) == offices and offices > 1:
        text = dates[n]
    else:
        return None
    stamp = parse_time(text.split(" ")[0])
    if stamp is None:
        raise cells.error(f"{text!r} is not a date", "source_date")
    return stamp


@attrs.frozen(kw_only=True)
class _Layout:
    required: tuple[str, ...]
    claims: Callable[[_Cells, str], list[dict[str, Any]]]
    names: dict[str, str]
    """The data set's own source id and name."""
    aliases: dict[str, str] = attrs.field(factory=dict)
    """Older column names, read as the current ones."""


_LAYOUTS: Final[dict[Preset, _Layout]] = {
    "acled": _Layout(
        required=("event_id_cnty", "source", "fatalities"),
        claims=_acled_claims,
        names={"acled": "ACLED (Armed Conflict Location & Event Data)"},
    ),
    "ucdp-ged": _Layout(
        required=("id", "best", "low", "high", "source_office"),
        claims=_ucdp_claims,
        names={"ucdp-ged": "UCDP Georeferenced Event Dataset"},
        aliases={"best_est": "best", "low_est": "low", "high_est": "high"},
    ),
}
