"""Reading JSON Lines logs from files: the thin shell around the pure core.

Logs are read streaming, one line at a time; nothing holds a whole file.
Every malformed line raises :class:`~discrepancy.errors.LogDecodeError`
naming the file, the line number and the field, and nothing from it is
applied. A durable log (lines carrying ``seq`` and ``chain``, as written by
:class:`~discrepancy.durable.EventLog`) has its chain checked as it is read.
Blank lines are skipped; a UTF-8 byte order mark at the start of a
file is ignored; a last line without ``\\n`` is read if it parses.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson
import structlog

from discrepancy.codec import decode_line
from discrepancy.collector import paused_gc
from discrepancy.durable import read_durable
from discrepancy.errors import LogDecodeError
from discrepancy.events import Event, Timestamp, instant_key
from discrepancy.state import State, replay

_log = structlog.get_logger(__name__)

_BOM = b"\xef\xbb\xbf"


def read_events(path: str | Path) -> Iterator[Event]:
    """The events of one log file, in file order, decoded and checked."""
    name = str(path)
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        raise LogDecodeError(f"cannot read: {exc.strerror}", path=name) from None
    with handle:
        first = handle.readline()
        if b'"chain"' in first and _is_durable(first):
            # A log written by EventLog: check its seq and chain line by line.
            handle.close()
            yield from (event for _, event in read_durable(path))
            return
        handle.seek(0)
        for line_no, line in enumerate(handle, start=1):
            if line_no == 1 and line.startswith(_BOM):
                line = line[len(_BOM) :]  # noqa: PLW2901
            if not line.strip():
                continue
            yield decode_line(line, path=name, line_no=line_no)


def _is_durable(line: bytes) -> bool:
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return isinstance(obj, dict) and "chain" in obj


def read_paths(
    paths: Iterable[str | Path], *, as_of: Timestamp | str | None = None
) -> Iterator[Event]:
    """The events of several logs, limited to ``recorded_at <= as_of`` if given."""
    key = _key(as_of)
    for path in paths:
        if key is None:
            yield from read_events(path)
        else:
            yield from (e for e in read_events(path) if e.recorded_at.key <= key)


def replay_paths(paths: Iterable[str | Path], *, as_of: Timestamp | str | None = None) -> State:
    """The state of the union of the logs' events (``as_of`` as in SPEC section 4)."""
    paths = list(paths)
    started = time.perf_counter()
    with paused_gc():  # a batch of many objects and no cycles: see discrepancy.collector
        state = replay(read_paths(paths, as_of=as_of))
    _log.debug(
        "logs_read",
        logs=len(paths),
        events=len(state),
        seconds=round(time.perf_counter() - started, 3),
    )
    return state


def _key(moment: Timestamp | str | None) -> str | None:
    if moment is None:
        return None
    return moment.key if isinstance(moment, Timestamp) else instant_key(moment)
