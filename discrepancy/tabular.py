"""Tables of claims (CSV or TSV) turned into SPEC v1 events.

Real claim sets come as tables: one row per (source, item, value), often with
a header, sometimes tab separated, sometimes zipped. :func:`table_events`
turns rows into the JSON objects of SPEC section 2 (plain dicts, ready for
:func:`discrepancy.codec.decode_event` or for writing as JSON Lines):

* one ``source`` event per distinct source (no parties unless a column gives
  them), recorded at the earliest ``recorded_at`` of that source's claims;
* one ``claim`` per row and value column, whose proposition is the item (the
  item columns joined by ``/``; with several value columns, the value column's
  name is appended, e.g. ``AA-3859-IAH-ORD/act_dep_time``).

Event ids are deterministic: ``{prefix}:{line}`` for a row's claim (with
``:{column}`` appended when there are several value columns) and
``{prefix}:source:{source}`` for a source, so that importing the same table
twice gives the same events (and replaying both is a no-op). ``recorded_at``
comes from the ``time`` column when it parses, else it is
:data:`EPOCH` plus the row's line number in seconds, so the table's order is
kept as transaction time.

Cells go through :class:`Normalise` (see ``docs/import.md``) before becoming
values. An empty cell, or one listed as missing, is "this source said
nothing": no claim, counted in :attr:`TableImport.empty`. A cell that cannot be
read as the value kind is an error located by file, line and column
(:class:`TableError`), or with ``skip_bad`` a counted skip.

Everything here is pure except :func:`read_table`, the thin reading function.
"""

from __future__ import annotations

import csv
import datetime as _dt
import functools
import hashlib
import html
import importlib
import io
import re
import unicodedata
import zipfile
import zoneinfo
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePath
from typing import Any, Final, Literal, TypeAlias

import attrs

from discrepancy.errors import TableError
from discrepancy.figures import FigureError, parse_amount, parse_figure

Kind: TypeAlias = Literal["amount", "choice", "flag"]
CellValue: TypeAlias = str | int | float | bool | dict[str, int | float] | None

EPOCH: Final = _dt.datetime(2000, 1, 1, tzinfo=_dt.UTC)
"""Transaction time of row 0 when a row has no parseable time: row ``n`` is ``EPOCH + n`` s."""

MULTI_JOIN: Final = "; "
"""How the parts of a split multi-valued cell are joined into one choice."""

_MAX_ID: Final = 256


@attrs.frozen(kw_only=True)
class Row:
    """One table row: where it is (``path``, ``line``), its cells, and ``part``.

    ``part`` names the zip member a row came from ("" for a plain file); it goes
    into the row's event ids so that they stay unique across members.
    """

    path: str
    line: int
    cells: tuple[str, ...]
    part: str = ""


@attrs.frozen(kw_only=True)
class Table:
    """A read table: the header (``None`` when the table has none) and its rows."""

    header: tuple[str, ...] | None
    rows: tuple[Row, ...]


def _caseless(texts: Iterable[str]) -> frozenset[str]:
    return frozenset(t.strip().casefold() for t in texts)


@attrs.frozen(kw_only=True)
class Normalise:
    """How a value cell becomes a value, applied in the order of the fields.

    * ``trim``: strip the cell and collapse inner runs of whitespace to one space.
    * ``casefold``: compare text caselessly (``str.casefold``).
    * ``missing``: cells equal to one of these (after trim and casefold) count as
      empty, e.g. ``"N/A"``, ``"Not Available"``; always compared caselessly.
    * ``split``: characters that separate the parts of a multi-valued cell
      (``";/"``); parts are trimmed, empty ones dropped, duplicates removed, and
      the rest sorted and joined with :data:`MULTI_JOIN`: the canonical form.
    * ``names``: the cell is a list of person names (authors); it becomes the
      sorted, de-duplicated surnames, lower case and without accents, joined with
      :data:`MULTI_JOIN` (see :func:`surnames`). Implies its own splitting.
    * ``clock``: the cell holds a time of day ("7:10 a.m.", "7:10aDec 1",
      "19:10"); it becomes ``HH:MM`` on a 24-hour clock (:func:`clock_time`).
    * ``thousands`` / ``decimal``: separators of numbers (``--kind amount``):
      ``"1,234.5"`` by default; ``thousands=""`` accepts none. A leading
      currency sign and a trailing ``%`` are always dropped.
    * ``magnitudes``: read ``k``/``K``, ``M``, ``B``/``bn``, ``T`` suffixes
      (``"1.2M"`` is 1200000; see :func:`parse_amount`).
    * ``vague``: read vague figures in amount cells ("100-300", "at least 23",
      "~500", "dozens") by the table of :mod:`discrepancy.figures`; on by default.
    """

    trim: bool = False
    casefold: bool = False
    missing: frozenset[str] = attrs.field(default=frozenset(), converter=_caseless)
    split: str = ""
    names: bool = False
    clock: bool = False
    thousands: str = ","
    decimal: str = "."
    magnitudes: bool = False
    vague: bool = True


@attrs.frozen(kw_only=True)
class Columns:
    """Which columns hold what. Columns are header names or, without a header, 1-based numbers."""

    source: str
    items: tuple[str, ...]
    values: tuple[str, ...]
    time: str | None = None
    parties: str | None = None
    quote: str | None = None
    url: str | None = None
    stated_at: str | None = None
    reliability: str | None = None
    """The source's Admiralty grade A..F; a source's rows must agree."""
    source_split: str = ""
    """Characters that separate several sources in one source cell (``"; "``): each
    becomes a source of its own, making the row's claims."""


@attrs.frozen(kw_only=True)
class TableImport:
    """The events of a table and what was left out."""

    events: tuple[dict[str, Any], ...]
    claims: int
    sources: int
    empty: int
    """Value cells that were empty or missing: no claim."""
    bad: tuple[TableError, ...]
    """Cells skipped because they could not be read (only with ``skip_bad``)."""


# --- reading (the one function here that touches files) --------------------------------------


def read_table(
    path: str | Path,
    *,
    delimiter: str | None = None,
    header: bool = True,
    encoding: str = "utf-8",
    sheet: str | None = None,
) -> Table:
    """Read a CSV/TSV file, every ``.csv``/``.tsv``/``.txt`` member of a ``.zip``, or a sheet
    of an ``.xlsx`` workbook (:func:`read_xlsx`, needs the ``xlsx`` extra).

    ``delimiter`` defaults to a tab for ``.tsv``/``.tab`` files and files whose
    first line holds a tab, else a comma. Tab-separated files are read without
    quoting (titles hold stray quotes); CSV files with the usual double quotes.
    CRLF line ends are fine. Zip members are read in name order, each with its
    own header, which must be the same in all of them; rows are located as
    ``archive.zip/member.csv:17``.
    """
    name = str(path)
    if name.lower().endswith((".xlsx", ".xlsm")):
        return read_xlsx(path, sheet=sheet, header=header)
    try:
        if zipfile.is_zipfile(path):
            return _read_zip(Path(path), delimiter=delimiter, header=header, encoding=encoding)
        with open(path, encoding=encoding, newline="") as handle:
            text = handle.read()
    except OSError as exc:
        raise TableError(f"cannot read: {exc.strerror or exc}", path=name) from None
    except UnicodeDecodeError as exc:
        raise TableError(f"not {encoding} text ({exc.reason})", path=name) from None
    return parse_table(text, path=name, delimiter=delimiter, header=header)


def read_xlsx(path: str | Path, *, sheet: str | None = None, header: bool = True) -> Table:
    """The rows of one sheet of an Excel workbook (the first unless ``sheet`` names one).

    Read with openpyxl (the ``xlsx`` extra), values as stored (formulas'
    cached results). A row's ``line`` is its spreadsheet row number. Cells
    become text: whole numbers without ``.0``, dates and times in ISO 8601,
    booleans as ``true``/``false``, empty cells as ``""``.
    """
    name = str(path)
    try:
        openpyxl = importlib.import_module("openpyxl")
    except ImportError:
        raise TableError(
            "reading .xlsx needs openpyxl: pip install 'discrepancy[xlsx]'", path=name
        ) from None
    try:
        book = openpyxl.load_workbook(name, read_only=True, data_only=True)
    except OSError as exc:
        raise TableError(f"cannot read: {exc.strerror or exc}", path=name) from None
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise TableError(f"not an .xlsx workbook ({exc})", path=name) from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise TableError(f"no sheet {sheet!r} (the workbook has {book.sheetnames})", path=name)
        where = book[sheet] if sheet is not None else book.worksheets[0]
        names: tuple[str, ...] | None = None
        rows: list[Row] = []
        for number, values in enumerate(where.iter_rows(values_only=True), start=1):
            cells = tuple(_xlsx_text(v) for v in values)
            if not any(c.strip() for c in cells):
                continue
            if header and names is None:
                names = tuple(c.strip() for c in cells)
                continue
            rows.append(Row(path=name, line=number, cells=cells))
    finally:
        book.close()
    return Table(header=names if names is not None or not header else (), rows=tuple(rows))


def _xlsx_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, _dt.datetime | _dt.date | _dt.time):
        return value.isoformat()
    return str(value)


def _read_zip(path: Path, *, delimiter: str | None, header: bool, encoding: str) -> Table:
    first: tuple[str, ...] | None = None
    rows: list[Row] = []
    with zipfile.ZipFile(path) as archive:
        members = sorted(
            m
            for m in archive.namelist()
            if not m.endswith("/") and m.lower().endswith((".csv", ".tsv", ".tab", ".txt"))
        )
        if not members:
            raise TableError("no .csv, .tsv or .txt member in the archive", path=str(path))
        for member in members:
            where = f"{path}/{member}"
            try:
                text = archive.read(member).decode(encoding)
            except UnicodeDecodeError as exc:
                raise TableError(f"not {encoding} text ({exc.reason})", path=where) from None
            table = parse_table(
                text, path=where, delimiter=delimiter, header=header, part=PurePath(member).stem
            )
            if first is None:
                first = table.header
            elif table.header != first:
                raise TableError(
                    f"header {list(table.header or ())} differs from the first member's "
                    f"{list(first or ())}",
                    path=where,
                    line=1,
                )
            rows.extend(table.rows)
    return Table(header=first, rows=tuple(rows))


def parse_table(
    text: str,
    *,
    path: str = "<table>",
    delimiter: str | None = None,
    header: bool = True,
    part: str = "",
) -> Table:
    """The rows of CSV/TSV ``text`` (pure; :func:`read_table` reads the file)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if delimiter is None:
        first_line = text.split("\n", 1)[0]
        tab = path.lower().endswith((".tsv", ".tab")) or "\t" in first_line
        delimiter = "\t" if tab else ","
    source = io.StringIO(text, newline="")
    if delimiter == "\t":
        reader = csv.reader(source, delimiter=delimiter, quoting=csv.QUOTE_NONE)
    else:
        reader = csv.reader(source, delimiter=delimiter)
    names: tuple[str, ...] | None = None
    rows: list[Row] = []
    try:
        for cells in reader:
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue  # blank line
            if header and names is None:
                names = tuple(c.strip() for c in cells)
                continue
            rows.append(Row(path=path, line=reader.line_num, cells=tuple(cells), part=part))
    except csv.Error as exc:
        raise TableError(f"not valid CSV ({exc})", path=path, line=reader.line_num) from None
    if header and names is None:
        names = ()
    return Table(header=names, rows=tuple(rows))


# --- normalisation (pure) --------------------------------------------------------------------

_SPACE: Final = re.compile(r"\s+")


def normalise_text(cell: str, norm: Normalise) -> str:
    """``cell`` after trimming and case folding, as ``norm`` asks (may be empty)."""
    if norm.trim:
        cell = _SPACE.sub(" ", cell).strip()
    if norm.casefold:
        cell = cell.casefold()
    return cell


def split_canonical(cell: str, separators: str, *, casefold: bool = False) -> str:
    """The canonical form of a multi-valued cell: parts sorted, unique, joined by ``"; "``."""
    pattern = "[" + re.escape(separators) + "]"
    parts = {_SPACE.sub(" ", p).strip() for p in re.split(pattern, cell)}
    if casefold:
        parts = {p.casefold() for p in parts}
    return MULTI_JOIN.join(sorted(p for p in parts if p))


_ROLE: Final = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_NAME_SEPARATOR: Final = re.compile(
    r"\s*(?:;|/|\||&|\+|~|\band\b|\bund\b|\bwith\b|\bedited by\b|\beditors?:)\s*",
    re.IGNORECASE,
)
_NOT_LETTER: Final = re.compile(r"[^a-z0-9 ]+")
_NOT_A_NAME: Final = frozenset(
    {
        *("jr", "sr", "ii", "iii", "iv", "phd", "md", "dr", "prof", "mr", "mrs", "ms"),
        *("ed", "eds", "edt", "editor", "editors", "edited", "author", "authors", "by", "et", "al"),
    }
)


def _name_words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = _NOT_LETTER.sub(" ", text.replace("'", "").replace("\u2019", ""))
    return [w for w in text.split() if w not in _NOT_A_NAME]


def surnames(cell: str) -> str:
    """The canonical form of a list of person names: sorted unique surnames joined by ``"; "``.

    Handles the shapes book sellers write: ``"Knuth, Donald E."``,
    ``"Donald E. Knuth"``, ``"Aiken, Peter/ Allen, David M."``,
    ``"Peter Aiken, M. David Allen"``, ``"Tan, Pang-Ning, Steinbach, Michael"``,
    ``"Meyers, Scott (Author)"``, HTML entities and accents.

    Names are split on ``; / | & + ~``, "and", "with", "edited by", "editor:"
    and bracketed roles. Within a piece, commas separate either several
    ``First Last`` names (when every comma part has two or more words) or
    ``Last, First`` pairs. A surname is the last word of its part, lower case,
    ASCII letters and digits only; titles and roles (Jr, PhD, Ed.) are dropped.
    The result is lenient on purpose: first names and initials are spelt too
    many ways to compare.
    """
    cell = _ROLE.sub(";", html.unescape(cell))
    found: set[str] = set()
    for piece in _NAME_SEPARATOR.split(cell):
        words = [_name_words(part) for part in piece.split(",")]
        parts = [w for w in words if w]
        if not parts:
            continue
        if len(parts) == 1 or all(len(w) >= 2 for w in parts):
            found.update(w[-1] for w in parts)
        else:
            found.update(parts[i][-1] for i in range(0, len(parts), 2))
    return MULTI_JOIN.join(sorted(found))


_CLOCK: Final = re.compile(
    r"(?<!\d)(\d{1,2}):(\d{2})(?!\d)\s*(?:([ap])\.?\s*m?\.?)?", re.IGNORECASE
)


def clock_time(cell: str) -> str | None:
    """The first time of day in ``cell`` as ``HH:MM`` (24-hour clock), or ``None``.

    ``"7:10 a.m."`` and ``"7:10aDec 1"`` give ``"07:10"``; ``"12:05 p.m."``
    gives ``"12:05"``, ``"12:05 a.m."`` gives ``"00:05"``; without a.m./p.m.
    the hour is read as 24-hour.
    """
    m = _CLOCK.search(cell)
    if m is None:
        return None
    hour, minute, half = int(m[1]), int(m[2]), (m[3] or "").lower()
    if half == "p" and hour < 12:
        hour += 12
    elif half == "a" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or (half and not 1 <= int(m[1]) <= 12):
        return None
    return f"{hour:02d}:{minute:02d}"


_TRUE: Final = frozenset({"true", "t", "yes", "y", "1"})
_FALSE: Final = frozenset({"false", "f", "no", "n", "0"})


def parse_flag(cell: str) -> bool | None:
    """``True`` for true/t/yes/y/1, ``False`` for false/f/no/n/0 (any case), else ``None``."""
    text = cell.strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def cell_value(cell: str, kind: Kind, norm: Normalise) -> CellValue:
    """The JSON value of a cell; ``None`` when empty or missing.

    Raises :class:`ValueError` (with a reason, unlocated) when the cell cannot be
    read as ``kind``.
    """
    text = normalise_text(cell, norm)
    if not text.strip():
        return None
    if text.strip().casefold() in norm.missing:
        return None
    if kind == "amount":
        number = parse_amount(
            text, thousands=norm.thousands, decimal=norm.decimal, magnitudes=norm.magnitudes
        )
        if number is not None:
            return number
        if not norm.vague:
            raise ValueError(f"{cell!r} is not a number")
        try:
            return parse_figure(
                text, thousands=norm.thousands, decimal=norm.decimal, magnitudes=norm.magnitudes
            )
        except FigureError as exc:
            raise ValueError(str(exc)) from None
    if kind == "flag":
        flag = parse_flag(text)
        if flag is None:
            raise ValueError(f"{cell!r} is not true/false/yes/no/1/0")
        return flag
    if norm.clock:
        found = clock_time(text)
        if found is None:
            raise ValueError(f"{cell!r} holds no time of day")
        text = found
    if norm.names:
        text = surnames(text)
    elif norm.split:
        text = split_canonical(text, norm.split, casefold=norm.casefold)
    return text or None


# --- rows to events (pure) --------------------------------------------------------------------

_TIME_FORMATS: Final = (
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d",
    "%a %b %d %H:%M:%S %Y",  # "fri jan 29 08:36:02 2010" (the Weather set)
    "%d %B %Y",  # "15 January 2023" (ACLED's spreadsheet exports)
)


@functools.lru_cache(maxsize=1 << 16)
def parse_time(
    cell: str, time_format: str | None = None, timezone: str | None = None
) -> str | None:
    """``cell`` as an RFC 3339 timestamp with offset, or ``None`` if it does not parse.

    With ``time_format`` (``strptime`` syntax) only that format is tried. Without
    it: ISO 8601 / RFC 3339, then ``%Y-%m-%d %H:%M:%S``, ``%Y-%m-%d``,
    ``%a %b %d %H:%M:%S %Y`` and ``%d %B %Y`` ("15 January 2023"). A time
    without offset is in ``timezone`` (an IANA name, see :func:`zone`), UTC
    when it is ``None``.
    """
    text = cell.strip()
    if not text:
        return None
    moment: _dt.datetime | None = None
    if time_format is not None:
        formats: Sequence[str] = (time_format,)
    else:
        try:
            moment = _dt.datetime.fromisoformat(text)
        except ValueError:
            moment = None
        formats = _TIME_FORMATS
    if moment is None:
        for fmt in formats:
            try:
                moment = _dt.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.UTC if timezone is None else zone(timezone))
    return _rfc3339(moment)


def zone(name: str) -> _dt.tzinfo:
    """The IANA time zone ``name`` (``"Asia/Karachi"``); :class:`TableError` if unknown."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise TableError(
            f"unknown time zone {name!r} (an IANA name such as Asia/Karachi)"
        ) from None


def sniff_time_format(cell: str) -> str | None:
    """Which ``strptime`` format of :func:`parse_time` reads ``cell`` (``None``: none)."""
    text = cell.strip()
    for fmt in _TIME_FORMATS:
        try:
            _dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return fmt
    return None


def _rfc3339(moment: _dt.datetime) -> str:
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _event_id(text: str) -> str:
    if len(text) <= _MAX_ID:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return f"{text[: _MAX_ID - 17]}~{digest}"


def column_index(header: Sequence[str] | None, column: str, path: str) -> int:
    if header is None:
        if column.isdigit() and int(column) >= 1:
            return int(column) - 1
        raise TableError(f"without a header, columns are numbers from 1, not {column!r}", path=path)
    if column in header:
        return list(header).index(column)
    if column.isdigit() and 1 <= int(column) <= len(header):
        return int(column) - 1
    raise TableError(f"no column {column!r} (the header has {list(header)})", path=path)


@attrs.frozen(kw_only=True)
class _Layout:
    """The column indexes of :class:`Columns` in one table."""

    source: int
    items: tuple[int, ...]
    values: tuple[tuple[str, int], ...]
    optional: dict[str, int]
    """Indexes of the optional columns that are given, by field name."""
    needed: int

    @classmethod
    def of(cls, header: Sequence[str] | None, columns: Columns, path: str) -> _Layout:
        src = column_index(header, columns.source, path)
        items = tuple(column_index(header, c, path) for c in columns.items)
        values = tuple((c, column_index(header, c, path)) for c in columns.values)
        if not items or not values:
            raise TableError("need at least one item column and one value column", path=path)
        optional = {
            field: column_index(header, name, path)
            for field in ("time", "parties", "quote", "url", "stated_at", "reliability")
            if (name := getattr(columns, field)) is not None
        }
        every = [src, *items, *(i for _, i in values), *optional.values()]
        return cls(source=src, items=items, values=values, optional=optional, needed=max(every) + 1)


_GRADES: Final = frozenset("ABCDEF")


@attrs.define
class _Sources:
    """What the rows say about each source: earliest time, parties, reliability."""

    first: dict[str, tuple[_dt.datetime, str]] = attrs.field(factory=dict)
    parties: dict[str, set[str]] = attrs.field(factory=dict)
    grades: dict[str, str] = attrs.field(factory=dict)

    def seen(self, source: str, moment: _dt.datetime, stamp: str) -> None:
        key = (moment, stamp)
        if source not in self.first or key < self.first[source]:
            self.first[source] = key

    def events(self, id_prefix: str) -> list[dict[str, Any]]:
        out = []
        for source in sorted(self.first):
            event: dict[str, Any] = {
                "type": "source",
                "id": _event_id(f"{id_prefix}:source:{source}"),
                "recorded_at": self.first[source][1],
                "source": source,
                "name": source,
                "parties": sorted(self.parties.get(source, ())),
            }
            if source in self.grades:
                event["reliability"] = self.grades[source]
            out.append(event)
        return out


@attrs.frozen(kw_only=True)
class _Times:
    """How time cells are read: the format, the zone of naive times."""

    time_format: str | None
    timezone: str | None

    def read(self, cell: str, *, path: str, line: int, column: str) -> str:
        stamp = parse_time(cell, self.time_format, self.timezone)
        if stamp is None:
            what = "an empty time cell" if not cell.strip() else f"{cell.strip()!r} is not a time"
            hint = f" in the format {self.time_format!r}" if self.time_format else ""
            raise TableError(
                f"{what}{hint} (see --time-format)" if cell.strip() else what,
                path=path,
                line=line,
                column=column,
            )
        return stamp


def _row_fields(
    row: Row, layout: _Layout, columns: Columns, times: _Times, sources: _Sources
) -> tuple[list[str], str, str, dict[str, Any]]:
    """A row's sources, item, ``recorded_at`` and the optional claim fields."""
    cells = row.cells
    if len(cells) < layout.needed:
        raise TableError(
            f"{len(cells)} cells, need at least {layout.needed}", path=row.path, line=row.line
        )
    cell = cells[layout.source]
    names = (
        [p for p in split_canonical(cell, columns.source_split).split(MULTI_JOIN) if p]
        if columns.source_split
        else [cell.strip()]
    )
    item = "/".join(cells[i].strip() for i in layout.items)
    if not all(names) or not names or any(not cells[i].strip() for i in layout.items):
        which = columns.source if not all(names) or not names else columns.items[0]
        raise TableError("empty source or item", path=row.path, line=row.line, column=which)
    at = layout.optional
    if "time" in at:
        stamp = times.read(
            cells[at["time"]], path=row.path, line=row.line, column=str(columns.time)
        )
        moment = _dt.datetime.fromisoformat(stamp)
    else:
        moment = EPOCH + _dt.timedelta(seconds=row.line)
        stamp = _rfc3339(moment)
    extra: dict[str, Any] = {}
    for field in ("quote", "url"):
        if field in at and (text := _SPACE.sub(" ", cells[at[field]]).strip()):
            extra[field] = text
    if "stated_at" in at and cells[at["stated_at"]].strip():
        extra["stated_at"] = times.read(
            cells[at["stated_at"]], path=row.path, line=row.line, column=str(columns.stated_at)
        )
    grade = cells[at["reliability"]].strip().upper() if "reliability" in at else ""
    if grade and grade not in _GRADES:
        raise TableError(
            f"{grade!r} is not a reliability grade A..F",
            path=row.path,
            line=row.line,
            column=columns.reliability,
        )
    for source in names:
        sources.seen(source, moment, stamp)
        if "parties" in at:
            found = split_canonical(cells[at["parties"]], ";")
            sources.parties.setdefault(source, set()).update(
                found.split(MULTI_JOIN) if found else ()
            )
        if grade and sources.grades.setdefault(source, grade) != grade:
            raise TableError(
                f"source {source!r} is graded {sources.grades[source]} on an earlier row, "
                f"{grade} here",
                path=row.path,
                line=row.line,
                column=columns.reliability,
            )
    return names, item, stamp, extra


def table_events(
    rows: Iterable[Row],
    *,
    header: Sequence[str] | None,
    columns: Columns,
    kind: Kind = "choice",
    normalise: Normalise = Normalise(),
    id_prefix: str = "t",
    time_format: str | None = None,
    timezone: str | None = None,
    supersede_earlier: bool = False,
    skip_bad: bool = False,
    path: str = "<table>",
) -> TableImport:
    """The SPEC v1 events (JSON objects) of a table of claims; see the module docstring.

    ``header`` names the columns (``None``: columns are 1-based numbers). Source
    ids and item cells are trimmed (inner whitespace kept). A row without a source
    or item, with too few cells, or whose time, ``stated_at`` or reliability cell
    does not read, is a :class:`TableError`; so is a value cell that does not read
    as ``kind``, unless ``skip_bad`` (then it is counted in
    :attr:`TableImport.bad`). With ``supersede_earlier``, each claim of a source
    about a proposition names that source's previous claim about it (in
    ``(recorded_at, row)`` order) in ``supersedes``.
    """
    layout = _Layout.of(header, columns, path)
    times = _Times(time_format=time_format, timezone=timezone)
    several = len(layout.values) > 1
    claims: list[dict[str, Any]] = []
    sources = _Sources()
    bad: list[TableError] = []
    empty = 0
    for row in rows:
        try:
            names, item, stamp, extra = _row_fields(row, layout, columns, times, sources)
        except TableError as error:
            if not skip_bad:
                raise
            bad.append(error)
            continue
        for name, index in layout.values:
            try:
                value = cell_value(row.cells[index], kind, normalise)
            except ValueError as exc:
                unread = TableError(str(exc), path=row.path, line=row.line, column=name)
                if not skip_bad:
                    raise unread from None
                bad.append(unread)
                continue
            if value is None:
                empty += 1
                continue
            where = f"{row.part}:{row.line}" if row.part else str(row.line)
            base = f"{id_prefix}:{where}" + (f":{name}" if several else "")
            for source in names:
                claim_id = _event_id(base + (f":{source}" if len(names) > 1 else ""))
                claims.append(
                    {
                        "type": "claim",
                        "id": claim_id,
                        "recorded_at": stamp,
                        "claim": claim_id,
                        "source": source,
                        "proposition": f"{item}/{name}" if several else item,
                        "value": value,
                        **extra,
                    }
                )
    if supersede_earlier:
        chain_corrections(claims)
    found = sources.events(id_prefix)
    return TableImport(
        events=(*found, *claims),
        claims=len(claims),
        sources=len(found),
        empty=empty,
        bad=tuple(bad),
    )


def chain_corrections(claims: list[dict[str, Any]]) -> None:
    """Make each claim name the same source's previous claim on its proposition in ``supersedes``.

    "Previous" is by ``recorded_at`` as an instant, then by position in ``claims``
    (the table's row order). Changes the dicts in place; claims that already
    supersede something are left as they are.
    """
    latest: dict[tuple[str, str], str] = {}
    ordered = sorted(
        enumerate(claims),
        key=lambda pair: (_dt.datetime.fromisoformat(pair[1]["recorded_at"]), pair[0]),
    )
    for _, claim in ordered:
        key = (claim["source"], claim["proposition"])
        if key in latest and "supersedes" not in claim:
            claim["supersedes"] = latest[key]
        latest[key] = claim["claim"]


def looks_numeric(rows: Sequence[Row], index: int, *, sample: int = 200) -> bool:
    """Whether the first ``sample`` non-empty cells of column ``index`` all read as numbers."""
    seen = 0
    for row in rows:
        if index >= len(row.cells) or not row.cells[index].strip():
            continue
        if parse_amount(row.cells[index]) is None:
            return False
        seen += 1
        if seen >= sample:
            break
    return seen > 0
