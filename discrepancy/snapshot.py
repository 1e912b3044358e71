"""Snapshots of a durable log's reduced state, which open without decoding events.

A snapshot (format version :data:`STATE_SNAPSHOT_VERSION`) is one JSON header
line, ``{"snapshot": 2, "seq": N, "chain": C, "offset": B, "events": K}``,
then the :class:`~discrepancy.state.State` of the log's first ``N`` lines
(``B`` bytes) as a pickle (protocol 5). It is loaded with an unpickler that
accepts only the classes of :mod:`discrepancy.events`, :mod:`discrepancy.values`
and :mod:`discrepancy.state`, so a planted file cannot run code; a snapshot
that does not parse is a :class:`~discrepancy.errors.SnapshotMismatch` naming
it. A snapshot belongs to a log when the log's line that ends at byte ``B``
carries seq ``N`` and chain ``C`` (the log may have grown since). Version 1
snapshots (events, one per line) are still read by
:meth:`discrepancy.durable.EventLog.open`. See docs/durability.md.
"""

from __future__ import annotations

import io
import os
import pickle
import stat
from pathlib import Path
from typing import Any, Final

import orjson

from discrepancy.diagnostics import LibraryLogger
from discrepancy.errors import SnapshotMismatch
from discrepancy.reading import LogTail, line_ending_at
from discrepancy.state import State

STATE_SNAPSHOT_VERSION: Final = 2
"""The snapshot format :func:`write_state_snapshot` writes."""

SNAPSHOT_SUFFIX: Final = ".snapshot"
"""``LOG.snapshot`` is the snapshot ``replay`` looks for beside ``LOG``."""

_log = LibraryLogger(__name__)

_ALLOWED: Final = frozenset({"discrepancy.events", "discrepancy.values", "discrepancy.state"})


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module in _ALLOWED and not name.startswith("__"):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a snapshot")


def header_bytes(*, seq: int, chain: str, offset: int, events: int, version: int) -> bytes:
    header = {"snapshot": version, "seq": seq, "chain": chain, "offset": offset, "events": events}
    return orjson.dumps(header) + b"\n"


def state_snapshot_bytes(state: State, *, seq: int, chain: str, offset: int) -> bytes:
    """The bytes of a version 2 snapshot of ``state``."""
    head = header_bytes(
        seq=seq, chain=chain, offset=offset, events=len(state), version=STATE_SNAPSHOT_VERSION
    )
    return head + pickle.dumps(state, protocol=5)


def read_header(path: Path) -> tuple[dict[str, Any], io.BufferedReader]:
    """The header of a snapshot and the open file after it; errors name the file."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise SnapshotMismatch(f"{path}: not a snapshot (not a regular file)")
        handle = path.open("rb")
    except OSError as exc:
        raise SnapshotMismatch(f"{path}: cannot read: {exc.strerror}") from None
    try:
        header = orjson.loads(handle.readline(1 << 16))
    except orjson.JSONDecodeError:
        handle.close()
        raise SnapshotMismatch(f"{path}: not a snapshot (no header line)") from None
    fields = ("seq", "chain", "offset", "events")
    if (
        not isinstance(header, dict)
        or header.get("snapshot") not in (1, STATE_SNAPSHOT_VERSION)
        or not all(f in header for f in fields)
    ):
        handle.close()
        raise SnapshotMismatch(f"{path}: not a version 1 or 2 snapshot")
    if (
        type(header["seq"]) is not int
        or type(header["offset"]) is not int
        or type(header["events"]) is not int
        or not isinstance(header["chain"], str)
    ):
        handle.close()
        raise SnapshotMismatch(f"{path}: not a snapshot (a header field of the wrong type)")
    return header, handle


def load_state(path: Path, handle: io.BufferedReader, events: int) -> State:
    """The state a version 2 snapshot holds (after its header)."""
    try:
        state = _Unpickler(handle).load()
    except Exception as exc:
        raise SnapshotMismatch(f"{path}: not a snapshot (damaged state: {exc})") from None
    finally:
        handle.close()
    if not isinstance(state, State) or len(state) != events:
        raise SnapshotMismatch(f"{path}: not a snapshot (the state does not match its header)")
    return state


def snapshot_matches(log: Path, header: dict[str, Any]) -> bool:
    """Whether ``log``'s line that ends at the header's offset has its seq and chain."""
    seq, chain, offset = header["seq"], header["chain"], header["offset"]
    if seq == 0:
        return bool(offset == 0)
    line = line_ending_at(log, offset)
    if line is None:
        return False
    try:
        last = orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return isinstance(last, dict) and bool(last.get("seq") == seq and last.get("chain") == chain)


def matching_snapshot(log: str | Path) -> tuple[State, LogTail] | None:
    """The state of ``LOG.snapshot`` and the rest of ``LOG`` to read, if the
    snapshot is there and matches ``LOG``; a malformed one is an error."""
    if str(log) == "-" or not isinstance(log, str | Path):
        return None
    snapshot = Path(f"{log}{SNAPSHOT_SUFFIX}")
    try:
        if not stat.S_ISREG(os.stat(log).st_mode) or not os.path.lexists(snapshot):
            return None
    except OSError:
        return None  # the reader names what is wrong with the log itself
    header, handle = read_header(snapshot)
    if header["snapshot"] != STATE_SNAPSHOT_VERSION or not snapshot_matches(Path(log), header):
        handle.close()
        _log.warning("snapshot_skipped", snapshot=str(snapshot), reason="does not match the log")
        return None
    state = load_state(snapshot, handle, header["events"])
    tail = LogTail(log, header["seq"], header["chain"], header["offset"])
    return state, tail
