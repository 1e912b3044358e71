"""The fast paths of reconciliation against their plain twins, and rules 1.1 voices."""

from __future__ import annotations

from hypothesis import event, given
from hypothesis import strategies as st

from discrepancy.events import Event
from discrepancy.reconcile import reconcile
from discrepancy.reconcile.support import brute_counts, sweep_counts
from discrepancy.report import dumps, report
from discrepancy.state import replay
from tests.strategies import crowded_logs, logs


def report_of(events: list[Event], **paths: int | bool) -> bytes:
    return dumps(report(reconcile(replay(events), **paths)))  # type: ignore[arg-type]


@given(logs())
def test_the_sole_claim_shortcut_equals_the_general_rules(events: list[Event]) -> None:
    assert report_of(events) == report_of(events, sole_claim_shortcut=False)


@given(st.one_of(logs(), crowded_logs()))
def test_swept_quadrants_equal_pairwise_ones(events: list[Event]) -> None:
    found = reconcile(replay(events))
    contested = sum(f.status == "contested" for f in found.propositions.values())
    event("contested" if contested else "no contest")
    assert report_of(events, sweep_from=1) == report_of(events, sweep_from=10**9)


points = st.lists(
    st.tuples(
        st.tuples(
            st.sampled_from([float("-inf"), 0, 1, 2, 2.5, 3]),
            st.sampled_from([1, 2, 2.5, 3, 4, float("inf")]),
        ),
        st.integers(0, 4),
    ),
    max_size=30,
)


@given(
    points,
    st.lists(
        st.tuples(
            st.sampled_from([float("-inf"), 0, 1, 2, 3]),
            st.sampled_from([0, 1, 2, 3, float("inf")]),
        )
    ),
)
def test_sweep_counts_equal_brute_counts(
    coloured: list[tuple[tuple[float, float], int]], queries: list[tuple[float, float]]
) -> None:
    assert sweep_counts(coloured, queries) == brute_counts(coloured, queries)
