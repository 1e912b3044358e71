"""Reading JSON Lines logs from files: the thin shell around the pure core.

Logs are read streaming, in chunks, through the one reading path
(:mod:`discrepancy.reading`): files, FIFOs, pipes and ``-`` (standard input).
Every malformed line raises :class:`~discrepancy.errors.LogDecodeError`
naming the file, the line number and the field, and nothing from it is
applied. A durable log (its first line carries ``chain``, as written by
:class:`~discrepancy.durable.EventLog`) has every line's seq, chain and
canonical form checked as it is read. In a plain log blank lines are
skipped, a UTF-8 byte order mark at the start is ignored, a last line
without ``\\n`` is read if it parses, and a line carrying ``chain`` is an
integrity error (a durable log's damaged first line cannot turn the check off).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from discrepancy.collector import paused_gc
from discrepancy.diagnostics import LibraryLogger
from discrepancy.events import Event, Timestamp, instant_key
from discrepancy.reading import LogTail, read_events, tail_events
from discrepancy.snapshot import matching_snapshot
from discrepancy.state import State, evolve, replay

__all__ = ["read_events", "read_paths", "replay_paths"]

_log = LibraryLogger(__name__)


def read_paths(
    paths: Iterable[str | Path | LogTail], *, as_of: Timestamp | str | None = None
) -> Iterator[Event]:
    """The events of several logs, limited to ``recorded_at <= as_of`` if given."""
    key = _key(as_of)
    for path in paths:
        if isinstance(path, LogTail):
            events = tail_events(path.path, seq=path.seq, chain=path.chain, offset=path.offset)
        else:
            events = read_events(path)
        if key is None:
            yield from events
        else:
            yield from (e for e in events if e.recorded_at.key <= key)


def replay_paths(
    paths: Iterable[str | Path],
    *,
    as_of: Timestamp | str | None = None,
    counted: Callable[[Iterator[Event]], Iterator[Event]] | None = None,
) -> State:
    """The state of the union of the logs' events (``as_of`` as in SPEC section 4).

    A durable log ``LOG`` with a snapshot ``LOG.snapshot`` that matches it
    (written by ``discrepancy snapshot``) starts from the snapshot's state and
    reads only the lines after it; a snapshot that no longer matches is
    passed over with a warning, and a malformed one is an error naming it.
    ``counted`` wraps the stream of events read (a progress bar).
    """
    paths = list(paths)
    started = time.perf_counter()
    with paused_gc():  # a batch of many objects and no cycles: see discrepancy.collector
        state, rest = _from_snapshot(paths) if as_of is None else (None, list(paths))
        events = read_paths(rest, as_of=as_of)
        if counted is not None:
            events = counted(events)
        if state is None:
            state = replay(events)
        else:
            for event in events:
                state = evolve(state, event)
    _log.debug(
        "logs_read",
        logs=len(paths),
        events=len(state),
        seconds=round(time.perf_counter() - started, 3),
    )
    return state


def _from_snapshot(
    paths: list[str | Path],
) -> tuple[State | None, list[str | Path | LogTail]]:
    """The state of the first log with a matching snapshot, and what is left to read."""
    for number, path in enumerate(paths):
        found = matching_snapshot(path)
        if found is not None:
            state, tail = found
            return state, [*paths[:number], tail, *paths[number + 1 :]]
    return None, list(paths)


def _key(moment: Timestamp | str | None) -> str | None:
    if moment is None:
        return None
    return moment.key if isinstance(moment, Timestamp) else instant_key(moment)
