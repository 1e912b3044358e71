"""``discrepancy import-table``: turn a CSV/TSV table of claims into a JSON Lines event log."""

from __future__ import annotations

import argparse
import codecs
import sys
import time
from pathlib import Path
from typing import Any, BinaryIO

import orjson
import structlog

from discrepancy.cli._usage import UsageError
from discrepancy.errors import TableError
from discrepancy.presets import PRESETS, preset_events
from discrepancy.tabular import (
    Columns,
    Normalise,
    Table,
    TableImport,
    column_index,
    looks_numeric,
    read_table,
    table_events,
    zone,
)

_log = structlog.get_logger(__name__)

_SHOWN_BAD = 5


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "import-table",
        help="turn a CSV/TSV table of claims into SPEC events (JSON Lines)",
        description=(
            "Read a table with one claim per row (CSV, TSV, a .zip of them, or an .xlsx "
            "sheet) and write SPEC v1 events: one source event per distinct source, one "
            "claim per row and value column, proposition = the item; or an ACLED or UCDP "
            "GED export with --preset. See docs/import.md."
        ),
        epilog=(
            "Examples:\n"
            "  discrepancy import-table flights.csv --source src --item flight \\\n"
            "      --value act_dep_time --clock --missing 'Not Available' -o flights.jsonl\n"
            "  discrepancy import-table book.txt --no-header --source 1 --item 2 --value 4 \\\n"
            "      --names --missing 'Not Available'\n"
            "  discrepancy import-table weather.zip --source SourceID --item ObjectID \\\n"
            "      --item PropertyID --value PropertyValue --kind amount --time TimeStamp \\\n"
            "      --skip-bad\n"
            "  discrepancy import-table acled.csv --preset acled --supersede-earlier \\\n"
            "      -o acled.jsonl"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE", help="the table (.csv, .tsv, .txt, .zip or .xlsx)")
    columns = parser.add_argument_group(
        "columns", "header names, or 1-based numbers (always numbers with --no-header)"
    )
    columns.add_argument(
        "--preset",
        choices=PRESETS,
        help="the column layout of an ACLED or UCDP GED export (then no --source/--item/--value; "
        "see docs/import.md, Presets)",
    )
    columns.add_argument("--source", metavar="COL", help="who says it")
    columns.add_argument(
        "--source-split",
        default="",
        metavar="CHARS",
        help="separators of several sources in one source cell ('Dawn; Reuters'): each is a source",
    )
    columns.add_argument(
        "--item",
        action="append",
        metavar="COL",
        help="what it is about: the proposition (repeatable; joined with '/')",
    )
    columns.add_argument(
        "--value",
        action="append",
        metavar="COL",
        help="what is said (repeatable: then the proposition is ITEM/COL)",
    )
    columns.add_argument("--time", metavar="COL", help="when it was recorded (else row order)")
    columns.add_argument("--time-format", metavar="FMT", help="strptime format of --time")
    columns.add_argument(
        "--timezone",
        metavar="ZONE",
        help="IANA zone of times written without an offset (default: UTC), e.g. Asia/Karachi",
    )
    columns.add_argument("--parties", metavar="COL", help="the source's parties, ';'-separated")
    columns.add_argument("--reliability", metavar="COL", help="the source's grade, A..F")
    columns.add_argument("--quote", metavar="COL", help="the claim's words, as quoted")
    columns.add_argument("--url", metavar="COL", help="where the claim was published")
    columns.add_argument(
        "--stated-at", metavar="COL", help="when the source said it (read like --time)"
    )
    reading = parser.add_argument_group("reading")
    reading.add_argument("--no-header", action="store_true", help="the first row is data")
    reading.add_argument("--delimiter", metavar="CHAR", help="default: tab if seen, else comma")
    reading.add_argument("--encoding", default="utf-8", help="text encoding (default: utf-8)")
    reading.add_argument("--sheet", metavar="NAME", help="the sheet of an .xlsx (default: first)")
    values = parser.add_argument_group("values")
    values.add_argument(
        "--kind",
        choices=("amount", "choice", "flag"),
        help="the value kind of SPEC section 3 (default: choice; a warning when the "
        "column looks numeric)",
    )
    values.add_argument("--trim", action="store_true", help="strip cells, collapse spaces")
    values.add_argument("--casefold", action="store_true", help="compare text caselessly")
    values.add_argument(
        "--missing",
        action="append",
        default=[],
        metavar="TEXT",
        help="a cell meaning 'nothing said', e.g. N/A (repeatable; caseless)",
    )
    values.add_argument(
        "--split",
        default="",
        metavar="CHARS",
        help="separators of multi-valued cells: parts are sorted, de-duplicated, joined by '; '",
    )
    values.add_argument(
        "--names", action="store_true", help="cells are lists of person names: keep surnames"
    )
    values.add_argument("--clock", action="store_true", help="cells hold times of day: HH:MM")
    values.add_argument("--thousands", default=",", metavar="CHAR", help="default ','")
    values.add_argument("--decimal", default=".", metavar="CHAR", help="default '.'")
    values.add_argument(
        "--magnitudes", action="store_true", help="read 1.2k, 3M, 4B, 5bn, 1T as numbers"
    )
    values.add_argument(
        "--exact-figures",
        action="store_true",
        help="amounts are plain numbers only: no vague figures such as 100-300 or 'at least 23'",
    )
    output = parser.add_argument_group("output")
    output.add_argument(
        "--skip-bad",
        action="store_true",
        help="skip (and count) cells that cannot be read, instead of stopping at the first",
    )
    output.add_argument(
        "--supersede-earlier",
        action="store_true",
        help="a source's later row about an item corrects its earlier one (claims name it in "
        "supersedes)",
    )
    output.add_argument("--id-prefix", metavar="TEXT", help="event id prefix (default: file stem)")
    output.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    _check_options(args)
    started = time.perf_counter()
    path = Path(args.file)
    output = None if args.output is None else Path(args.output)
    if output is not None and not output.parent.is_dir():
        raise TableError(f"cannot write: no folder {output.parent}", path=output)
    table = read_table(
        path,
        delimiter=None if args.delimiter is None else args.delimiter.replace("\\t", "\t"),
        header=not args.no_header,
        encoding=args.encoding,
        sheet=args.sheet,
    )
    prefix = args.id_prefix or path.stem
    if args.preset is not None:
        imported = preset_events(
            table,
            args.preset,
            id_prefix=prefix,
            supersede_earlier=args.supersede_earlier,
            skip_bad=args.skip_bad,
            path=str(path),
        )
    else:
        imported = _generic(args, table, prefix, path)
    for error in imported.bad[:_SHOWN_BAD]:
        _log.warning("cell_skipped", reason=str(error))
    if output is None:
        _write(sys.stdout.buffer, imported.events)
        sys.stdout.flush()
    else:
        try:
            with open(output, "wb") as handle:
                _write(handle, imported.events)
        except OSError as exc:
            raise TableError(f"cannot write: {exc.strerror or exc}", path=output) from None
    _log.info(
        "table_imported",
        rows=len(table.rows),
        sources=imported.sources,
        claims=imported.claims,
        empty=imported.empty,
        skipped=len(imported.bad),
        seconds=round(time.perf_counter() - started, 3),
    )
    return 0


_COLUMN_OPTIONS = (
    *("source", "item", "value", "time", "time_format", "timezone", "parties", "reliability"),
    *("quote", "url", "stated_at", "source_split", "kind"),
)
"""The options whose say a preset takes over."""


def _check_options(args: argparse.Namespace) -> None:
    if args.delimiter is not None and len(args.delimiter.replace("\\t", "\t")) != 1:
        raise UsageError("--delimiter takes one character (\\t for a tab)")
    if args.thousands == args.decimal:
        raise UsageError("--thousands and --decimal must differ")
    try:
        codecs.lookup(args.encoding)
    except LookupError:
        raise UsageError(f"--encoding: unknown encoding {args.encoding!r}") from None
    if args.time_format is not None and args.time is None:
        raise UsageError("--time-format needs --time")
    if args.timezone is not None:
        try:
            zone(args.timezone)
        except TableError as exc:
            raise UsageError(f"--timezone: {exc.reason}") from None
    generic = [n for n in _COLUMN_OPTIONS if getattr(args, n)]
    if args.preset is not None and generic:
        option = "--" + generic[0].replace("_", "-")
        raise UsageError(f"--preset {args.preset} sets the columns: drop {option}")
    if args.preset is None and len(generic) < 3:
        missing = next(n for n in ("source", "item", "value") if not getattr(args, n))
        raise UsageError(f"--{missing} is required (or --preset acled|ucdp-ged)")


def _generic(args: argparse.Namespace, table: Table, prefix: str, path: Path) -> TableImport:
    columns = Columns(
        source=args.source,
        items=tuple(args.item),
        values=tuple(args.value),
        time=args.time,
        parties=args.parties,
        quote=args.quote,
        url=args.url,
        stated_at=args.stated_at,
        reliability=args.reliability,
        source_split=args.source_split,
    )
    if args.kind is None:
        numeric = [
            name
            for name in columns.values
            if looks_numeric(table.rows, column_index(table.header, name, str(path)))
        ]
        if numeric:
            _log.warning(
                f"column {numeric[0]!r} looks numeric but is read as choices (text): "
                "pass --kind amount to read numbers and ranges",
                path=str(path),
            )
    return table_events(
        table.rows,
        header=table.header,
        columns=columns,
        kind=args.kind or "choice",
        normalise=Normalise(
            trim=args.trim,
            casefold=args.casefold,
            missing=frozenset(args.missing),
            split=args.split,
            names=args.names,
            clock=args.clock,
            thousands=args.thousands,
            decimal=args.decimal,
            magnitudes=args.magnitudes,
            vague=not args.exact_figures,
        ),
        id_prefix=prefix,
        time_format=args.time_format,
        timezone=args.timezone,
        supersede_earlier=args.supersede_earlier,
        skip_bad=args.skip_bad,
        path=str(path),
    )


def _write(handle: BinaryIO, events: tuple[dict[str, Any], ...]) -> None:
    option = orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE
    handle.writelines(orjson.dumps(event, option=option) for event in events)
