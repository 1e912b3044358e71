"""Vague figures: the one table shared by the parser and docs/howto-encode.md, and properties."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from discrepancy.figures import FIGURES, FigureError, parse_amount, parse_figure
from discrepancy.tabular import Normalise, cell_value
from discrepancy.values import value_from_json

PAGE = Path(__file__).resolve().parents[1] / "docs" / "howto-encode.md"
_ROW = re.compile(r"^\| `([^`]+)` \| `([^`]+)` \| (.+) \|$", re.MULTILINE)


def doc_rows() -> list[tuple[str, Any]]:
    text = PAGE.read_text()
    table = text.split("<!-- figures -->", 1)[1].split("<!-- /figures -->", 1)[0]
    return [(cell, json.loads(value)) for cell, value, _ in _ROW.findall(table)]


def test_the_page_prints_the_code_s_table_row_for_row() -> None:
    assert doc_rows() == [(f.example, f.value) for f in FIGURES]


@pytest.mark.parametrize(("cell", "value"), doc_rows())
def test_every_row_of_the_page_parses_as_shown(cell: str, value: Any) -> None:
    assert parse_figure(cell) == value
    assert cell_value(cell, "amount", Normalise()) == value
    value_from_json(value)  # a valid SPEC value


@pytest.mark.parametrize(
    "cell",
    [
        "lots",
        "dozens of people",
        "12-Dec",
        "1 1/2",
        "300-100",
        "more than 2.5",
        "-5-3",
        "about",
        "",
    ],
)
def test_anything_else_is_refused_never_guessed(cell: str) -> None:
    with pytest.raises(FigureError):
        parse_figure(cell)
    if cell:
        with pytest.raises(ValueError, match=re.escape(repr(cell))):
            cell_value(cell, "amount", Normalise())


def test_the_error_pickles_to_itself() -> None:
    import pickle

    with pytest.raises(FigureError) as caught:
        parse_figure("lots")
    again = pickle.loads(pickle.dumps(caught.value))
    assert (type(again), str(again), again.reason) == (
        FigureError,
        str(caught.value),
        caught.value.reason,
    )


def test_exact_figures_turns_the_table_off() -> None:
    with pytest.raises(ValueError, match="is not a number"):
        cell_value("100-300", "amount", Normalise(vague=False))


counts = st.integers(min_value=0, max_value=10**7)


def _written(n: int, grouped: bool) -> str:
    return f"{n:,}" if grouped else str(n)


FORMS = {
    "exact": ("{a}", lambda a, b: a),
    "hyphen": ("{a}-{b}", lambda a, b: {"min": a, "max": b}),
    "en dash": ("{a} \u2013 {b}", lambda a, b: {"min": a, "max": b}),
    "to": ("{a} to {b}", lambda a, b: {"min": a, "max": b}),
    "at least": ("At least {a}", lambda a, b: {"min": a}),
    "more than": ("more than  {a}", lambda a, b: {"min": a + 1}),
    "over": ("OVER {a}", lambda a, b: {"min": a + 1}),
    "up to": ("up to {a}", lambda a, b: {"max": a}),
    "fewer than": ("fewer than {a}", lambda a, b: {"max": a - 1}),
    "tilde": ("~{a}", None),
    "about": ("about {a}", None),
}


@given(
    form=st.sampled_from(sorted(FORMS)),
    a=counts,
    b=counts,
    grouped=st.booleans(),
)
def test_generated_figures_read_as_their_form_says(
    form: str, a: int, b: int, grouped: bool
) -> None:
    a, b = min(a, b), max(a, b)
    template, expected = FORMS[form]
    cell = template.format(a=_written(a, grouped), b=_written(b, grouped))
    event(form)
    got = parse_figure(cell)
    if expected is None:  # about: 10% either side, widened to whole numbers
        assert isinstance(got, dict)
        assert got["min"] <= a <= got["max"]
        assert got["min"] >= a - a // 10 - 1
        assert got["max"] <= a + a // 10 + 1
        assert a - got["min"] == pytest.approx(got["max"] - a, abs=1)
    else:
        assert got == expected(a, b)


@given(st.text(alphabet="0123456789,.-+~ tolessmarbu\u2013$%kM", max_size=14))
def test_the_fast_path_and_the_table_agree(cell: str) -> None:
    # cell_value tries parse_amount first: where it reads a number, so does the table.
    plain = parse_amount(cell)
    try:
        table: Any = parse_figure(cell)
    except FigureError:
        table = FigureError
    if plain is not None:
        event("plain number")
        assert table == plain
    elif table is not FigureError:
        event("vague figure")
    try:
        via_cell: Any = cell_value(cell, "amount", Normalise())
    except ValueError:
        via_cell = FigureError
    if cell.strip():
        assert via_cell == table
