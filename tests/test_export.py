"""The flat typed CSV and the Arrow/Parquet export: one row per claim, no JSON in cells."""

from __future__ import annotations

import csv
import io
from importlib.resources import as_file, files
from pathlib import Path

import pytest
from hypothesis import event, given, settings

from discrepancy import reconcile, replay
from discrepancy.cli import main
from discrepancy.export import COLUMNS, arrow_table, claim_rows, flat_csv, write_parquet
from discrepancy.logs import replay_paths
from discrepancy.report import report
from discrepancy.state import State
from discrepancy.values import value_to_json
from tests.strategies import logs


def _example() -> State:
    with as_file(files("discrepancy") / "examples" / "border_clash.jsonl") as path:
        return replay_paths([path])


def test_the_csv_has_typed_columns_and_no_json() -> None:
    state = _example()
    rows = list(csv.DictReader(io.StringIO(flat_csv(reconcile(state), state))))
    assert tuple(rows[0]) == COLUMNS
    killed = [r for r in rows if r["proposition"] == "pk-soldiers-killed/2025-10-12-border"]
    ispr = next(r for r in killed if r["source"] == "ispr")
    assert (ispr["value_kind"], ispr["value_min"], ispr["value_max"], ispr["value"]) == (
        "amount",
        "23",
        "23",
        "23",
    )
    assert (ispr["status"], ispr["best"], ispr["best_min"], ispr["best_max"]) == (
        "resolved",
        "23 to 58",
        "23",
        "58",
    )
    assert ispr["resolution_analyst"] == "desk-analyst"
    assert ispr["recorded_at"] == "2025-10-12T15:10:00+05:00"
    assert ispr["quote"]
    fired = [r for r in rows if r["proposition"] == "who-fired-first/2025-10-12-border"]
    assert {r["value_text"] for r in fired} == {"pakistan", "afghan-taliban"}
    assert {r["value_min"] for r in fired} == {""}
    assert any(r["confirmed_by"] == "taliban-defence" for r in fired)
    assert not any(c.startswith(("{", '"')) for r in rows for c in r.values())


@settings(max_examples=60, deadline=None)
@given(logs())
def test_rows_are_the_report_s_claims_with_their_values(log: list[object]) -> None:
    state = replay(log)  # type: ignore[arg-type]
    found = reconcile(state)
    expected = report(found)["propositions"]
    rows = claim_rows(found, state)
    event("some claims" if rows else "no claims")
    assert [(r["proposition"], r["claim"]) for r in rows] == [
        (key, c["claim"]) for key in sorted(expected) for c in expected[key]["claims"]
    ]
    for row in rows:
        claim = next(
            c for c in expected[row["proposition"]]["claims"] if c["claim"] == row["claim"]
        )
        raw = claim["value"]
        if isinstance(raw, dict):
            assert (row["value_min"], row["value_max"]) == (raw.get("min"), raw.get("max"))
        elif isinstance(raw, bool):
            assert row["value_text"] == ("true" if raw else "false")
        elif isinstance(raw, str):
            assert row["value_text"] == raw
        else:
            assert row["value_min"] == row["value_max"] == raw
        assert row["live"] is claim["live"]
        assert row["credibility"] == claim.get("credibility")
        assert row["confirmed_by"] == claim["confirmed_by"]
        best = expected[row["proposition"]]["best"]
        if isinstance(best, dict):
            assert (row["best_min"], row["best_max"]) == (best.get("min"), best.get("max"))


def test_parquet_round_trips_through_pyarrow(tmp_path: Path) -> None:
    pq = pytest.importorskip(
        "pyarrow.parquet", reason="the parquet extra is part of the test extra"
    )
    state = _example()
    found = reconcile(state)
    path = tmp_path / "claims.parquet"
    with open(path, "wb") as out:
        write_parquet(found, state, out)
    table = pq.read_table(path)
    assert table.column_names == list(COLUMNS)
    assert table.num_rows == len(claim_rows(found, state))
    assert str(table.schema.field("value_min").type) == "double"
    assert str(table.schema.field("credibility").type) == "int8"
    assert str(table.schema.field("confirmed_by").type).startswith("list<")
    assert table.equals(arrow_table(found, state))
    killed = [
        r for r in table.to_pylist() if r["proposition"] == "pk-soldiers-killed/2025-10-12-border"
    ]
    assert {r["value_min"] for r in killed} == {23.0, 58.0}
    assert value_to_json(found.propositions[killed[0]["proposition"]].best) == {
        "min": 23,
        "max": 58,
    }


def test_replay_writes_csv_and_parquet(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    pytest.importorskip("pyarrow", reason="the parquet extra is part of the test extra")
    assert main(["-q", "replay", "--example", "--format", "csv"]) == 0
    text = capsysbinary.readouterr().out.decode()
    assert text.splitlines()[0] == ",".join(COLUMNS)
    assert main(["-q", "replay", "--example", "--format", "parquet"]) == 0
    assert capsysbinary.readouterr().out.startswith(b"PAR1")
