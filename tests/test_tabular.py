"""Tables of claims to SPEC events: reading, normalisation, ids, times, errors."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from discrepancy.codec import decode_event
from discrepancy.events import Claim, Source
from discrepancy.tabular import (
    EPOCH,
    Columns,
    Normalise,
    TableError,
    clock_time,
    parse_amount,
    parse_flag,
    parse_table,
    parse_time,
    read_table,
    split_canonical,
    surnames,
    table_events,
)

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
needs_datasets = pytest.mark.skipif(
    not DATASETS.is_dir(), reason=f"the shared data sets are not at {DATASETS}"
)

FLIGHTS = "src,flight,dep\naa,AA-1,7:10 a.m.\nua,AA-1,7:10aDec 1\nord,AA-1,\n"


def _import(text: str, columns: Columns, **kwargs: object) -> list[dict[str, object]]:
    table = parse_table(text, path="t.csv")
    found = table_events(table.rows, header=table.header, columns=columns, **kwargs)  # type: ignore[arg-type]
    return list(found.events)


# --- normalisers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Knuth, Donald E.", "knuth"),
        ("Donald E. Knuth", "knuth"),
        ("Aiken, Peter/ Allen, David M.", "aiken; allen"),
        ("Peter Aiken, M. David Allen", "aiken; allen"),
        ("Aiken,Peter; Allen,M. David", "aiken; allen"),
        ("Tan, Pang-Ning, Steinbach, Michael, Kumar, Vipin", "kumar; steinbach; tan"),
        ("Meyers, Scott (Author)", "meyers"),
        ("Donahoo, S. (Author) Calvert, Kenneth L. (Author)", "calvert; donahoo"),
        ("Ellis , Margaret And Stroustrup , Bjarne", "ellis; stroustrup"),
        ("R&ouml;mer, Ansgar; Pilhofer", "pilhofer; romer"),
        ("Timothy J O'Leary, Linda I O'Leary", "oleary"),
        ("TEOREY / LIGHTSTONE / NADEAU.", "lightstone; nadeau; teorey"),
        ("By Holger H. Hoos", "hoos"),
        ("aiken, peter ;  allen, m. david;", "aiken; allen"),  # the gold file's shape
        ("", ""),
    ],
)
def test_surnames_reads_the_shapes_book_sellers_write(cell: str, expected: str) -> None:
    assert surnames(cell) == expected


@given(st.lists(st.sampled_from(["Knuth, Donald", "Ada Lovelace", "Turing, Alan"]), min_size=1))
def test_surnames_ignore_order_and_repeats(names: list[str]) -> None:
    assert surnames("; ".join(names)) == surnames("; ".join(sorted(set(names), reverse=True)))


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("7:10 a.m.", "07:10"),
        ("7:10aDec 1", "07:10"),
        ("12:05 p.m.", "12:05"),
        ("12:05 a.m.", "00:05"),
        ("11:55 p.m. (Estimated runway)", "23:55"),
        ("12/02/2011 6:55 a.m.", "06:55"),
        ("19:10", "19:10"),
        ("Thu  10:15", "10:15"),
        ("Not Available", None),
        ("25:00", None),
        ("13:00 p.m.", None),
    ],
)
def test_clock_time(cell: str, expected: str | None) -> None:
    assert clock_time(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("58", 58),
        ("-3", -3),
        ("1,234,567", 1234567),
        ("1,234.5", 1234.5),
        ("30.06", 30.06),
        (".5", 0.5),
        ("1e3", 1000.0),
        ("1,23", None),
        ("12-Dec", None),
        ("N/A", None),
        ("", None),
        ("1 1/2", None),
    ],
)
def test_parse_amount(cell: str, expected: float | None) -> None:
    found = parse_amount(cell)
    assert found == expected
    assert type(found) is type(expected)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("$1,234", 1234),
        ("-$5.25", -5.25),
        ("12.5%", 12.5),
        ("1.2M", 1_200_000),
        ("3k", 3000),
        ("4.5bn", 4_500_000_000),
        ("0.0005K", 0.5),
        ("-2B", -2_000_000_000),
        ("M", None),
        ("1.2X", None),
    ],
)
def test_parse_amount_units(cell: str, expected: float | None) -> None:
    found = parse_amount(cell, magnitudes=True)
    assert found == expected
    assert type(found) is type(expected)


def test_magnitudes_are_opt_in() -> None:
    assert parse_amount("1.2M") is None


def test_parse_amount_with_other_separators() -> None:
    assert parse_amount("1.234,5", thousands=".", decimal=",") == 1234.5
    assert parse_amount("1,234", thousands="") is None


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_parse_amount_reads_grouped_integers_back(n: int) -> None:
    assert parse_amount(f"{n:,}") == n


def test_parse_flag() -> None:
    assert [parse_flag(c) for c in ["yes", "TRUE", "0", "n", "maybe"]] == [
        True,
        True,
        False,
        False,
        None,
    ]


def test_split_canonical_sorts_and_deduplicates() -> None:
    assert split_canonical(" b ;a/ b;; ", ";/") == "a; b"
    assert split_canonical("B;a", ";", casefold=True) == "a; b"


def test_parse_time() -> None:
    assert parse_time("2025-10-12T18:00:00+05:00") == "2025-10-12T18:00:00+05:00"
    assert parse_time("2025-10-12 18:00:00") == "2025-10-12T18:00:00Z"
    assert parse_time("fri jan 29 08:36:02 2010") == "2010-01-29T08:36:02Z"
    assert parse_time("29/01/2010", "%d/%m/%Y") == "2010-01-29T00:00:00Z"
    assert parse_time("yesterday") is None


# --- rows to events ---------------------------------------------------------------------------


def test_one_source_per_distinct_source_and_one_claim_per_value() -> None:
    events = _import(
        FLIGHTS,
        Columns(source="src", items=("flight",), values=("dep",)),
        normalise=Normalise(clock=True),
    )
    decoded = [decode_event(e) for e in events]
    sources = [e for e in decoded if isinstance(e, Source)]
    claims = [e for e in decoded if isinstance(e, Claim)]
    assert [s.source for s in sources] == ["aa", "ord", "ua"]
    assert all(s.parties == () for s in sources)
    assert [(c.source, c.proposition, c.value.answer) for c in claims] == [  # type: ignore[union-attr]
        ("aa", "AA-1", "07:10"),
        ("ua", "AA-1", "07:10"),
    ]
    assert [c.id for c in claims] == ["t:2", "t:3"]


def test_recorded_at_is_the_epoch_plus_the_line_without_a_time() -> None:
    events = _import(FLIGHTS, Columns(source="src", items=("flight",), values=("dep",)))
    claims = [e for e in events if e["type"] == "claim"]
    assert [c["recorded_at"] for c in claims] == ["2000-01-01T00:00:02Z", "2000-01-01T00:00:03Z"]
    assert EPOCH.year == 2000
    sources = {e["source"]: e["recorded_at"] for e in events if e["type"] == "source"}
    assert sources["aa"] == "2000-01-01T00:00:02Z"  # its earliest row


def test_time_column_and_parties_column() -> None:
    text = (
        "who,side,what,n,when\n"
        "ispr,pk-army;pk,killed,23,2025-10-12T18:00:00+05:00\n"
        "mujahid,af,killed,58,2025-10-12 09:00:00\n"
    )
    events = _import(
        text,
        Columns(source="who", items=("what",), values=("n",), time="when", parties="side"),
        kind="amount",
    )
    by_id = {e["id"]: e for e in events}
    assert by_id["t:2"]["recorded_at"] == "2025-10-12T18:00:00+05:00"
    assert by_id["t:3"]["recorded_at"] == "2025-10-12T09:00:00Z"  # naive: UTC
    assert by_id["t:source:ispr"]["parties"] == ["pk", "pk-army"]
    assert by_id["t:2"]["value"] == 23


def test_several_value_columns_name_the_proposition_after_the_column() -> None:
    text = "src,flight,dep,arr\naa,AA-1,7:10,9:40\n"
    events = _import(text, Columns(source="src", items=("flight",), values=("dep", "arr")))
    claims = {e["id"]: e["proposition"] for e in events if e["type"] == "claim"}
    assert claims == {"t:2:dep": "AA-1/dep", "t:2:arr": "AA-1/arr"}


def test_several_item_columns_are_joined() -> None:
    text = "o,p,v,s\nsanjose,Temperature,48,aol\n"
    events = _import(text, Columns(source="s", items=("o", "p"), values=("v",)), kind="amount")
    assert events[-1]["proposition"] == "sanjose/Temperature"


def test_missing_markers_and_empty_cells_make_no_claim() -> None:
    text = "s,i,v\na,x,N/A\nb,x,\nc,x, n/a \nd,x,3\n"
    table = parse_table(text)
    found = table_events(
        table.rows,
        header=table.header,
        columns=Columns(source="s", items=("i",), values=("v",)),
        kind="amount",
        normalise=Normalise(trim=True, missing=frozenset({"N/A"})),
    )
    assert found.claims == 1
    assert found.empty == 3
    assert found.sources == 4  # every distinct source is registered, even a silent one


def test_trim_and_casefold() -> None:
    text = "s,i,v\na,x,  Yes  Please \nb,x,YES please\n"
    events = _import(
        text,
        Columns(source="s", items=("i",), values=("v",)),
        normalise=Normalise(trim=True, casefold=True),
    )
    assert {e["value"] for e in events if e["type"] == "claim"} == {"yes please"}


def test_flags() -> None:
    events = _import(
        "s,i,v\na,x,yes\nb,x,0\n", Columns(source="s", items=("i",), values=("v",)), kind="flag"
    )
    assert [e["value"] for e in events if e["type"] == "claim"] == [True, False]


def test_a_bad_cell_is_a_located_error() -> None:
    with pytest.raises(TableError) as caught:
        _import(
            "s,i,v\na,x,3\nb,x,lots\n",
            Columns(source="s", items=("i",), values=("v",)),
            kind="amount",
        )
    assert str(caught.value).startswith("t.csv:3: column \"v\": 'lots' is not a number or a")
    assert (caught.value.path, caught.value.line, caught.value.column) == ("t.csv", 3, "v")
    assert isinstance(caught.value, ValueError)


def test_skip_bad_counts_instead_of_stopping() -> None:
    table = parse_table("s,i,v\na,x,3\nb,x,lots\nc,x\n", path="t.csv")
    found = table_events(
        table.rows,
        header=table.header,
        columns=Columns(source="s", items=("i",), values=("v",)),
        kind="amount",
        skip_bad=True,
    )
    assert found.claims == 1
    assert [e.line for e in found.bad] == [3, 4]


def test_a_row_without_source_is_an_error() -> None:
    with pytest.raises(TableError, match=r"t.csv:2: column \"s\": empty source or item"):
        _import("s,i,v\n ,x,3\n", Columns(source="s", items=("i",), values=("v",)))


def test_unknown_column_is_an_error() -> None:
    with pytest.raises(TableError, match="no column 'nope'"):
        _import("s,i,v\na,x,3\n", Columns(source="nope", items=("i",), values=("v",)))


def test_numbered_columns_without_header() -> None:
    table = parse_table("a\tx\tT\tKnuth, Donald\r\nb\tx\tT\tDonald Knuth\r\n", header=False)
    assert table.header is None
    found = table_events(
        table.rows,
        header=None,
        columns=Columns(source="1", items=("2",), values=("4",)),
        normalise=Normalise(names=True),
    )
    assert {e["value"] for e in found.events if e["type"] == "claim"} == {"knuth"}


def test_tab_separated_cells_keep_stray_quotes() -> None:
    table = parse_table('a\tx\tThe "Art\tKnuth\n', header=False)
    assert table.rows[0].cells == ("a", "x", 'The "Art', "Knuth")


def test_long_ids_stay_within_the_spec_limit() -> None:
    name = "s" * 400
    events = _import(f"s,i,v\n{name},x,1\n", Columns(source="s", items=("i",), values=("v",)))
    assert all(len(e["id"]) <= 256 for e in events)  # type: ignore[arg-type]
    decode_event(events[0])


@given(st.permutations(["a,x,1", "b,x,2", "c,y,3", "a,y,4"]))
def test_same_rows_same_events(rows: list[str]) -> None:
    # Ids and times come from the row's line, so a table read twice gives the
    # same events, and replaying both is a no-op.
    text = "s,i,v\n" + "\n".join(rows) + "\n"
    first = _import(text, Columns(source="s", items=("i",), values=("v",)), kind="amount")
    again = _import(text, Columns(source="s", items=("i",), values=("v",)), kind="amount")
    assert first == again
    assert len({e["id"] for e in first}) == len(first)


def test_read_table_from_a_zip_keeps_members_apart(tmp_path: Path) -> None:
    archive = tmp_path / "claims.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("d/one.csv", "s,i,v\na,x,1\n")
        z.writestr("d/two.csv", "s,i,v\nb,x,2\n")
        z.writestr("d/README", "not a table")
    table = read_table(archive)
    assert table.header == ("s", "i", "v")
    found = table_events(
        table.rows, header=table.header, columns=Columns(source="s", items=("i",), values=("v",))
    )
    assert [e["id"] for e in found.events if e["type"] == "claim"] == ["t:one:2", "t:two:2"]


def test_read_table_refuses_members_with_other_headers(tmp_path: Path) -> None:
    archive = tmp_path / "claims.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("one.csv", "s,i,v\na,x,1\n")
        z.writestr("two.csv", "s,i,w\nb,x,2\n")
    with pytest.raises(TableError, match=r"two\.csv:1: header"):
        read_table(archive)


def test_read_table_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TableError, match="cannot read"):
        read_table(tmp_path / "nope.csv")


# --- slices of the real data sets -------------------------------------------------------------


@needs_datasets
def test_book_slice() -> None:
    table = read_table(DATASETS / "book_yin2007" / "book.txt", header=False)
    assert table.header is None
    assert all(len(r.cells) == 4 for r in table.rows[:500])
    found = table_events(
        table.rows[:200],
        header=None,
        columns=Columns(source="1", items=("2",), values=("4",)),
        normalise=Normalise(names=True, missing=frozenset({"Not Available"})),
        id_prefix="book",
    )
    for event in found.events:
        decode_event(event)
    knuth = {e["value"] for e in found.events if e.get("proposition") == "0201853949"}
    assert "knuth" in knuth
    assert found.empty > 0  # "Not Available" and blank author lists


@needs_datasets
def test_flights_slice() -> None:
    table = read_table(DATASETS / "flights_raha_subset" / "dirty.csv")
    assert table.header == (
        "src",
        "flight",
        "sched_dep_time",
        "act_dep_time",
        "sched_arr_time",
        "act_arr_time",
    )
    found = table_events(
        table.rows[:100],
        header=table.header,
        columns=Columns(source="src", items=("flight",), values=table.header[2:]),
        normalise=Normalise(clock=True),
        skip_bad=True,
    )
    first = next(e for e in found.events if e["type"] == "claim")
    assert first["proposition"] == "AA-3859-IAH-ORD/sched_dep_time"
    assert first["value"] == "07:10"


@needs_datasets
def test_weather_slice_reads_the_zip_and_its_times() -> None:
    table = read_table(DATASETS / "weather_dong2010" / "weather_claims_dafna_format.zip")
    assert len(table.rows) == 365_890
    found = table_events(
        table.rows[:1000],
        header=table.header,
        columns=Columns(
            source="SourceID",
            items=("ObjectID", "PropertyID"),
            values=("PropertyValue",),
            time="TimeStamp",
        ),
        kind="amount",
        skip_bad=True,
    )
    claims = [e for e in found.events if e["type"] == "claim"]
    assert all(str(e["recorded_at"]).startswith("2010-") for e in claims)
    assert all(isinstance(e["value"], int | float) for e in claims)


# --- the import-table command -----------------------------------------------------------------


def _run(argv: list[str], logs: list[dict[str, object]] | None = None) -> int:
    import argparse

    from structlog.testing import capture_logs

    from discrepancy.cli import import_table

    parser = argparse.ArgumentParser()
    import_table.register(parser.add_subparsers())
    args = parser.parse_args(["import-table", *argv])
    with capture_logs() as captured:
        code: int = args.func(args)
    if logs is not None:
        logs.extend(captured)
    return code


def test_import_table_writes_decodable_sorted_json_lines(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    table = tmp_path / "flights.csv"
    table.write_text(FLIGHTS + "ua,AA-2,Not Available\n", encoding="utf-8")
    argv = [str(table), "--source", "src", "--item", "flight", "--value", "dep", "--clock"]
    logs: list[dict[str, object]] = []
    assert _run([*argv, "--skip-bad"], logs) == 0
    lines = capsysbinary.readouterr().out.splitlines()
    assert [e["event"] for e in logs] == ["cell_skipped", "table_imported"]
    assert logs[-1]["claims"] == 2
    assert logs[-1]["skipped"] == 1
    events = [decode_event(__import__("orjson").loads(line)) for line in lines]
    assert [e.id for e in events] == [
        "flights:source:aa",
        "flights:source:ord",
        "flights:source:ua",
        "flights:2",
        "flights:3",
    ]
    assert lines[0].startswith(b'{"id":')  # sorted keys

    out = tmp_path / "out.jsonl"
    assert _run([*argv, "--skip-bad", "--id-prefix", "f", "-o", str(out)]) == 0
    assert out.read_bytes().count(b"\n") == 5
    assert b'"id":"f:2"' in out.read_bytes()


def test_import_table_stops_at_a_bad_cell(tmp_path: Path) -> None:
    table = tmp_path / "flights.csv"
    table.write_text(FLIGHTS + "ua,AA-2,Not Available\n", encoding="utf-8")
    argv = [str(table), "--source", "src", "--item", "flight", "--value", "dep", "--clock"]
    with pytest.raises(TableError, match=r'flights\.csv:5: column "dep"'):
        _run(argv)


def test_import_table_missing_markers_and_amounts(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    table = tmp_path / "t.tsv"
    table.write_text("s\ti\tv\na\tx\t1,234\nb\tx\tN/A\n", encoding="utf-8")
    argv = [str(table), "--source", "s", "--item", "i", "--value", "v", "--kind", "amount"]
    assert _run([*argv, "--missing", "n/a"]) == 0
    lines = capsysbinary.readouterr().out.splitlines()
    assert len(lines) == 3
    assert b'"value":1234' in lines[-1]
