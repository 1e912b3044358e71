"""``discrepancy import-table``: turn a CSV/TSV table of claims into a JSON Lines event log."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, BinaryIO

import orjson
import structlog

from discrepancy.cli._usage import UsageError
from discrepancy.tabular import Columns, Normalise, read_table, table_events

_log = structlog.get_logger(__name__)

_SHOWN_BAD = 5


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "import-table",
        help="turn a CSV/TSV table of claims into SPEC events (JSON Lines)",
        description=(
            "Read a table with one claim per row (CSV, TSV, or a .zip of them) and write "
            "SPEC v1 events: one source event per distinct source, one claim per row and "
            "value column, proposition = the item. See docs/import.md."
        ),
        epilog=(
            "Examples:\n"
            "  discrepancy import-table flights.csv --source src --item flight \\\n"
            "      --value act_dep_time --clock --missing 'Not Available' -o flights.jsonl\n"
            "  discrepancy import-table book.txt --no-header --source 1 --item 2 --value 4 \\\n"
            "      --names --missing 'Not Available'\n"
            "  discrepancy import-table weather.zip --source SourceID --item ObjectID \\\n"
            "      --item PropertyID --value PropertyValue --kind amount --time TimeStamp \\\n"
            "      --skip-bad"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE", help="the table (.csv, .tsv, .txt or .zip)")
    columns = parser.add_argument_group(
        "columns", "header names, or 1-based numbers (always numbers with --no-header)"
    )
    columns.add_argument("--source", required=True, metavar="COL", help="who says it")
    columns.add_argument(
        "--item",
        required=True,
        action="append",
        metavar="COL",
        help="what it is about: the proposition (repeatable; joined with '/')",
    )
    columns.add_argument(
        "--value",
        required=True,
        action="append",
        metavar="COL",
        help="what is said (repeatable: then the proposition is ITEM/COL)",
    )
    columns.add_argument("--time", metavar="COL", help="when it was recorded (else row order)")
    columns.add_argument("--time-format", metavar="FMT", help="strptime format of --time")
    columns.add_argument("--parties", metavar="COL", help="the source's parties, ';'-separated")
    reading = parser.add_argument_group("reading")
    reading.add_argument("--no-header", action="store_true", help="the first row is data")
    reading.add_argument("--delimiter", metavar="CHAR", help="default: tab if seen, else comma")
    reading.add_argument("--encoding", default="utf-8", help="text encoding (default: utf-8)")
    values = parser.add_argument_group("values")
    values.add_argument(
        "--kind",
        choices=("amount", "choice", "flag"),
        default="choice",
        help="the value kind of SPEC section 3 (default: choice)",
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
    output = parser.add_argument_group("output")
    output.add_argument(
        "--skip-bad",
        action="store_true",
        help="skip (and count) cells that cannot be read, instead of stopping at the first",
    )
    output.add_argument("--id-prefix", metavar="TEXT", help="event id prefix (default: file stem)")
    output.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.delimiter is not None and len(args.delimiter.replace("\\t", "\t")) != 1:
        raise UsageError("--delimiter takes one character (\\t for a tab)")
    if args.thousands == args.decimal:
        raise UsageError("--thousands and --decimal must differ")
    started = time.perf_counter()
    path = Path(args.file)
    table = read_table(
        path,
        delimiter=None if args.delimiter is None else args.delimiter.replace("\\t", "\t"),
        header=not args.no_header,
        encoding=args.encoding,
    )
    imported = table_events(
        table.rows,
        header=table.header,
        columns=Columns(
            source=args.source,
            items=tuple(args.item),
            values=tuple(args.value),
            time=args.time,
            parties=args.parties,
        ),
        kind=args.kind,
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
        ),
        id_prefix=args.id_prefix or path.stem,
        time_format=args.time_format,
        skip_bad=args.skip_bad,
        path=str(path),
    )
    for error in imported.bad[:_SHOWN_BAD]:
        _log.warning("cell_skipped", reason=str(error))
    if args.output is None:
        _write(sys.stdout.buffer, imported.events)
        sys.stdout.flush()
    else:
        with open(args.output, "wb") as handle:
            _write(handle, imported.events)
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


def _write(handle: BinaryIO, events: tuple[dict[str, Any], ...]) -> None:
    option = orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE
    handle.writelines(orjson.dumps(event, option=option) for event in events)
