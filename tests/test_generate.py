"""The synthetic log generator: deterministic, valid, varied and streaming."""

from __future__ import annotations

import io
import itertools
import tracemalloc
from collections import Counter

import orjson
import pytest

from discrepancy import progress as progress_module
from discrepancy.codec import decode_line
from discrepancy.generate import generate_lines
from discrepancy.progress import progress
from discrepancy.reconcile import reconcile
from discrepancy.state import replay


def test_the_same_seed_gives_the_same_bytes() -> None:
    assert list(generate_lines(3000, 7)) == list(generate_lines(3000, 7))
    assert list(generate_lines(3000, 7)) != list(generate_lines(3000, 8))


def test_every_line_is_a_valid_event_of_realistic_size() -> None:
    lines = list(generate_lines(20_000, 1))
    events = [decode_line(line, line_no=n) for n, line in enumerate(lines, 1)]
    assert len(events) == 20_000
    mean = sum(map(len, lines)) / len(lines)
    assert 250 <= mean <= 300


def test_the_mix_reaches_what_real_logs_hold() -> None:
    lines = list(generate_lines(60_000, 2))
    events = [decode_line(line) for line in lines]
    types = Counter(e.TYPE for e in events)
    assert set(types) == {"source", "claim", "confirm", "deny", "retract", "resolve", "reopen"}
    assert len(lines) > len(set(lines))  # some lines are repeated verbatim
    assert any(a.recorded_at.key > b.recorded_at.key for a, b in itertools.pairwise(events))
    rec = reconcile(replay(events))
    statuses = Counter(f.status for f in rec.propositions.values())
    assert 0.05 <= statuses["contested"] / len(rec.propositions) <= 0.2
    assert {"unknown-source", "not-claimant", "dangling-reference"} <= {
        a.kind for a in rec.anomalies
    }
    sizes = Counter(len(f.claims) for f in rec.propositions.values())
    assert sizes[1] > len(rec.propositions) / 2  # most propositions have one claim
    assert max(sizes) >= 50  # and a few have very many
    assert any(e.TYPE == "claim" and e.supersedes for e in events)  # type: ignore[union-attr]


def test_generation_streams_in_bounded_memory() -> None:
    tracemalloc.start()
    try:
        for _ in generate_lines(200_000, 3):
            pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8_000_000


def test_progress_draws_only_after_a_second_and_clears(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter([0.0, 0.5, 1.5, 1.55, 2.0])
    monkeypatch.setattr(progress_module.time, "monotonic", lambda: next(clock))
    stream = io.StringIO()
    with progress(100, "replay", stream=stream) as bar:
        bar.advance(10)  # t=0.5: too early
        assert stream.getvalue() == ""
        bar.advance(40)  # t=1.5: drawn
        assert "50/100" in stream.getvalue()
        bar.advance(10)  # t=1.55: throttled
        assert "60/100" not in stream.getvalue()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_progress_is_silent_when_stderr_is_not_a_terminal() -> None:
    with progress(10, "x") as bar:
        bar.advance(10)
        assert bar.stream is None  # pytest captures stderr: not a terminal


def test_a_proposition_asks_what_its_answers_answer() -> None:
    # A count of the killed is an amount, whether a strike happened a flag.
    amounts = {"killed", "wounded", "posts-captured"}
    flags = {"fired-first", "strike"}
    for line in generate_lines(3000, 11):
        event = orjson.loads(line)
        if event["type"] != "claim":
            continue
        topic = event["proposition"].split("/")[0]
        value = event["value"]
        if isinstance(value, bool):
            assert topic in flags
        elif isinstance(value, str):
            assert topic == "crossing"
        else:
            assert topic in amounts
