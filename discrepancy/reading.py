"""The one reading path: a log's bytes to checked events (SPEC section 2).

Every reader of log files goes through here: :func:`~discrepancy.logs.replay_paths`,
:class:`~discrepancy.durable.EventLog`, :func:`~discrepancy.durable.verify` and
the Dask reader. This module alone decides whether a file is a durable log and
checks ``seq``, ``chain``, canonical form and batch markers
(:class:`ChainCheck`), so a check cannot be skipped by reading another way.

Files, pipes, FIFOs and standard input (``-``) are read as streams, in chunks,
never sought. A FIFO with no writer when it is opened is a located error, not
a wait. Every problem is one :class:`~discrepancy.errors.LogDecodeError` or
:class:`~discrepancy.errors.LogIntegrityError` naming the file and line.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final, Protocol

import attrs
import orjson

from discrepancy.codec import MAX_DEPTH, decode_event, decode_line
from discrepancy.errors import LogDecodeError, LogIntegrityError
from discrepancy.events import Event

GENESIS: Final = "0" * 64
"""The chain value before the first line."""

BATCH_FIELD: Final = "batch"
"""The batch marker (an extension of SPEC v1, see docs/log-format.md): the first
line of each appended batch carries the number of lines in the batch."""

STDIN: Final = "-"
_BOM: Final = b"\xef\xbb\xbf"
_CHUNK: Final = 1 << 20
_SORT: Final = orjson.OPT_SORT_KEYS


def next_chain(previous: str, canonical: bytes) -> str:
    """The chain of a line whose event has ``canonical`` bytes."""
    return hashlib.sha256(previous.encode("ascii") + canonical).hexdigest()


def _name(path: str | Path) -> str:
    return "<stdin>" if str(path) == STDIN else str(path)


def is_stream(path: str | Path) -> bool:
    """Whether ``path`` is read as a stream: ``-``, a FIFO, a pipe or a device.

    A stream has no size and cannot be read from an offset, so it cannot be
    cut into chunks. A path that does not exist is not one (its reader names
    the error).
    """
    if str(path) == STDIN:
        return True
    try:
        return not stat.S_ISREG(os.stat(path).st_mode) and not os.path.isdir(path)
    except OSError:
        return False


def _open_fd(path: str | Path) -> int:
    """A file descriptor to read ``path`` from; located errors, never a hang."""
    if str(path) == STDIN:
        return os.dup(sys.stdin.fileno())
    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise LogDecodeError(f"cannot read: {exc.strerror}", path=name) from None
    mode = os.fstat(fd).st_mode
    if stat.S_ISDIR(mode):
        os.close(fd)
        raise LogDecodeError("cannot read: Is a directory", path=name)
    if not stat.S_ISFIFO(mode):
        os.set_blocking(fd, True)
    return fd


def chunks(path: str | Path) -> Iterator[bytes]:
    """The bytes of ``path`` (a file, FIFO, pipe or ``-``), in chunks, in order."""
    name = _name(path)
    fd = _open_fd(path)
    try:
        if stat.S_ISFIFO(os.fstat(fd).st_mode) and not os.get_blocking(fd):
            try:
                first = os.read(fd, _CHUNK)
            except BlockingIOError:
                first = None  # a writer is there, with nothing written yet
            if first == b"":
                raise LogDecodeError("a FIFO with no writer (nothing to read)", path=name)
            os.set_blocking(fd, True)
            if first:
                yield first
        while True:
            try:
                data = os.read(fd, _CHUNK)
            except OSError as exc:
                raise LogDecodeError(f"cannot read: {exc.strerror}", path=name) from None
            if not data:
                return
            yield data
    finally:
        os.close(fd)


def raw_lines(path: str | Path) -> Iterator[bytes]:
    """The lines of ``path`` with their ``\\n`` (the last may lack it)."""
    rest = b""
    for data in chunks(path):
        parts = (rest + data).split(b"\n") if rest else data.split(b"\n")
        rest = parts.pop()
        for part in parts:
            yield part + b"\n"
    if rest:
        yield rest


def _bad_bytes(raw: bytes, *, name: str, line: int, offset: int) -> LogDecodeError | None:
    """A plain-words error for bytes that are not UTF-8 JSON text, if they are not."""
    if line == 1 and raw.startswith(b"\x1f\x8b"):
        return LogDecodeError(
            "gzip-compressed data, not JSON Lines: decompress it first", path=name, line=line
        )
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return LogDecodeError(f"not UTF-8 at byte {offset + exc.start}", path=name, line=line)
    return None


def _looks_like_document(raw: bytes, obj: object = None) -> bool:
    head = raw.lstrip(_BOM).strip()
    return isinstance(obj, list) or head in (b"[", b"{") or head.startswith((b"[{", b"[ "))


def parse(raw: bytes, *, name: str, line: int, offset: int) -> object:
    """``orjson.loads(raw)`` with located, plain-words errors."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        bad = _bad_bytes(raw, name=name, line=line, offset=offset)
        if bad is not None:
            raise bad from None
        if line == 1 and _looks_like_document(raw):
            raise LogDecodeError(
                "this looks like a JSON document, not JSON Lines (one object per line)",
                path=name,
                line=line,
            ) from None
        reason = str(exc).split(": line ")[0]
        raise LogDecodeError(f"not valid JSON ({reason})", path=name, line=line) from None


def is_durable_line(raw: bytes) -> bool:
    """Whether a first line makes its file a durable log (it carries ``chain``)."""
    if b'"chain"' not in raw:
        return False
    try:
        obj = orjson.loads(raw.removeprefix(_BOM))  # a BOM there is then an integrity error
    except orjson.JSONDecodeError:
        return False
    return isinstance(obj, dict) and "chain" in obj


class ChainCheck:
    """Checks consecutive durable lines: seq, chain, canonical form, batches.

    Each line's check needs only the previous line's recorded seq and chain,
    so a checker can start anywhere (``seq``, ``chain`` of the line before).
    ``batch_left`` is how many lines of the current batch are still due;
    ``None`` when unknown (a checker started mid-file does not judge batches).
    """

    __slots__ = ("batch_left", "batch_start", "chain", "path", "seq")

    def __init__(
        self, path: str, *, seq: int = 0, chain: str = GENESIS, batch_left: int | None = 0
    ) -> None:
        self.path = path
        self.seq = seq
        self.chain = chain
        self.batch_left = batch_left
        self.batch_start = 0

    def _fail(self, reason: str, line: int) -> LogIntegrityError:
        return LogIntegrityError(reason, path=self.path, line=line)

    def check(self, raw: bytes, line: int, offset: int = 0) -> dict[str, Any]:
        """The event object of one line (envelope removed), after every check."""
        if not raw.endswith(b"\n"):
            raise self._fail("torn", line)
        if line == 1 and raw.startswith(_BOM):
            raise self._fail("a byte order mark before a durable log's first line", line)
        if not raw.strip():
            raise self._fail("a blank line in a durable log", line)
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError:
            bad = _bad_bytes(raw, name=self.path, line=line, offset=offset)
            reason = bad.reason if bad is not None else "not valid JSON"
            raise self._fail(reason, line) from None
        if not isinstance(obj, dict):
            raise self._fail("not a JSON object", line)
        due = self.seq + 1
        found_seq = obj.pop("seq", None)
        if found_seq != due or isinstance(found_seq, bool):
            if found_seq is None and due == 1:
                raise self._fail("not a durable log: line 1 has no seq", line)
            raise self._fail(
                f"seq {found_seq!r} where {due} was due (a line deleted, moved or added)", line
            )
        recorded = obj.pop("chain", None)
        try:
            canonical = orjson.dumps(obj, option=_SORT)
        except orjson.JSONEncodeError:
            raise self._fail(f"nested deeper than {MAX_DEPTH} levels", line) from None
        chain = next_chain(self.chain, canonical)
        if recorded != chain:
            raise self._fail("chain broken (this line or one before it was edited)", line)
        obj["seq"], obj["chain"] = found_seq, recorded
        if orjson.dumps(obj, option=_SORT) + b"\n" != raw:
            raise self._fail(
                "not in canonical form (a duplicate key, a re-encoding or added whitespace)",
                line,
            )
        del obj["seq"], obj["chain"]
        self._batch(obj.pop(BATCH_FIELD, None), line)
        self.seq, self.chain = due, chain
        return obj

    def _batch(self, marker: object, line: int) -> None:
        if marker is not None:
            if type(marker) is not int or marker < 1:
                raise self._fail(f'field "{BATCH_FIELD}": expected a positive integer', line)
            if self.batch_left:
                raise self._fail(
                    f"a batch begins before the one that began at line {self.batch_start} "
                    "ended (a crash cut it short)",
                    line,
                )
            self.batch_left, self.batch_start = marker, line
        if self.batch_left:
            self.batch_left -= 1

    def finish(self) -> None:
        """Raise unless the last batch is whole."""
        if self.batch_left:
            raise self._fail(
                f"incomplete batch: {self.batch_left} of its lines are missing (a crash cut "
                "an append short; the next append moves it to a side file)",
                self.batch_start,
            )

    def event(self, raw: bytes, line: int, offset: int = 0) -> Event:
        """The event of one checked line."""
        obj = self.check(raw, line, offset)
        try:
            return decode_event(obj)
        except LogDecodeError as exc:
            raise exc.located(path=self.path, line=line) from None


def read_durable(
    path: str | Path, checker: ChainCheck | None = None
) -> Iterator[tuple[int, Event]]:
    """(seq, event) of every line of a durable log, every check made."""
    checker = checker or ChainCheck(_name(path))
    offset = 0
    for number, raw in enumerate(raw_lines(path), start=1):
        yield number, checker.event(raw, number, offset)
        offset += len(raw)
    checker.finish()


def line_ending_at(path: Path, offset: int) -> bytes | None:
    """The whole line that ends at byte ``offset`` of ``path``, if there is one."""
    if offset <= 0:
        return None
    with path.open("rb") as reader:
        back = 1 << 16
        while True:
            start = max(0, offset - back)
            reader.seek(start)
            chunk = reader.read(offset - start)
            if len(chunk) != offset - start or not chunk.endswith(b"\n"):
                return None
            cut = chunk.rfind(b"\n", 0, len(chunk) - 1)
            if cut != -1 or start == 0:
                return chunk[cut + 1 :]
            back *= 4


@attrs.frozen
class LogTail:
    """The lines of a durable log after byte ``offset``, whose line before has
    ``seq`` and ``chain`` (what a snapshot leaves to read)."""

    path: str | Path
    seq: int
    chain: str
    offset: int


def tail_events(
    path: str | Path, *, seq: int, chain: str, offset: int, end: int | None = None
) -> Iterator[Event]:
    """The events of a durable log's lines from byte ``offset`` (to ``end``),
    checked from the ``seq`` and ``chain`` of the line before (trusted: a
    snapshot or a sidecar vouched for it). A regular file: this one seeks."""
    name = _name(path)
    checker = ChainCheck(name, seq=seq, chain=chain, batch_left=0 if offset == 0 else None)
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise LogDecodeError(f"cannot read: {exc.strerror}", path=name) from None
    with handle:
        handle.seek(offset)
        left = None if end is None else end - offset
        for raw in handle:
            if left is not None:
                if left <= 0:
                    break
                left -= len(raw)
            yield checker.event(raw, checker.seq + 1, offset)
            offset += len(raw)
    if offset == 0 or end is None:
        checker.finish()


def plain_event(raw: bytes, *, name: str, line: int, offset: int) -> Event | None:
    if line == 1 and raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    if not raw.strip():
        return None
    if b'"chain"' in raw:
        obj = parse(raw, name=name, line=line, offset=offset)
        if isinstance(obj, dict) and "chain" in obj:
            raise LogIntegrityError(
                "carries a chain but line 1 does not: a durable log whose first line was "
                "removed, blanked or edited",
                path=name,
                line=line,
            )
    try:
        return decode_line(raw, path=name, line_no=line)
    except LogDecodeError as exc:
        if exc.field is None:
            obj = parse(raw, name=name, line=line, offset=offset)  # plainer words, if any fit
            if line == 1 and isinstance(obj, list):
                raise LogDecodeError(
                    "this looks like a JSON document, not JSON Lines (one object per line)",
                    path=name,
                    line=line,
                ) from None
        raise


class BlockReader:
    """The events of a block of lines from anywhere in a log (the Dask reader).

    ``first_line`` is the file's first line (it decides whether the file is a
    durable log) and ``previous_line`` the line just before the block (its
    recorded seq and chain start the check; ``None`` at the file's start).
    """

    def __init__(self, name: str, first_line: bytes, previous_line: bytes | None) -> None:
        self.name = name
        self.checker: ChainCheck | None = None
        if is_durable_line(first_line):
            self.checker = ChainCheck(name)
            if previous_line is not None:
                try:
                    obj = orjson.loads(previous_line)
                    seq, chain = obj["seq"], obj["chain"]
                except (orjson.JSONDecodeError, TypeError, KeyError):
                    seq, chain = None, None
                if type(seq) is not int or not isinstance(chain, str):
                    raise LogDecodeError("not a durable log line", path=name)
                self.checker = ChainCheck(name, seq=seq, chain=chain, batch_left=None)

    def event(self, raw: bytes, offset: int) -> Event | None:
        """The event of one line (with its ``\\n`` unless torn); None for a blank
        line of a plain log. Errors name the line only as well as known: in a
        durable log by its seq, in a plain one as 1 at offset 0 (else 0)."""
        if self.checker is not None:
            return self.checker.event(raw, self.checker.seq + 1, offset)
        return plain_event(raw, name=self.name, line=1 if offset == 0 else 0, offset=offset)

    def finish(self) -> None:
        """Raise unless a durable log's last batch is whole (call at the file's end)."""
        if self.checker is not None:
            self.checker.finish()


def read_events(path: str | Path) -> Iterator[Event]:
    """The events of one log (file, FIFO, pipe or ``-``), checked, in file order.

    A file whose first line carries ``chain`` is a durable log: every line is
    checked (:class:`ChainCheck`). Otherwise it is a plain log: blank lines
    are skipped, a byte order mark at the start is ignored, and a line
    carrying ``chain`` is an integrity error (a durable log whose first line
    was damaged must not escape its check).
    """
    name = _name(path)
    lines = raw_lines(path)
    first = next(lines, None)
    if first is None:
        return
    if is_durable_line(first):
        checker = ChainCheck(name)
        offset = len(first)
        yield checker.event(first, 1)
        for number, raw in enumerate(lines, start=2):
            yield checker.event(raw, number, offset)
            offset += len(raw)
        checker.finish()
        return
    offset = 0
    for number, raw in enumerate(_prepend(first, lines), start=1):
        event = plain_event(raw, name=name, line=number, offset=offset)
        offset += len(raw)
        if event is not None:
            yield event


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


class _Seekable(Protocol):
    def seek(self, offset: int, whence: int = ..., /) -> int: ...
    def read(self, size: int = ..., /) -> bytes: ...
    def readline(self, size: int = ..., /) -> bytes: ...
    def tell(self) -> int: ...


def block_lines(handle: _Seekable, start: int, end: int) -> tuple[int, bytes]:
    """``(offset of the first line, bytes)`` of the lines whose first byte is in ``[start, end)``.

    How a log is cut into blocks for parallel readers (the sharded replay and
    Dask): a line belongs to the block its first byte lies in, so the blocks
    of a file hold each line exactly once, the last one finished past ``end``.
    """
    if start == 0:
        begin = 0
    else:
        handle.seek(start - 1)
        if handle.read(1) != b"\n":
            handle.readline()  # the rest of a line that began in an earlier block
        begin = handle.tell()
    if begin >= end:
        return begin, b""
    handle.seek(begin)
    data = handle.read(end - begin)
    if data and not data.endswith(b"\n"):
        data += handle.readline()  # the last line began here: finish it
    return begin, data


def line_number_at(handle: _Seekable, offset: int) -> int:
    """The 1-based number of the line that starts at byte ``offset`` (error paths only)."""
    newlines = 0
    handle.seek(0)
    remaining = offset
    while remaining > 0:
        data = handle.read(min(remaining, 1 << 20))
        if not data:
            break
        newlines += data.count(b"\n")
        remaining -= len(data)
    return newlines + 1
