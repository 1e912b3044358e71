"""The durable, tamper-evident, crash-safe event log (SPEC section 2).

:class:`EventLog` appends events to a JSON Lines file, each line the event's
JSON object plus ``seq`` (1, 2, 3, ... in file order) and ``chain``: the
lowercase hex SHA-256 of the previous line's chain (64 zeros before the first
line) as ASCII bytes, followed by the line's canonical bytes. The first line
of each batch also carries ``batch``, the number of lines in it (an extension
of SPEC v1 that v1 readers keep as an unknown field; docs/log-format.md).
:func:`verify` recomputes everything and names the first line where it breaks.

Writing is strict: an append that would create an anomaly is refused before a
byte is written (:class:`discrepancy.decide.Ledger`, kept on disk beside the
log by :mod:`discrepancy.sidecar` so an append costs what it writes). Each
``append`` call is one batch written and fsynced under an exclusive ``flock``,
so several processes may share a log; a failed write is cut back off. Opening
for write first decides that the file is a durable log (or empty), then moves
a torn line or an incomplete batch left by a crash to a side file beside the
log, never silently dropped. See ``docs/durability.md``.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from pathlib import Path
from typing import BinaryIO, Final

import attrs
import orjson

from discrepancy.codec import canonical_bytes, decode_event, encode_event
from discrepancy.decide import Ledger
from discrepancy.diagnostics import LibraryLogger
from discrepancy.errors import (
    AppendRefused,
    ConcurrencyError,
    DiscrepancyError,
    LogDecodeError,
    LogIntegrityError,
    LogWriteError,
    SnapshotMismatch,
)
from discrepancy.events import Event, Source
from discrepancy.reading import (
    BATCH_FIELD,
    GENESIS,
    ChainCheck,
    is_durable_line,
    line_ending_at,
    next_chain,
    raw_lines,
    read_durable,
    tail_events,
)
from discrepancy.sidecar import Sidecar
from discrepancy.snapshot import (
    STATE_SNAPSHOT_VERSION,
    load_state,
    read_header,
    state_snapshot_bytes,
)
from discrepancy.state import EMPTY, State, evolve, replay
from discrepancy.verify_ranges import PARALLEL_FROM, verify_ranges

__all__ = ["GENESIS", "EventLog", "Verified", "durable_line", "next_chain", "verify"]

SNAPSHOT_VERSION: Final = STATE_SNAPSHOT_VERSION
"""The snapshot format this code writes (it reads versions 1 and 2)."""

_CATCH_UP_CHUNK: Final = 1 << 16
_log = LibraryLogger(__name__)


def durable_line(event: Event, seq: int, chain: str, *, batch: int | None = None) -> bytes:
    """The log line of ``event`` at ``seq`` with ``chain`` (and a batch marker)."""
    obj = encode_event(event)
    if batch is not None:
        obj[BATCH_FIELD] = batch
    obj["seq"] = seq
    obj["chain"] = chain
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS) + b"\n"


def _line_body(event: Event, batch: int | None) -> bytes:
    """The canonical bytes the chain covers: the line without ``seq`` and ``chain``."""
    if batch is None:
        return canonical_bytes(event)
    obj = encode_event(event)
    obj[BATCH_FIELD] = batch
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)


@attrs.frozen(kw_only=True)
class Verified:
    """What :func:`verify` found in an intact log."""

    path: str
    events: int
    seq: int
    chain: str
    torn_bytes: int
    """Bytes of a torn last line (a crash cut it short); 0 when none."""
    head_seq: int | None = None
    """The seq of the line carrying the ``head`` asked for, if one does."""


def verify(
    path: str | Path,
    *,
    from_seq: int | None = None,
    from_chain: str | None = None,
    head: str | None = None,
) -> Verified:
    """Check every line of a durable log (or ``-``); name the first bad one.

    Each line must be exactly its canonical bytes plus ``seq`` and ``chain``,
    with the chain unbroken and every batch whole. With ``from_seq`` (and the
    ``from_chain`` of the line before it, trusted from elsewhere) only the lines
    from ``from_seq`` on are checked. A torn last line is reported in
    ``torn_bytes`` rather than raised. With ``head`` (a chain kept elsewhere),
    ``head_seq`` says which line carries it. Raises :class:`LogIntegrityError`.
    """
    name = "<stdin>" if str(path) == "-" else str(path)
    if str(path) != "-" and not os.path.lexists(path):
        raise LogIntegrityError("no such log", path=name, line=0)
    if from_seq is None and _worth_parallel(path):
        seq, chain, torn, head_seq = verify_ranges(Path(path), head=head)
        return Verified(
            path=name, events=seq, seq=seq, chain=chain, torn_bytes=torn, head_seq=head_seq
        )
    start = 1 if from_seq is None else from_seq
    checker = ChainCheck(
        name, seq=start - 1, chain=from_chain or GENESIS, batch_left=0 if start == 1 else None
    )
    offset, torn, head_seq = 0, 0, None
    for number, raw in enumerate(raw_lines(path), start=1):
        if number >= start:
            if not raw.endswith(b"\n"):
                torn = len(raw)
                break
            checker.check(raw, number, offset)
            if checker.chain == head:
                head_seq = number
        elif number == start - 1 and from_chain is None:
            checker.chain = _recorded_chain(raw, name, number)
        offset += len(raw)
    if not torn:
        checker.finish()
    return Verified(
        path=name,
        events=checker.seq,
        seq=checker.seq,
        chain=checker.chain,
        torn_bytes=torn,
        head_seq=head_seq,
    )


def _worth_parallel(path: str | Path) -> bool:
    """A regular file big enough to split over processes (never a stream)."""
    try:
        info = os.stat(path)
    except OSError:
        return False
    return (
        stat.S_ISREG(info.st_mode) and info.st_size >= PARALLEL_FROM and (os.cpu_count() or 1) > 1
    )


def _recorded_chain(raw: bytes, name: str, line: int) -> str:
    """The chain a line records (trusted: an earlier verify checked it)."""
    try:
        chain = orjson.loads(raw).get("chain")
    except (orjson.JSONDecodeError, AttributeError):
        chain = None
    if not isinstance(chain, str):
        raise LogIntegrityError("no chain recorded on the line before --from", path=name, line=line)
    return chain


def _flags() -> int:
    return os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _open_log(path: Path) -> tuple[int, bool]:
    """(a descriptor, whether it is writable); refuses a symlink or a directory."""
    if path.is_symlink():
        raise LogWriteError(
            "is a symbolic link; a durable log is opened by its real path only",
            path=path,
        )
    if not path.parent.is_dir():
        raise LogWriteError("no such folder", path=path)
    created = not path.exists()
    try:
        fd = os.open(path, _flags(), 0o644)
    except IsADirectoryError:
        raise LogWriteError("is a directory, not a log", path=path) from None
    except PermissionError:
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError as exc:
            raise LogWriteError(f"cannot open: {exc.strerror}", path=path) from None
        return fd, False
    except OSError as exc:
        raise LogWriteError(f"cannot open: {exc.strerror}", path=path) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise LogWriteError("not a regular file", path=path)
    if created:
        _fsync_path(path.parent)
    return fd, True


class EventLog:
    """An append-only, hash-chained event log over one file.

    Open it with :meth:`open`: it checks that the file is a durable log,
    recovers a crash's leftovers, and checks its sidecar against the log's end
    (reading only what the sidecar does not cover). Use it as a context
    manager or call :meth:`close`.
    """

    def __init__(self, path: Path, fd: int, *, writable: bool) -> None:
        self.path = path
        self._fd = fd
        self._writable = writable
        self._seq, self._chain, self._end = 0, GENESIS, 0
        self._ledger = Ledger()
        self._seqs: MutableMapping[str, int] = {}
        self._sidecar: Sidecar | None = None
        self._base: tuple[State, int, str, int] = (EMPTY, 0, GENESIS, 0)
        self._state: tuple[int, State] | None = None

    @classmethod
    def open(cls, path: str | Path, *, snapshot: str | Path | None = None) -> EventLog:
        """Open (or create) the log at ``path`` for reading and appending.

        With ``snapshot`` (written by :meth:`write_snapshot`), :meth:`state`
        starts from it and reads only the lines after it; a snapshot whose seq
        and chain do not match the log's line at that seq is refused with
        :class:`SnapshotMismatch`.
        """
        path = Path(path)
        fd, writable = _open_log(path)
        log = cls(path, fd, writable=writable)
        try:
            with log._locked():
                _check_durable(path, fd)
                log._attach_sidecar()
                if writable:  # lines the sidecar covers are whole batches: look after them
                    _recover(path, fd, floor=log._end)
                overlay, new, to = log._catch_up()
                log._advance(overlay, new, to)
                if snapshot is not None:
                    log._load_snapshot(Path(snapshot))
        except BaseException:
            log.close()
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
        """The state of every event in the log (read when first asked for,
        from the snapshot given to :meth:`open` if any)."""
        if self._state is None or self._state[0] != self._seq:
            base, seq, chain, offset = self._base
            tail = tail_events(self.path, seq=seq, chain=chain, offset=offset, end=self._end)
            if seq == 0:
                state = replay(tail)
            else:
                state = base
                for event in tail:
                    state = evolve(state, event)
            self._state = (self._seq, state)
        return self._state[1]

    def read(self, from_seq: int = 1) -> Iterator[Event]:
        """The events from ``from_seq`` on, checked against the chain."""
        for seq, event in read_durable(self.path):
            if seq >= from_seq:
                yield event

    def append(self, events: Iterable[Event], *, expected_seq: int | None = None) -> list[int]:
        """Append ``events`` as one atomic, durable batch; their seqs.

        An event identical to one already in the log is not written again:
        its existing seq is returned (at-least-once producers are safe).
        Raises :class:`AppendRefused` if an event would create an anomaly,
        :class:`ConcurrencyError` if the log ends past ``expected_seq`` and
        :class:`LogWriteError` if the system refuses the write; in every case
        the log is left byte for byte as it was.
        """
        batch = list(events)
        # Within a batch, sources come first so that its claims may name them.
        batch.sort(key=lambda e: not isinstance(e, Source))
        if not self._writable:
            raise LogWriteError("cannot append: the log is read-only", path=self.path)
        with self._locked():
            if os.fstat(self._fd).st_size != self._end:
                # A writer killed mid-batch left this.
                _recover(self.path, self._fd, floor=self._end)
            pending, new, (seq, chain, end) = self._catch_up()
            try:
                if expected_seq is not None and expected_seq != seq:
                    raise ConcurrencyError(expected=expected_seq, actual=seq)
                trial = pending.overlay()
                seqs, fresh = self._judge(batch, trial, new, seq)
                if fresh:
                    data, last_chain = _batch_lines(fresh, seq, chain)
                    _write_all(self.path, self._fd, end, data)
                    pending.absorb(trial)
                    new.update((e.id, seq + i) for i, e in enumerate(fresh, start=1))
                    seq, chain, end = seq + len(fresh), last_chain, end + len(data)
            finally:
                # One sidecar transaction: what others appended, then this batch.
                self._advance(pending, new, (seq, chain, end))
        return seqs

    def _judge(
        self, batch: list[Event], trial: Ledger, pending: dict[str, int], seq: int
    ) -> tuple[list[int], list[Event]]:
        """The seqs of ``batch`` and the events to write; raises on a refusal."""
        seqs: list[int] = []
        fresh: list[Event] = []
        new_seqs: dict[str, int] = {}
        for event in batch:
            if any(key == BATCH_FIELD for key, _ in event.extra):
                raise AppendRefused(
                    f'field "{BATCH_FIELD}" is reserved by the durable log',
                    event=event.id,
                    rule="reserved-field",
                )
            found = trial.refusal(event)
            if found is not None:
                raise AppendRefused(found.detail, event=found.event, rule=found.rule)
            known = new_seqs.get(event.id) or pending.get(event.id) or self._seqs.get(event.id)
            if known is not None:
                seqs.append(known)
                continue
            new_seqs[event.id] = seq + len(fresh) + 1
            seqs.append(new_seqs[event.id])
            fresh.append(event)
            trial.add(event)
        return seqs, fresh

    def _advance(self, overlay: Ledger, new: dict[str, int], to: tuple[int, str, int]) -> None:
        """Move to ``to`` (seq, chain, end), taking in the facts read or written."""
        if to == (self._seq, self._chain, self._end):
            return
        self._seq, self._chain, self._end = to
        self._remember(overlay, new)

    def _remember(self, overlay: Ledger, new: dict[str, int]) -> None:
        """Take a written batch's facts into the ledger (and the sidecar)."""
        if self._sidecar is not None:
            try:
                self._sidecar.record(overlay, new, (self._seq, self._chain, self._end))
            except Exception as exc:
                _log.warning("sidecar_not_updated", log=str(self.path), reason=str(exc))
                self._sidecar.close()
                self._sidecar = None
                self._ledger = Ledger.from_events(e for _, e in read_durable(self.path))
                self._seqs = {e.id: s for s, e in read_durable(self.path)}
            return
        self._ledger.absorb(overlay)
        self._seqs.update(new)

    def _attach_sidecar(self) -> None:
        """Use the sidecar if it matches the log; rebuild it if it does not."""
        sidecar = Sidecar.open(self.path) if self._writable else None
        if sidecar is None:
            self._seqs = {}
            return
        covers = sidecar.covers()
        if covers is not None and _matches(self.path, self._fd, covers):
            self._seq, self._chain, self._end = covers
        elif covers is not None:
            _log.warning("sidecar_rebuilt", log=str(self.path), reason="does not match")
            sidecar.close()
            sidecar = Sidecar.open(self.path, fresh=True)
            if sidecar is None:
                self._seqs = {}
                return
        self._sidecar = sidecar
        self._ledger = sidecar.ledger
        self._seqs = sidecar.seqs

    def _catch_up(self) -> tuple[Ledger, dict[str, int], tuple[int, str, int]]:
        """Read and check lines appended since we last looked (by anyone).

        Their facts are recorded in chunks; the last chunk's (an overlay, the
        seqs of its events, and the seq, chain and end reached) is returned
        for the caller to :meth:`_advance` with, in one transaction with its
        own batch.
        """
        # Rebuilding a sidecar from the start: judge from memory, write in chunks.
        root = Ledger() if self._end == 0 and self._sidecar is not None else self._ledger
        overlay, new = root.overlay(), dict[str, int]()
        size = os.fstat(self._fd).st_size
        if size < self._end:
            raise LogIntegrityError(
                f"the log shrank from {self._end} to {size} bytes while open",
                path=self.path,
                line=self._seq,
            )
        checker = ChainCheck(str(self.path), seq=self._seq, chain=self._chain, batch_left=None)
        end = self._end
        if size > end:
            with self.path.open("rb") as reader:
                reader.seek(end)
                for raw in reader:
                    event = checker.event(raw, checker.seq + 1)
                    overlay.add(event)
                    new.setdefault(event.id, checker.seq)
                    end += len(raw)
                    if len(new) >= _CATCH_UP_CHUNK:
                        self._advance(overlay, new, (checker.seq, checker.chain, end))
                        if root is not self._ledger:
                            root.absorb(overlay)
                        overlay, new = root.overlay(), {}
        return overlay, new, (checker.seq, checker.chain, end)

    def write_snapshot(self, path: str | Path) -> None:
        """Save the reduced state with the seq, chain and byte offset it covers.

        Snapshot format version 2 (:mod:`discrepancy.snapshot`): a JSON header
        line, then the state, which opens without decoding a single event.
        Written to a new temporary file beside it (``O_EXCL | O_NOFOLLOW``),
        fsynced, then renamed into place.
        """
        state = self.state()
        data = state_snapshot_bytes(state, seq=self._seq, chain=self._chain, offset=self._end)
        _replace_atomically(Path(path), data)

    def _load_snapshot(self, path: Path) -> None:
        header, handle = read_header(path)
        seq, chain, offset = header["seq"], header["chain"], header["offset"]
        try:
            _check_snapshot_matches(path, self.path, seq, chain, offset)
            if offset > self._end:
                raise SnapshotMismatch(f"{path}: the log is shorter than the snapshot")
        except BaseException:
            handle.close()
            raise
        if header["snapshot"] == STATE_SNAPSHOT_VERSION:
            state = load_state(path, handle, header["events"])
        else:
            with handle:
                state = replay(_snapshot_events(path, handle, seq))
        self._base = (state, seq, chain, offset)
        self._state = None

    def close(self) -> None:
        """Close the file (and the sidecar)."""
        if self._sidecar is not None:
            self._sidecar.close()
            self._sidecar = None
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def _locked(self) -> _Lock:
        return _Lock(self._fd)

    def __enter__(self) -> EventLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Lock:
    def __init__(self, fd: int) -> None:
        self._fd = fd

    def __enter__(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)


def _check_snapshot_matches(path: Path, log: Path, seq: int, chain: str, offset: int) -> None:
    """Refuse a snapshot unless the log's line ending at ``offset`` has its seq and chain."""
    if not seq:
        if offset:
            raise SnapshotMismatch(f"{path}: covers no line but {offset} bytes")
        return
    line = line_ending_at(log, offset)
    if line is None:
        raise SnapshotMismatch(f"{path}: the log is shorter than the snapshot")
    try:
        last = orjson.loads(line)
    except orjson.JSONDecodeError:
        last = {}
    if not isinstance(last, dict) or last.get("seq") != seq or last.get("chain") != chain:
        found = last if isinstance(last, dict) else {}
        raise SnapshotMismatch(
            f"{path}: covers seq {seq} with chain {chain}, but the log's line there has seq "
            f"{found.get('seq')} and chain {found.get('chain')}"
        )


def _snapshot_events(path: Path, handle: BinaryIO, seq: int) -> list[Event]:
    """The events of a version 1 snapshot (one per line after the header)."""
    try:
        events = [decode_event(orjson.loads(line)["event"]) for line in handle]
    except (orjson.JSONDecodeError, LogDecodeError, KeyError, TypeError) as exc:
        reason = exc.reason if isinstance(exc, LogDecodeError) else "malformed"
        raise SnapshotMismatch(f"{path}: not a snapshot ({reason})") from None
    if len(events) != seq:
        raise SnapshotMismatch(f"{path}: holds {len(events)} events, its header says {seq}")
    return events


def _batch_lines(fresh: list[Event], seq: int, chain: str) -> tuple[bytes, str]:
    """The lines of a batch after ``seq`` and ``chain``, and the last chain."""
    lines: list[bytes] = []
    for number, event in enumerate(fresh):
        marker = len(fresh) if number == 0 else None
        seq += 1
        chain = next_chain(chain, _line_body(event, marker))
        lines.append(durable_line(event, seq, chain, batch=marker))
    return b"".join(lines), chain


def _write_all(path: Path, fd: int, end: int, data: bytes) -> None:
    """Write ``data`` at ``end`` and fsync; on any error cut the file back to ``end``."""
    try:
        view = memoryview(data)
        at = end
        while view:
            written = os.pwrite(fd, view, at)
            view, at = view[written:], at + written
        os.fsync(fd)
    except OSError as exc:
        try:
            os.ftruncate(fd, end)
            os.fsync(fd)
        except OSError:
            pass  # the batch marker lets the next open move the rest aside
        reason = "the disk is full" if exc.errno == errno.ENOSPC else exc.strerror
        raise LogWriteError(
            f"cannot append: {reason}; nothing was written (the log is as it was)", path=path
        ) from None


def _check_durable(path: Path, fd: int) -> None:
    """Refuse a file that is not empty and not a durable log, before any change."""
    with os.fdopen(os.dup(fd), "rb") as reader:
        first = reader.readline(1 << 24)
    if not first:
        return
    if first.endswith(b"\n"):
        if not is_durable_line(first):
            raise LogIntegrityError("not a durable log: line 1 has no seq", path=path, line=1)
        ChainCheck(str(path), batch_left=None).check(first, 1)
    elif not first.startswith((b'{"batch":', b'{"chain":')) or b'"chain":"' not in first:
        raise LogIntegrityError("not a durable log: line 1 has no seq", path=path, line=1)


def _matches(path: Path, fd: int, covers: tuple[int, str, int]) -> bool:
    """Whether the log's line ending at the sidecar's offset has its seq and chain."""
    seq, chain, offset = covers
    if offset > os.fstat(fd).st_size:
        return False
    if seq == 0:
        return offset == 0 and chain == GENESIS
    line = line_ending_at(path, offset)
    if line is None:
        return False
    try:
        last = orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return isinstance(last, dict) and last.get("seq") == seq and last.get("chain") == chain


def _recover(path: Path, fd: int, *, floor: int = 0) -> None:
    """Move a torn last line and an incomplete last batch to a side file.

    ``floor`` is where whole batches are known to end (the sidecar's offset).
    """
    size = os.fstat(fd).st_size
    if size == floor:
        return
    keep = _whole_batches_end(path, size, floor)
    if keep == size:
        return
    with path.open("rb") as reader:
        reader.seek(keep)
        leftover = reader.read()
    side = _side_file(path, leftover)
    try:
        os.ftruncate(fd, keep)
        os.fsync(fd)
    except OSError as exc:
        raise LogWriteError(f"cannot recover: {exc.strerror}", path=path) from None
    _fsync_path(path.parent)
    _log.warning(
        "incomplete_batch_recovered", log=str(path), bytes=len(leftover), moved_to=str(side)
    )


def _whole_batches_end(path: Path, size: int, floor: int) -> int:
    """The byte offset where the last whole batch ends (``size`` if all is whole).

    Reads backwards from the end: past a torn last line, then over the last
    batch's lines to the line that carries its ``batch`` marker, but not
    below ``floor`` (whole batches end there: lines after it without a marker
    are a batch cut short). A log written before batch markers has none; with
    no floor, only its torn line is cut.
    """
    with path.open("rb") as reader:
        lines = _lines_backwards(reader, size)
        cut = next(lines)[0]  # where the bytes after the last newline begin
        for seen, (start, line) in enumerate(lines, start=1):
            if start < floor:
                return floor
            marker = _marker(line)
            if marker is not None:
                return cut if marker <= seen else start
    return cut


def _lines_backwards(reader: BinaryIO, size: int) -> Iterator[tuple[int, bytes]]:
    """First (start, bytes) after the last newline (maybe empty), then each whole
    line's (start, bytes without ``\\n``), last to first."""
    pos, carry = size, b""
    while pos > 0:
        step = min(pos, 1 << 20)
        pos -= step
        reader.seek(pos)
        parts = (reader.read(step) + carry).split(b"\n")
        carry = parts[0]
        start = pos + len(carry) + 1
        found = []
        for part in parts[1:]:
            found.append((start, part))
            start += len(part) + 1
        yield from reversed(found)
    yield 0, carry


def _marker(line: bytes) -> int | None:
    if b'"batch":' not in line:
        return None
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    marker = obj.get(BATCH_FIELD) if isinstance(obj, dict) else None
    return marker if type(marker) is int else None


def _side_file(path: Path, data: bytes) -> Path:
    """Write ``data`` to a new ``PATH.torn-N`` (never an existing name or a link)."""
    side, fd = _create_fresh(
        lambda n: path.with_name(f"{path.name}.torn-{n + 1}"), "cannot write the side file"
    )
    try:
        _write_all(side, fd, 0, data)
    finally:
        os.close(fd)
    return side


def _create_fresh(name: Callable[[int], Path], failing: str) -> tuple[Path, int]:
    """Create and open the first ``name(0)``, ``name(1)``, ... that does not exist.

    ``O_EXCL | O_NOFOLLOW``: never an existing file, never through a link.
    """
    number = 0
    while True:
        fresh = name(number)
        try:
            return fresh, os.open(
                fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644
            )
        except FileExistsError:
            number += 1
        except OSError as exc:
            raise LogWriteError(f"{failing}: {exc.strerror}", path=fresh) from None


def _replace_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to a new temporary beside ``target``, fsync, rename over it."""
    partial, fd = _create_fresh(
        lambda n: target.with_name(f"{target.name}.partial-{os.getpid()}-{n}"), "cannot write"
    )
    try:
        _write_all(partial, fd, 0, data)
    except DiscrepancyError:
        partial.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)
    os.replace(partial, target)
    _fsync_path(target.parent)


def _fsync_path(path: Path) -> None:
    """fsync a file or a directory by name."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
