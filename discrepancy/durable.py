"""The durable, tamper-evident, crash-safe event log (SPEC section 2).

:class:`EventLog` appends events to a JSON Lines file, each line the event's
JSON object plus ``seq`` (1, 2, 3, ... in file order) and ``chain``: the
lowercase hex SHA-256 of the previous line's chain (64 zeros before the first
line) as ASCII bytes, followed by the event's canonical bytes. Anyone can
recompute it from the SPEC alone; :func:`verify` does, and names the first
line where it breaks.

Writing is strict: an append that would create an anomaly is refused before a
byte is written (:mod:`discrepancy.decide`). Each ``append`` call is one
``write`` and one ``fsync`` under an exclusive ``flock``, so several processes
may share a log. Opening for write recovers from a crash: a torn last line is
moved to a side file beside the log, never silently dropped. See
``docs/durability.md`` for exactly what is promised.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Final

import attrs
import orjson
import structlog

from discrepancy.codec import canonical_bytes, decode_event, encode_event
from discrepancy.decide import Ledger
from discrepancy.errors import (
    AppendRefused,
    ConcurrencyError,
    LogDecodeError,
    LogIntegrityError,
    SnapshotMismatch,
)
from discrepancy.events import Event, Source
from discrepancy.state import EMPTY, State, evolve, replay

GENESIS: Final = "0" * 64
"""The chain value before the first line."""

SNAPSHOT_VERSION: Final = 1
"""The snapshot format this code writes and reads."""

_log = structlog.get_logger(__name__)


def next_chain(previous: str, canonical: bytes) -> str:
    """The chain of a line whose event has ``canonical`` bytes."""
    return hashlib.sha256(previous.encode("ascii") + canonical).hexdigest()


def durable_line(event: Event, seq: int, chain: str) -> bytes:
    """The log line of ``event`` at ``seq`` with ``chain``."""
    obj = encode_event(event)
    obj["seq"] = seq
    obj["chain"] = chain
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS) + b"\n"


@attrs.frozen(kw_only=True)
class Verified:
    """What :func:`verify` found in an intact log."""

    path: str
    events: int
    seq: int
    chain: str
    torn_bytes: int
    """Bytes of a torn last line (a crash cut it short); 0 when none."""


def _lines(path: Path) -> Iterator[tuple[int, bytes, int]]:
    """(line number, bytes, end offset) of each line; the last may lack ``\\n``."""
    with path.open("rb") as handle:
        offset = 0
        for number, line in enumerate(handle, start=1):
            offset += len(line)
            yield number, line, offset


def check_line(raw: bytes, *, path: str, line: int, seq: int, previous: str) -> tuple[Event, str]:
    """Decode one durable line, checking its ``seq`` and ``chain``.

    Returns the event and its chain; raises :class:`LogIntegrityError` (or
    :class:`LogDecodeError` for an invalid event) naming the line.
    """
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise LogIntegrityError("not valid JSON", path=path, line=line) from None
    if not isinstance(obj, dict):
        raise LogIntegrityError("not a JSON object", path=path, line=line)
    found_seq = obj.get("seq")
    if found_seq != seq or isinstance(found_seq, bool):
        raise LogIntegrityError(
            f"seq {found_seq!r} where {seq} was due (a line deleted, moved or added)",
            path=path,
            line=line,
        )
    chain = next_chain(previous, canonical_bytes(obj))
    if obj.get("chain") != chain:
        raise LogIntegrityError(
            "chain broken (this line or one before it was edited)", path=path, line=line
        )
    try:
        event = decode_event(obj)
    except LogDecodeError as exc:
        raise exc.located(path=path, line=line) from None
    return event, chain


def read_durable(path: str | Path) -> Iterator[tuple[int, Event]]:
    """(seq, event) of every line of a durable log, checking the chain.

    A torn last line raises :class:`LogIntegrityError` with reason ``torn``.
    """
    path = Path(path)
    previous = GENESIS
    for number, raw, _ in _lines(path):
        if not raw.endswith(b"\n"):
            raise LogIntegrityError("torn", path=str(path), line=number)
        event, previous = check_line(
            raw, path=str(path), line=number, seq=number, previous=previous
        )
        yield number, event


def verify(path: str | Path) -> Verified:
    """Check every line of a durable log; name the first bad one.

    A torn last line (a crash cut it short) is reported in ``torn_bytes``
    rather than raised: it is what :meth:`EventLog.open` recovers from.
    Raises :class:`LogIntegrityError` for any other damage.
    """
    path = Path(path)
    if not path.exists():
        raise LogIntegrityError("no such log", path=str(path), line=0)
    previous, seq, torn = GENESIS, 0, 0
    for number, raw, _ in _lines(path):
        if not raw.endswith(b"\n"):
            torn = len(raw)
            break
        _, previous = check_line(raw, path=str(path), line=number, seq=number, previous=previous)
        seq = number
    return Verified(path=str(path), events=seq, seq=seq, chain=previous, torn_bytes=torn)


class EventLog:
    """An append-only, hash-chained event log over one file.

    Open it with :meth:`open`; it reads and checks the whole log, recovering a
    torn tail, and keeps the reconciled input :class:`~discrepancy.state.State`
    in memory. Use it as a context manager or call :meth:`close`.
    """

    def __init__(
        self,
        path: Path,
        handle: Any,
        state: State,
        seq: int,
        chain: str,
        end: int,
        seqs: dict[str, int],
    ) -> None:
        self.path = path
        self._handle = handle
        self._state = state
        self._seq = seq
        self._chain = chain
        self._end = end
        self._seqs = seqs
        self._ledger = Ledger.from_events(state.index().kept.values())

    @classmethod
    def open(cls, path: str | Path, *, snapshot: str | Path | None = None) -> EventLog:
        """Open (or create) the log at ``path`` for reading and appending.

        With ``snapshot`` (written by :meth:`write_snapshot`), the state is
        loaded from it and only the lines after it are read and checked; a
        snapshot whose seq and chain do not match the log's line at that seq
        is refused with :class:`SnapshotMismatch`.
        """
        path = Path(path)
        created = not path.exists()
        handle = path.open("a+b")
        try:
            if created:
                _fsync_path(path.parent)
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                _recover_torn_tail(path, handle)
                log = cls(path, handle, EMPTY, 0, GENESIS, 0, {})
                if snapshot is not None:
                    log._load_snapshot(Path(snapshot))
                log._catch_up()
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        except BaseException:
            handle.close()
            raise
        return log

    @property
    def seq(self) -> int:
        """The seq of the last line (0 for an empty log)."""
        return self._seq

    @property
    def chain(self) -> str:
        """The chain of the last line (64 zeros for an empty log)."""
        return self._chain

    def state(self) -> State:
        """The state of every event in the log."""
        return self._state

    def read(self, from_seq: int = 1) -> Iterator[Event]:
        """The events from ``from_seq`` on, checked against the chain."""
        for seq, event in read_durable(self.path):
            if seq >= from_seq:
                yield event

    def append(self, events: Iterable[Event], *, expected_seq: int | None = None) -> list[int]:
        """Append ``events`` as one atomic, durable batch; their seqs.

        An event identical to one already in the log is not written again:
        its existing seq is returned (at-least-once producers are safe).
        Raises :class:`AppendRefused` if an event would create an anomaly and
        :class:`ConcurrencyError` if the log ends past ``expected_seq``; in
        both cases nothing is written.
        """
        batch = list(events)
        # Within a batch, sources come first so that its claims may name them.
        batch.sort(key=lambda e: not isinstance(e, Source))
        fcntl.flock(self._handle.fileno(), fcntl.LOCK_EX)
        try:
            self._catch_up()
            if expected_seq is not None and expected_seq != self._seq:
                raise ConcurrencyError(expected=expected_seq, actual=self._seq)
            state, seq, chain = self._state, self._seq, self._chain
            lines: list[bytes] = []
            seqs: list[int] = []
            fresh: dict[str, int] = {}
            ledger = self._ledger.overlay()
            for event in batch:
                found = ledger.refusal(event)
                if found is not None:
                    raise AppendRefused(found.detail, event=found.event, rule=found.rule)
                known = self._seqs.get(event.id, fresh.get(event.id))
                if known is not None:
                    seqs.append(known)
                    continue
                seq += 1
                chain = next_chain(chain, canonical_bytes(event))
                lines.append(durable_line(event, seq, chain))
                state = evolve(state, event)
                ledger.add(event)
                fresh[event.id] = seq
                seqs.append(seq)
            if lines:
                data = b"".join(lines)
                self._handle.seek(0, os.SEEK_END)
                self._handle.write(data)
                self._handle.flush()
                os.fsync(self._handle.fileno())
                self._end += len(data)
                self._state, self._seq, self._chain = state, seq, chain
                self._seqs.update(fresh)
                self._ledger.absorb(ledger)
        finally:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
        return seqs

    def _catch_up(self) -> None:
        """Read lines another process appended since we last looked."""
        size = os.fstat(self._handle.fileno()).st_size
        if size == self._end:
            return
        path = str(self.path)
        with self.path.open("rb") as reader:
            reader.seek(self._end)
            state, seq, chain, end = self._state, self._seq, self._chain, self._end
            for raw in reader:
                if not raw.endswith(b"\n"):
                    raise LogIntegrityError("torn", path=path, line=seq + 1)
                event, chain = check_line(raw, path=path, line=seq + 1, seq=seq + 1, previous=chain)
                seq += 1
                end += len(raw)
                state = evolve(state, event)
                self._ledger.add(event)
                self._seqs[event.id] = seq
        self._state, self._seq, self._chain, self._end = state, seq, chain, end

    def write_snapshot(self, path: str | Path) -> None:
        """Save the state with the seq, chain and byte offset it covers.

        The format (version 1): a header line
        ``{"snapshot": 1, "seq": N, "chain": C, "offset": B, "events": K}``,
        then one line per event, ``{"seq": n, "event": {...}}`` in seq order.
        Written to a temporary file, fsynced, then renamed into place.
        """
        target = Path(path)
        by_id = self._state.index().kept
        ordered = sorted(self._seqs.items(), key=lambda item: item[1])
        header = {
            "snapshot": SNAPSHOT_VERSION,
            "seq": self._seq,
            "chain": self._chain,
            "offset": self._end,
            "events": len(ordered),
        }
        lines = [orjson.dumps(header)]
        lines.extend(
            orjson.dumps({"seq": seq, "event": encode_event(by_id[event_id])})
            for event_id, seq in ordered
        )
        partial = target.with_name(target.name + ".partial")
        partial.write_bytes(b"\n".join(lines) + b"\n")
        _fsync_path(partial)
        partial.replace(target)
        _fsync_path(target.parent)

    def _load_snapshot(self, path: Path) -> None:
        with path.open("rb") as handle:
            header = orjson.loads(handle.readline())
            if not isinstance(header, dict) or header.get("snapshot") != SNAPSHOT_VERSION:
                raise SnapshotMismatch(f"{path}: not a version {SNAPSHOT_VERSION} snapshot")
            seq, chain, offset = header["seq"], header["chain"], header["offset"]
            if seq and _line_before(self.path, offset) is None:
                raise SnapshotMismatch(f"{path}: the log is shorter than the snapshot")
            if seq:
                last = orjson.loads(_line_before(self.path, offset) or b"{}")
                if last.get("seq") != seq or last.get("chain") != chain:
                    raise SnapshotMismatch(
                        f"{path}: covers seq {seq} with chain {chain[:16]}, but the log's "
                        f"line there has seq {last.get('seq')} and chain "
                        f"{str(last.get('chain'))[:16]}"
                    )
            events = []
            for line in handle:
                item = orjson.loads(line)
                event = decode_event(item["event"])
                self._seqs[event.id] = item["seq"]
                events.append(event)
        self._state = replay(events)
        self._ledger = Ledger.from_events(events)
        self._seq, self._chain, self._end = seq, chain, offset

    def close(self) -> None:
        """Close the file."""
        self._handle.close()

    def __enter__(self) -> EventLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _line_before(path: Path, offset: int) -> bytes | None:
    """The whole line that ends at byte ``offset`` of ``path``, if there is one."""
    if offset <= 0:
        return None
    with path.open("rb") as reader:
        start = max(0, offset - (1 << 20))
        reader.seek(start)
        chunk = reader.read(offset - start)
    if len(chunk) != offset - start or not chunk.endswith(b"\n"):
        return None
    return chunk[chunk.rfind(b"\n", 0, len(chunk) - 1) + 1 :]


def _recover_torn_tail(path: Path, handle: Any) -> None:
    """Move bytes after the last newline to a side file and truncate to it."""
    size = os.fstat(handle.fileno()).st_size
    if size == 0:
        return
    with path.open("rb") as reader:
        back = min(size, 1 << 16)
        while True:
            reader.seek(size - back)
            tail = reader.read(back)
            cut = tail.rfind(b"\n")
            if cut != -1 or back == size:
                break
            back = min(size, back * 2)
    keep = size - back + cut + 1 if cut != -1 else 0
    if keep == size:
        return
    with path.open("rb") as reader:
        reader.seek(keep)
        torn = reader.read()
    number = 1
    while (side := path.with_name(f"{path.name}.torn-{number}")).exists():
        number += 1
    side.write_bytes(torn)
    _fsync_path(side)
    os.truncate(path, keep)
    os.fsync(handle.fileno())
    _fsync_path(path.parent)
    _log.warning("torn_tail_recovered", log=str(path), bytes=len(torn), moved_to=str(side))


def _fsync_path(path: Path) -> None:
    """fsync a file or a directory by name."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
