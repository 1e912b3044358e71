"""Chain verification split into byte ranges, one process per core.

Each line's check needs only the previous line's *recorded* seq and chain, so
a large durable log splits at line boundaries into ranges checked in
parallel; each range trusts the line before it, which the range before checks.
Batches that straddle ranges are stitched afterwards. The result is exactly
:func:`discrepancy.durable.verify`'s (its plain twin; a property test compares
them on tampered logs). Used by ``verify`` for regular files of at least
:data:`PARALLEL_FROM` bytes.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Final

import attrs
import orjson

from discrepancy.errors import LogIntegrityError
from discrepancy.reading import GENESIS, ChainCheck, line_ending_at

PARALLEL_FROM: Final = 64 << 20
"""Logs smaller than this are checked in one process (starting workers costs more)."""


@attrs.frozen
class _Range:
    """What checking one byte range found."""

    error: LogIntegrityError | None
    seq: int  # the last line's seq (or the one before the range if it has none)
    chain: str
    lines: int  # whole lines checked
    before_marker: int  # lines before the first batch marker (all of them if none)
    left: int | None  # lines still due of the last batch begun here (None: no marker)
    batch_start: int  # the line of the last batch marker seen here
    torn: int  # bytes of a torn last line (only the last range)
    head_seq: int | None


def _split(path: Path, size: int, parts: int) -> list[tuple[int, int]]:
    """``parts`` byte ranges of ``path``, each starting at a line's start."""
    starts = [0]
    with path.open("rb") as handle:
        for k in range(1, parts):
            handle.seek(max(starts[-1], size * k // parts))
            handle.readline()
            if handle.tell() < size and handle.tell() > starts[-1]:
                starts.append(handle.tell())
    return list(zip(starts, [*starts[1:], size], strict=True))


def _check_range(path: str, start: int, end: int, head: str | None) -> _Range:
    seq, chain = 0, GENESIS
    if start:
        before = orjson.loads(line_ending_at(Path(path), start) or b"{}")
        seq, chain = before.get("seq", 0), before.get("chain", GENESIS)
    checker = ChainCheck(path, seq=seq, chain=chain, batch_left=0 if start == 0 else None)
    lines = before_marker = torn = 0
    head_seq, marker_seen = None, False
    with open(path, "rb") as handle:
        handle.seek(start)
        data = handle.read(end - start)
    pieces = data.split(b"\n")
    last = pieces.pop()
    offset = start
    try:
        for piece in pieces:
            raw = piece + b"\n"
            had = checker.batch_start
            checker.check(raw, checker.seq + 1, offset)
            offset += len(raw)
            lines += 1
            marker_seen = marker_seen or checker.batch_start != had
            before_marker += not marker_seen
            if checker.chain == head:
                head_seq = checker.seq
        if last:
            torn = len(last)
    except LogIntegrityError as exc:
        return _Range(exc, checker.seq, checker.chain, lines, before_marker, None, 0, 0, head_seq)
    left = checker.batch_left if marker_seen or start == 0 else None
    return _Range(
        None,
        checker.seq,
        checker.chain,
        lines,
        before_marker,
        left,
        checker.batch_start,
        torn,
        head_seq,
    )


def verify_ranges(
    path: Path, *, head: str | None = None, workers: int | None = None
) -> tuple[int, str, int, int | None]:
    """(seq, chain, torn bytes, head seq) of a durable log, checked in parallel.

    Raises :class:`LogIntegrityError` for the first bad line, as ``verify`` does.
    """
    size = path.stat().st_size
    workers = workers or os.cpu_count() or 1
    ranges = _split(path, size, max(1, workers * 4))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        starts, ends = [a for a, _ in ranges], [b for _, b in ranges]
        count = len(ranges)
        found = list(pool.map(_check_range, [str(path)] * count, starts, ends, [head] * count))
    due = 0  # lines of a batch begun in an earlier range still due
    batch_line = 0
    for part in found:
        if due and part.before_marker < part.lines and part.before_marker < due:
            raise LogIntegrityError(
                f"a batch begins before the one that began at line {batch_line} ended "
                "(a crash cut it short)",
                path=str(path),
                line=part.seq - part.lines + part.before_marker + 1,
            )
        if part.error is not None:
            raise part.error
        due = max(0, due - part.before_marker)
        if part.left is not None:
            due, batch_line = part.left, part.batch_start
    last = found[-1]
    if due and not last.torn:
        raise LogIntegrityError(
            f"incomplete batch: {due} of its lines are missing (a crash cut an append short; "
            "the next append moves it to a side file)",
            path=str(path),
            line=batch_line,
        )
    heads = [p.head_seq for p in found if p.head_seq is not None]
    return last.seq, last.chain, last.torn, (heads[-1] if heads else None)
