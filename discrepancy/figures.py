"""Vague figures ("100-300", "at least 23", "~500", "dozens") read as SPEC amounts.

Reports rarely give one number. :func:`parse_figure` reads the forms in
:data:`FIGURES`, one documented table that ``docs/howto-encode.md`` prints
row by row (a test checks that every row of the page parses as shown), and
returns the JSON value of SPEC section 3: a number, or ``{"min": a}``,
``{"max": b}``, ``{"min": a, "max": b}``.

Anything it cannot read raises :class:`FigureError` with the reason; it
never guesses. Pure: no I/O.
"""

from __future__ import annotations

import decimal as decimal_
import functools
import math
import re
from collections.abc import Callable
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Final, TypeAlias

import attrs

from discrepancy.errors import DiscrepancyError

Figure: TypeAlias = int | float | dict[str, int | float]


class FigureError(DiscrepancyError, ValueError):
    """A cell that is not one of the figures of :data:`FIGURES` (the message says why).

    Unlocated: :mod:`discrepancy.tabular` turns it into a
    :class:`~discrepancy.errors.TableError` naming file, line and column.
    """

    def __init__(self, reason: str) -> None:
        self._remember(reason)
        self.reason = reason
        super().__init__(reason)


@attrs.frozen(kw_only=True)
class FigureForm:
    """One row of the table: an example cell, the value it reads as, and why."""

    example: str
    value: Figure
    why: str


FIGURES: Final[tuple[FigureForm, ...]] = (
    FigureForm(example="58", value=58, why="exactly that number"),
    FigureForm(example="1,234", value=1234, why="thousands separators (`--thousands`)"),
    FigureForm(example="100-300", value={"min": 100, "max": 300}, why="a range, both ends in"),
    FigureForm(example="100\u2013300", value={"min": 100, "max": 300}, why="en dash"),
    FigureForm(example="100 \u2014 300", value={"min": 100, "max": 300}, why="em dash"),
    FigureForm(example="10 to 50", value={"min": 10, "max": 50}, why='"to"'),
    FigureForm(example="between 20 and 30", value={"min": 20, "max": 30}, why='"between"'),
    FigureForm(example="at least 23", value={"min": 23}, why="a floor"),
    FigureForm(example="no fewer than 23", value={"min": 23}, why="a floor"),
    FigureForm(example="23 or more", value={"min": 23}, why="a floor"),
    FigureForm(example="23+", value={"min": 23}, why="a floor"),
    FigureForm(
        example="more than 50",
        value={"min": 51},
        why="strictly above a whole number: the next whole number (counts are whole)",
    ),
    FigureForm(example="over 50", value={"min": 51}, why='as "more than"'),
    FigureForm(example="up to 30", value={"max": 30}, why="a ceiling"),
    FigureForm(example="at most 30", value={"max": 30}, why="a ceiling"),
    FigureForm(example="no more than 30", value={"max": 30}, why="a ceiling"),
    FigureForm(
        example="fewer than 10",
        value={"max": 9},
        why="strictly below a whole number: the whole number before it",
    ),
    FigureForm(example="less than 10", value={"max": 9}, why='as "fewer than"'),
    FigureForm(example="under 10", value={"max": 9}, why='as "fewer than"'),
    FigureForm(
        example="about 500",
        value={"min": 450, "max": 550},
        why="10% either side, widened to whole numbers (see below)",
    ),
    FigureForm(example="around 500", value={"min": 450, "max": 550}, why='as "about"'),
    FigureForm(example="approximately 500", value={"min": 450, "max": 550}, why='as "about"'),
    FigureForm(example="~500", value={"min": 450, "max": 550}, why='as "about"'),
    FigureForm(example="about 23", value={"min": 20, "max": 26}, why="20.7 and 25.3, widened"),
    FigureForm(example="several", value={"min": 2}, why="more than one; no ceiling"),
    FigureForm(example="a few", value={"min": 2}, why='as "several"'),
    FigureForm(example="dozens", value={"min": 24}, why="at least two dozen"),
    FigureForm(example="scores", value={"min": 40}, why="at least two score"),
    FigureForm(example="hundreds", value={"min": 200}, why="at least two hundred"),
    FigureForm(example="thousands", value={"min": 2000}, why="at least two thousand"),
    FigureForm(example="tens of thousands", value={"min": 20000}, why="at least twenty thousand"),
)
"""Every form :func:`parse_figure` reads, by example. Words and phrases are caseless."""

ABOUT: Final = Decimal("0.1")
""""About N" is N minus and plus this share of N, widened to whole numbers."""

_WORDS: Final[dict[str, int]] = {
    "several": 2,
    "a few": 2,
    "dozens": 24,
    "scores": 40,
    "hundreds": 200,
    "thousands": 2000,
    "tens of thousands": 20000,
}
_FLOOR: Final = re.compile(r"(?:at least|no fewer than|no less than|not less than)\s+(.+)")
_FLOOR_AFTER: Final = re.compile(r"(.+?)\s*(?:\+|or more)")
_ABOVE: Final = re.compile(r"(?:more than|over|above|in excess of)\s+(.+)")
_CEILING: Final = re.compile(r"(?:up to|at most|no more than|not more than)\s+(.+)")
_BELOW: Final = re.compile(r"(?:fewer than|less than|under|below)\s+(.+)")
_ABOUT: Final = re.compile(r"(?:about|around|approximately|roughly|some|~)\s*(.+)")
_BETWEEN: Final = re.compile(r"between\s+(.+?)\s+and\s+(.+)")
_RANGE: Final = re.compile(
    r"([^-\u2013\u2014]+?)\s*(?:-|\u2013|\u2014|\bto\b)\s*([^-\u2013\u2014]+)"
)
_SPACE: Final = re.compile(r"\s+")


def parse_figure(
    cell: str, *, thousands: str = ",", decimal: str = ".", magnitudes: bool = False
) -> Figure:
    """The SPEC amount ``cell`` writes, by the table :data:`FIGURES`.

    Numbers inside the forms are read as :func:`parse_amount`
    reads them (``thousands``, ``decimal``, ``magnitudes``). Raises
    :class:`FigureError` for anything else.
    """
    text = _SPACE.sub(" ", cell.strip().replace("\u00a0", " ")).casefold()
    if not text:
        raise FigureError("an empty cell is no figure")

    def number(part: str, *, signed: bool = False) -> int | float:
        found = parse_amount(part, thousands=thousands, decimal=decimal, magnitudes=magnitudes)
        if found is None or (not signed and part.strip().startswith(("-", "+", "\u2212"))):
            raise FigureError(f"{cell!r}: {part.strip()!r} is not a number")
        return found

    exact = parse_amount(text, thousands=thousands, decimal=decimal, magnitudes=magnitudes)
    if exact is not None:
        return exact
    if text in _WORDS:
        return {"min": _WORDS[text]}
    if m := _BETWEEN.fullmatch(text):
        return _interval(cell, number(m[1]), number(m[2]))
    bounds: tuple[tuple[re.Pattern[str], Callable[[int | float], Figure]], ...] = (
        (_FLOOR, lambda n: {"min": n}),
        (_CEILING, lambda n: {"max": n}),
        (_ABOVE, lambda n: {"min": _whole(cell, n) + 1}),
        (_BELOW, lambda n: {"max": _whole(cell, n) - 1}),
        (_ABOUT, _about),
    )
    for pattern, make in bounds:
        if m := pattern.fullmatch(text):
            return make(number(m[1]))
    if m := _FLOOR_AFTER.fullmatch(text):
        return {"min": number(m[1])}
    if m := _RANGE.fullmatch(text):
        return _interval(cell, number(m[1]), number(m[2]))
    raise FigureError(
        f"{cell!r} is not a number or a vague figure (a range, at least/more than/up to/"
        "fewer than/about N, several/dozens/scores/hundreds/thousands; docs/howto-encode.md)"
    )


def _interval(cell: str, low: int | float, high: int | float) -> Figure:
    if low > high:
        raise FigureError(f"{cell!r} is a range whose first end is above its second")
    return {"min": low, "max": high}


def _whole(cell: str, number: int | float) -> int:
    # A strict bound on a fraction has no closed form in SPEC section 3: refuse it.
    if isinstance(number, float) and not number.is_integer():
        raise FigureError(
            f"{cell!r} is a strict bound on a fraction: write 'at least', 'up to' or a range"
        )
    return int(number)


def _about(number: int | float) -> Figure:
    exact = Decimal(repr(number)) if isinstance(number, float) else Decimal(number)
    spread = abs(exact) * ABOUT
    low = (exact - spread).to_integral_value(rounding=ROUND_FLOOR)
    high = (exact + spread).to_integral_value(rounding=ROUND_CEILING)
    if not (math.isfinite(float(low)) and math.isfinite(float(high))):
        raise FigureError(f"about {number} is out of range")
    return {"min": int(low), "max": int(high)}


# --- plain numbers ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def _number_pattern(thousands: str, decimal: str) -> re.Pattern[str]:
    t, d = re.escape(thousands), re.escape(decimal)
    grouped = rf"\d{{1,3}}(?:{t}\d{{3}})+" if thousands else r"(?!)"
    return re.compile(rf"([+-]?)({grouped}|\d+|(?=\s*{d}\d))(?:{d}(\d+))?([eE][+-]?\d+)?")


_CURRENCY: Final = re.compile(r"^([+-]?)\s*[$\u20ac\u00a3\u00a5]\s*")
_MAGNITUDES: Final = {"k": 3, "K": 3, "M": 6, "B": 9, "bn": 9, "T": 12}


def parse_amount(
    cell: str, *, thousands: str = ",", decimal: str = ".", magnitudes: bool = False
) -> int | float | None:
    """The number ``cell`` writes, or ``None``.

    Accepts an optional sign, digits with ``thousands`` separators in groups of
    three (``"1,234,567"``) or none, a ``decimal`` fraction and an exponent. A
    leading currency sign (``$ \u20ac \u00a3 \u00a5``) and a trailing ``%`` are
    dropped (``"12.5%"`` is 12.5). With ``magnitudes``, a trailing ``k``/``K``
    (thousand), ``M`` (million), ``B``/``bn`` (billion) or ``T`` (trillion)
    multiplies, exactly: ``"1.2M"`` is 1200000. Integers stay integers, and so do
    magnitudes that come out whole; anything else with a fraction or exponent
    is a float. Non-finite results are refused.
    """
    text = cell.strip().replace("\u2212", "-")
    text = _CURRENCY.sub(r"\1", text).removesuffix("%").rstrip()
    shift = 0
    if magnitudes:
        for suffix, power in _MAGNITUDES.items():
            if text.endswith(suffix) and len(text) > len(suffix):
                text, shift = text[: -len(suffix)].rstrip(), power
                break
    m = _number_pattern(thousands, decimal).fullmatch(text)
    if m is None or not text:
        return None
    sign, whole, fraction, exponent = m.groups()
    digits = whole.replace(thousands, "") if thousands else whole
    if shift:
        exact = decimal_.Decimal(f"{sign}{digits or '0'}.{fraction or '0'}{exponent or ''}")
        exact = exact.scaleb(shift)
        return int(exact) if exact == exact.to_integral_value() else float(exact)
    if fraction is None and exponent is None:
        return int(sign + digits)
    number = float(f"{sign}{digits or '0'}.{fraction or '0'}{exponent or ''}")
    if not math.isfinite(number):
        return None
    return number
