"""The error tree: every error pickles to itself, message and fields intact."""

from __future__ import annotations

import pickle

import pytest

from discrepancy import errors
from discrepancy.cli._usage import UsageError

EXAMPLES: list[errors.DiscrepancyError] = [
    errors.DiscrepancyError("plain"),
    errors.LogDecodeError("bad value", path="a.jsonl", line=3, field="value"),
    errors.LogDecodeError("not JSON"),
    errors.LogIntegrityError("chain broken", path="a.log", line=7),
    errors.AppendRefused("names no claim", event="e9", rule="dangling-reference"),
    errors.ConcurrencyError(expected=4, actual=5),
    errors.SnapshotMismatch("a.snap: covers seq 9"),
    errors.LogWriteError("No space left on device", path="a.log"),
    errors.TableError("not a number", path="t.csv", line=2, column="deaths"),
    UsageError("--jobs takes a positive number"),
]


def test_every_error_class_has_an_example() -> None:
    classes = {
        cls
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.DiscrepancyError)
    }
    assert classes <= {type(e) for e in EXAMPLES}


@pytest.mark.parametrize("error", EXAMPLES, ids=lambda e: type(e).__name__)
def test_an_error_survives_a_pickle_round_trip(error: errors.DiscrepancyError) -> None:
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error)
    assert str(again) == str(error)
    assert vars(again) == vars(error)
