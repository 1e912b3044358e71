"""ACLED and UCDP GED presets, and the newer table options (xlsx, columns, corrections, zones)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from discrepancy.cli import main
from discrepancy.codec import decode_event
from discrepancy.errors import TableError
from discrepancy.presets import preset_events
from discrepancy.reconcile import reconcile
from discrepancy.state import replay
from discrepancy.tabular import Columns, parse_table, read_table, table_events

DATA = Path(__file__).resolve().parent / "data"


def _preset(name: str, preset: str, **kwargs: Any) -> list[dict[str, Any]]:
    table = read_table(DATA / name)
    return list(preset_events(table, preset, id_prefix="x", **kwargs).events)  # type: ignore[arg-type]


def _claims(events: list[dict[str, Any]], proposition: str) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == "claim" and e["proposition"] == proposition]


def test_acled_multi_source_cells_become_separate_sources_carried_via_acled() -> None:
    events = _preset("acled_sample.csv", "acled")
    sources = {e["source"]: e for e in events if e["type"] == "source"}
    assert set(sources) == {
        "Al Jazeera",
        "Dawn",
        "Reuters",
        "TOLOnews",
        "Pajhwok Afghan News",
        "acled",
    }
    assert sources["acled"]["kind"] == "data set"
    first = [c for c in _claims(events, "acled/XPK1001/fatalities") if c["id"].startswith("x:2:")]
    assert sorted(c["source"] for c in first) == ["Al Jazeera", "Dawn", "Reuters"]
    assert {c["value"] for c in first} == {23}
    assert {c["via"] for c in first} == {"acled"}
    assert {c["recorded_at"] for c in first} == {"2025-10-14T00:00:00Z"}  # timestamp 1760400000
    assert {c["event_date"] for c in first} == {"2025-10-12"}
    assert all(c["quote"].startswith("On 12 October 2025") for c in first)
    actors = _claims(events, "acled/XPK1002/actor2")
    assert {c["value"] for c in actors} == {"Civilians (Afghanistan)"}
    assert {c["event_date"] for c in actors} == {"2025-10-13"}  # "13 October 2025"
    found = reconcile(replay(decode_event(e) for e in events))
    assert not found.anomalies
    assert found.propositions["acled/XPK1001/fatalities"].status == "contested"  # 23 vs Dawn's 25


def test_acled_later_rows_correct_earlier_ones_with_supersede_earlier() -> None:
    events = _preset("acled_sample.csv", "acled", supersede_earlier=True)
    dawn = [c for c in _claims(events, "acled/XPK1001/fatalities") if c["source"] == "Dawn"]
    assert [(c["value"], c.get("supersedes")) for c in dawn] == [
        (23, None),
        (25, "x:2:fatalities:Dawn"),
    ]
    finding = reconcile(replay(decode_event(e) for e in events)).propositions[
        "acled/XPK1001/fatalities"
    ]
    live = {c.source: c.value.low for c in finding.claims if c.live}  # type: ignore[union-attr]
    assert live == {"Al Jazeera": 23, "Dawn": 25, "Reuters": 23}


def test_ucdp_low_and_high_are_one_interval_claim_and_best_is_kept() -> None:
    events = _preset("ucdp_ged_sample.csv", "ucdp-ged")
    deaths = _claims(events, "ucdp-ged/900001/deaths")
    assert [(c["source"], c["value"], c["ucdp_best"]) for c in deaths] == [
        ("Dawn", {"min": 23, "max": 58}, 35),
        ("Reuters", {"min": 23, "max": 58}, 35),
    ]
    assert [c["stated_at"] for c in deaths] == ["2025-10-13T00:00:00Z", "2025-10-14T00:00:00Z"]
    assert deaths[0]["quote"].startswith("Border clash")
    (single,) = _claims(events, "ucdp-ged/900002/deaths")
    assert single["value"] == 4  # low == best == high: exactly 4
    assert not any(
        e["proposition"].endswith(("/best", "/low", "/high")) for e in events if "proposition" in e
    )
    sides = _claims(events, "ucdp-ged/900001/side_b")
    assert {c["value"] for c in sides} == {"TTP"}
    state = replay(decode_event(e) for e in events)
    kept = next(e for e in state.events() if e.id == deaths[0]["id"])
    assert kept.extra == (("ucdp_best", 35),)
    finding = reconcile(state).propositions["ucdp-ged/900001/deaths"]
    assert (finding.status, finding.low, finding.high) == ("corroborated", 23, 58)


def test_a_preset_names_the_columns_it_misses_and_locates_bad_cells() -> None:
    with pytest.raises(TableError, match="not a ucdp-ged table: no column best"):
        preset_events(
            parse_table("id,low,high,source_office\n1,2,3,a\n"), "ucdp-ged", id_prefix="x"
        )
    table = parse_table("id,best,low,high,source_office\n1,5,9,3,a\n", path="g.csv")
    with pytest.raises(TableError) as caught:
        preset_events(table, "ucdp-ged", id_prefix="x")
    assert str(caught.value) == 'g.csv:2: column "best": low 9, best 5, high 3 are not in order'
    table = parse_table("event_id_cnty,source,fatalities,timestamp\nA1,Dawn,3,soon\n", path="a.csv")
    with pytest.raises(TableError, match=r'a\.csv:2: column "timestamp"'):
        preset_events(table, "acled", id_prefix="x")
    skipped = preset_events(table, "acled", id_prefix="x", skip_bad=True)
    assert (skipped.claims, len(skipped.bad)) == (0, 1)


def test_older_layouts_and_date_spellings_are_read() -> None:
    old_ged = parse_table("id,best_est,low_est,high_est,source_office\n7,5,3,9,AFP;Reuters\n")
    events = list(preset_events(old_ged, "ucdp-ged", id_prefix="x").events)
    deaths = _claims(events, "ucdp-ged/7/deaths")
    assert [(c["source"], c["value"], c["ucdp_best"]) for c in deaths] == [
        ("AFP", {"min": 3, "max": 9}, 5),
        ("Reuters", {"min": 3, "max": 9}, 5),
    ]
    acled = parse_table(
        "EVENT_ID_CNTY,EVENT_DATE,SOURCE,FATALITIES,TIMESTAMP\n"
        "A1,15-January-2023,Dawn,3,2023-01-20\n"
        "A2,2023-01-16,Dawn,0,\n"
    )
    with pytest.raises(TableError, match=r':3: column "timestamp": \'\' is not a Unix time'):
        preset_events(acled, "acled", id_prefix="x")
    first = list(preset_events(acled, "acled", id_prefix="x", skip_bad=True).events)
    (claim,) = [e for e in first if e["type"] == "claim"]
    assert (claim["event_date"], claim["recorded_at"]) == ("2023-01-15", "2023-01-20T00:00:00Z")


def test_the_cli_imports_a_preset(tmp_path: Path) -> None:
    out = tmp_path / "acled.jsonl"
    assert (
        main(
            [
                "-q",
                "import-table",
                str(DATA / "acled_sample.csv"),
                "--preset",
                "acled",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    lines = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert sum(e["type"] == "source" for e in lines) == 6


def test_the_cli_refuses_a_preset_with_column_options(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["import-table", str(DATA / "acled_sample.csv"), "--preset", "acled", "--source", "x"]
    )
    assert code == 2
    assert "--preset acled sets the columns: drop --source" in capsys.readouterr().err
    argv = ["import-table", str(DATA / "acled_sample.csv"), "--preset", "acled"]
    assert main([*argv, "--stated-at", "event_date"]) == 2
    assert "drop --stated-at" in capsys.readouterr().err


# --- the generic table's newer options ---------------------------------------------------------

TABLE = (
    "who,item,n,said,link,grade,when,stated\n"
    "Dawn; Reuters,killed,23,23 soldiers died,https://e.x/1,B,2025-10-12 10:00:00,2025-10-12\n"
    "Dawn,killed,about 30,revised,,B,2025-10-13 10:00:00,\n"
)


def _generic(text: str = TABLE, **kwargs: Any) -> list[dict[str, Any]]:
    table = parse_table(text, path="t.csv")
    columns = Columns(
        source="who",
        items=("item",),
        values=("n",),
        quote="said",
        url="link",
        reliability="grade",
        time="when",
        stated_at="stated",
        source_split=";",
    )
    found = table_events(table.rows, header=table.header, columns=columns, kind="amount", **kwargs)  # type: ignore[arg-type]
    return list(found.events)


def test_quote_url_stated_at_reliability_and_split_sources() -> None:
    events = _generic(timezone="Asia/Karachi")
    sources = {e["source"]: e for e in events if e["type"] == "source"}
    assert sorted(sources) == ["Dawn", "Reuters"]
    assert {s["reliability"] for s in sources.values()} == {"B"}
    claims = [e for e in events if e["type"] == "claim"]
    assert [(c["id"], c["source"], c["value"]) for c in claims] == [
        ("t:2:Dawn", "Dawn", 23),
        ("t:2:Reuters", "Reuters", 23),
        ("t:3", "Dawn", {"min": 27, "max": 33}),
    ]
    assert claims[0]["quote"] == "23 soldiers died"
    assert claims[0]["url"] == "https://e.x/1"
    assert claims[0]["recorded_at"] == "2025-10-12T10:00:00+05:00"  # naive, in --timezone
    assert claims[0]["stated_at"] == "2025-10-12T00:00:00+05:00"
    assert "stated_at" not in claims[2]
    assert "url" not in claims[2]
    for e in events:
        decode_event(e)


def test_supersede_earlier_chains_a_source_s_rows_by_time() -> None:
    claims = [e for e in _generic(supersede_earlier=True) if e["type"] == "claim"]
    assert [c.get("supersedes") for c in claims] == [None, None, "t:2:Dawn"]
    assert all("supersedes" not in c for c in (e for e in _generic() if e["type"] == "claim"))


def test_unreadable_times_and_grades_are_located_errors() -> None:
    with pytest.raises(TableError) as caught:
        _generic(TABLE.replace("2025-10-13 10:00:00", "tomorrow"))
    assert (
        str(caught.value)
        == "t.csv:3: column \"when\": 'tomorrow' is not a time (see --time-format)"
    )
    with pytest.raises(TableError, match=r't\.csv:3: column "when": an empty time cell'):
        _generic(TABLE.replace("2025-10-13 10:00:00", ""))
    with pytest.raises(TableError, match="'Z' is not a reliability grade"):
        _generic(TABLE.replace(",B,2025-10-13", ",Z,2025-10-13"))
    with pytest.raises(TableError, match="graded B on an earlier row, C here"):
        _generic(TABLE.replace(",B,2025-10-13", ",C,2025-10-13"))


def test_xlsx_is_read_with_openpyxl(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl", reason="the xlsx extra is part of the test extra")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["who", "item", "n"])
    sheet.append(["Dawn; Reuters", "killed", 23])
    sheet.append([None, None, None])
    sheet.append(["ISPR", "killed", "at least 20"])
    path = tmp_path / "claims.xlsx"
    book.save(path)
    table = read_table(path)
    assert table.header == ("who", "item", "n")
    assert [(r.line, r.cells) for r in table.rows] == [
        (2, ("Dawn; Reuters", "killed", "23")),
        (4, ("ISPR", "killed", "at least 20")),
    ]
    out = tmp_path / "out.jsonl"
    argv = ["-q", "import-table", str(path), "--source", "who", "--source-split", ";"]
    argv += ["--item", "item", "--value", "n", "--kind", "amount", "-o", str(out)]
    assert main(argv) == 0
    values = [orjson.loads(x).get("value") for x in out.read_bytes().splitlines()]
    assert values[-3:] == [23, 23, {"min": 20}]
    with pytest.raises(TableError, match="no sheet 'other'"):
        read_table(path, sheet="other")


def test_the_cli_warns_of_a_numeric_column_read_as_choices(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "n.csv"
    path.write_text("s,i,v\na,x,5\nb,x,1,200\n".replace("1,200", '"1,200"'))
    assert main(["import-table", str(path), "--source", "s", "--item", "i", "--value", "v"]) == 0
    err = capsys.readouterr().err
    assert "column 'v' looks numeric" in err
    assert "--kind amount" in err
    assert (
        main(
            [
                "-q",
                "import-table",
                str(path),
                "--source",
                "s",
                "--item",
                "i",
                "--value",
                "v",
                "--kind",
                "choice",
            ]
        )
        == 0
    )
    assert "looks numeric" not in capsys.readouterr().err


def test_the_cli_output_into_a_missing_folder_is_one_located_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "no" / "such" / "out.jsonl"
    argv = ["import-table", str(DATA / "acled_sample.csv"), "--preset", "acled", "-o", str(out)]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"discrepancy: {out}: cannot write: no folder {out.parent}"]
    assert not out.parent.exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--timezone", "Mars/Olympus"], "--timezone: unknown time zone 'Mars/Olympus'"),
        (["--time-format", "%Y"], "--time-format needs --time"),
        (["--encoding", "klingon"], "--encoding: unknown encoding 'klingon'"),
    ],
)
def test_the_cli_refuses_bad_reading_options(
    extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["import-table", str(DATA / "acled_sample.csv"), "--source", "source"]
    assert main([*argv, "--item", "event_id_cnty", "--value", "fatalities", *extra]) == 2
    assert message in capsys.readouterr().err
