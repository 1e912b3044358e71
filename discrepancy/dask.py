"""Partitioned replay on Dask: many JSON Lines logs, decoded and folded in parallel.

Installed with the ``dask`` extra (``pip install 'discrepancy[dask]'``).

How it works (see ``docs/dask.md``):

1. The logs are cut into byte ranges of about ``blocksize`` bytes. A line
   belongs to the range its first byte lies in, so every line is read by
   exactly one partition, whatever the cut.
2. Each partition decodes its lines with the core codec, keeps those recorded
   at or before ``as_of``, and folds them with :func:`discrepancy.state.replay`
   to a partial state.
3. Partial states are merged, a tree of ``split_every`` at a time on the
   workers while there are more than ``split_every`` of them, and the last
   level in this process. Merging is exact: a state is the set of its distinct
   events, and SPEC section 4 makes the state of a union the same however the
   log was split. Reconciliation happens after the merge, so a ``source``
   event in one file reaches the claims of every other file.

What crosses process boundaries is not a pickled :class:`State` (its indexes
are rebuilt by every merge anyway) but the partial state's distinct events,
packed as plain tuples of their fields, which pickle in about half the time
and load in about two thirds of the time of the event objects.

A malformed line raises :class:`~discrepancy.errors.LogDecodeError` naming
the file and the exact line number, as the single-process reader does: a
partition counts the newlines before its range only when it meets a bad line.
If several lines are malformed, the error names the first one in the order of
the paths given and of the lines in each file, as
:func:`discrepancy.logs.replay_paths` would.
"""

from __future__ import annotations

import itertools
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeAlias

import attrs
import dask.config
import fsspec
from dask.base import compute
from dask.delayed import Delayed, delayed

from discrepancy.collector import paused_gc_task
from discrepancy.diagnostics import LibraryLogger
from discrepancy.errors import DiscrepancyError, LogDecodeError, LogIntegrityError
from discrepancy.events import EVENT_TYPES, Event, Timestamp, instant_key
from discrepancy.reading import BlockReader, block_lines, line_number_at
from discrepancy.report import Writable
from discrepancy.shard import Runner, write_sharded_report
from discrepancy.state import State, replay

if TYPE_CHECKING:
    from distributed import Client

__all__ = [
    "CONNECT_TIMEOUT",
    "DEFAULT_BLOCKSIZE",
    "DEFAULT_SPLIT_EVERY",
    "replay_dask",
    "replay_dask_cli",
    "report_dask",
    "report_dask_cli",
]

CONNECT_TIMEOUT: Final = 5.0
"""Seconds to wait for a scheduler address to answer before giving up."""

DEFAULT_BLOCKSIZE: Final = 64 * 2**20
"""Bytes per partition: big enough that per-task overhead is noise."""

DEFAULT_SPLIT_EVERY: Final = 16
"""Partial states merged per task of the reduction tree."""

_BOM: Final = b"\xef\xbb\xbf"
_LOCAL_SCHEDULERS: Final = frozenset(
    {"sync", "synchronous", "single-threaded", "threads", "processes"}
)

_log = LibraryLogger(__name__)

Scheduler: TypeAlias = "str | Client | None"


# --- Packing: a partial state's distinct events as tuples of their fields -------------

_CLASSES: Final = tuple(EVENT_TYPES.values())
_CODES: Final = {cls: code for code, cls in enumerate(_CLASSES)}
_FIELDS: Final = tuple(tuple(a.name for a in attrs.fields(cls)) for cls in _CLASSES)
_TIMESTAMP_FIELDS: Final = frozenset({"recorded_at", "stated_at"})

_Rows: TypeAlias = list[tuple[Any, ...]]
_Packed: TypeAlias = list[_Rows]  # one list of rows per event class, in _CLASSES order


def _pack(events: Iterable[Event]) -> _Packed:
    """Each event as a tuple of its field values; timestamps as ``(text, key)``."""
    packed: _Packed = [[] for _ in _CLASSES]
    for event in events:
        code = _CODES[type(event)]
        packed[code].append(
            tuple(
                _pack_timestamp(getattr(event, name))
                if name in _TIMESTAMP_FIELDS
                else getattr(event, name)
                for name in _FIELDS[code]
            )
        )
    return packed


def _pack_timestamp(stamp: Timestamp | None) -> tuple[str, str] | None:
    return None if stamp is None else (stamp.text, stamp.key)


def _unpack(packed: _Packed) -> Iterator[Event]:
    """The events :func:`_pack` packed, equal field by field to the originals."""
    new = object.__new__
    set_field = object.__setattr__  # how attrs itself fills a frozen instance
    stamps: dict[tuple[str, str], Timestamp] = {}
    for cls, names, rows in zip(_CLASSES, _FIELDS, packed, strict=True):
        at = [i for i, name in enumerate(names) if name in _TIMESTAMP_FIELDS]
        for row in rows:
            event = new(cls)
            for name, value in zip(names, row, strict=True):
                set_field(event, name, value)
            for i in at:
                pair = row[i]
                if pair is not None:
                    stamp = stamps.get(pair)
                    if stamp is None:
                        stamp = stamps[pair] = Timestamp(text=pair[0], key=pair[1])
                    set_field(event, names[i], stamp)
            yield event


# --- Partial results ----------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _Failure:
    """A malformed line, carried as data: exceptions do not cross processes intact.

    ``order`` is (index of the path given, byte offset of the line) so that the
    first failure in reading order wins, as in the single-process reader.
    """

    order: tuple[int, int]
    reason: str
    path: str
    line: int | None
    field: str | None

    def error(self) -> LogDecodeError:
        return LogDecodeError(self.reason, path=self.path, line=self.line, field=self.field)


@attrs.frozen(kw_only=True)
class _Partial:
    """What a task returns: the packed distinct events, or the first failure met."""

    packed: _Packed
    failure: _Failure | None = None


@attrs.frozen(kw_only=True)
class _Block:
    """Lines whose first byte lies in ``[start, end)`` of one file."""

    fs: Any  # an fsspec filesystem: picklable, opens the file on any worker
    location: str  # the path as the filesystem knows it
    name: str  # the path as the user gave it: what errors name
    file_index: int
    start: int
    end: int


# --- Tasks (run on workers; module-level so that they pickle by reference) -----------


def _read_block(block: _Block) -> tuple[int, bytes]:
    """``(offset of the first line, the bytes of the block's lines)``."""
    with block.fs.open(block.location, "rb") as handle:
        return block_lines(handle, block.start, block.end)


def _line_number(block: _Block, offset: int) -> int:
    """The 1-based number of the line that starts at byte ``offset`` (error path only)."""
    with block.fs.open(block.location, "rb") as handle:
        return line_number_at(handle, offset)


def _edge_lines(block: _Block, begin: int, data: bytes) -> tuple[bytes, bytes | None]:
    """The file's first line and the line just before ``begin`` (None at 0)."""
    if begin == 0:
        return data[: data.find(b"\n") + 1] or data, None
    with block.fs.open(block.location, "rb") as handle:
        first = handle.readline()
        back = 1 << 16
        while True:
            start = max(0, begin - back)
            handle.seek(start)
            chunk = handle.read(begin - start)
            cut = chunk.rfind(b"\n", 0, len(chunk) - 1)
            if cut != -1 or start == 0:
                return first, chunk[cut + 1 :]
            back *= 4


@paused_gc_task
def _fold_block(block: _Block, as_of_key: str | None) -> _Partial:
    """Decode one block through the one reading path, keep what ``as_of`` allows,
    fold it to a partial state."""
    begin, data = _read_block(block)
    events: list[Event] = []
    keep = events.append
    offset = begin
    pieces = data.split(b"\n")
    last = pieces.pop()  # after the last newline: empty, or a torn last line
    lines = [piece + b"\n" for piece in pieces] + ([last] if last else [])
    here = begin
    try:
        first, previous = _edge_lines(block, begin, data)
        reader = BlockReader(block.name, first, previous)
        for line in lines:
            here = offset
            offset += len(line)
            event = reader.event(line, here)
            if event is not None and (as_of_key is None or event.recorded_at.key <= as_of_key):
                keep(event)
        if block.end >= int(block.fs.size(block.location)):
            reader.finish()
    except (LogDecodeError, LogIntegrityError) as exc:
        field = exc.field if isinstance(exc, LogDecodeError) else None
        line_no = exc.line if isinstance(exc, LogIntegrityError) else None
        return _Partial(
            packed=[],
            failure=_Failure(
                order=(block.file_index, here),
                reason=exc.reason,
                path=block.name,
                line=line_no or _line_number(block, here),
                field=field,
            ),
        )
    state = replay(events)
    return _Partial(packed=_pack(state.distinct()))


@paused_gc_task
def _merge_partials(partials: Sequence[_Partial]) -> _Partial:
    """One partial for many: the n-ary form of :func:`discrepancy.state.merge`."""
    failures = [p.failure for p in partials if p.failure is not None]
    if failures:
        return _Partial(packed=[], failure=min(failures, key=lambda f: f.order))
    state = replay(itertools.chain.from_iterable(_unpack(p.packed) for p in partials))
    return _Partial(packed=_pack(state.distinct()))


# --- Planning and running ------------------------------------------------------------


def _blocks(paths: Iterable[str | Path], blocksize: int | None) -> list[_Block]:
    """The byte ranges to read, in reading order; missing files fail here, early."""
    blocks: list[_Block] = []
    file_index = 0
    for given in paths:
        text = os.fspath(given)
        fs, location = fsspec.core.url_to_fs(text)
        if isinstance(given, str) and any(c in text for c in "*?["):
            found = sorted(fs.glob(location))
            if not found:
                raise LogDecodeError("cannot read: no file matches", path=text)
            named = [(loc, loc if _is_local(fs) else fs.unstrip_protocol(loc)) for loc in found]
        else:
            named = [(location, text)]
        for loc, name in named:
            try:
                size = int(fs.size(loc))
            except OSError as exc:
                reason = exc.strerror or type(exc).__name__
                raise LogDecodeError(f"cannot read: {reason}", path=name) from None
            step = size if blocksize is None else max(1, blocksize)
            blocks.extend(
                _Block(
                    fs=fs,
                    location=loc,
                    name=name,
                    file_index=file_index,
                    start=start,
                    end=min(size, start + step) if size else 0,
                )
                for start in range(0, max(size, 1), max(step, 1))
            )
            file_index += 1
    return blocks


def _is_local(fs: Any) -> bool:
    protocol = fs.protocol
    protocols = (protocol,) if isinstance(protocol, str) else tuple(protocol)
    return "file" in protocols


def _graph(blocks: Sequence[_Block], as_of_key: str | None, split_every: int) -> list[Delayed]:
    """Fold tasks, then merge tasks ``split_every`` at a time until few enough remain."""
    fold = delayed(_fold_block, pure=True)
    merge_many = delayed(_merge_partials, pure=True)
    level: list[Delayed] = [fold(block, as_of_key) for block in blocks]
    while len(level) > split_every:
        level = [merge_many(level[i : i + split_every]) for i in range(0, len(level), split_every)]
    return level


def _finish(partials: Iterable[_Partial]) -> State:
    """The last merge, here: partial states as they arrive, then the first failure if any."""
    failures: list[_Failure] = []

    def events() -> Iterator[Event]:
        for partial in partials:
            if partial.failure is not None:
                failures.append(partial.failure)
            elif not failures:
                yield from _unpack(partial.packed)

    state = replay(events())
    if failures:
        raise min(failures, key=lambda f: f.order).error()
    return state


def _as_completed(client: Client, level: list[Delayed]) -> Iterator[_Partial]:
    from distributed import as_completed  # noqa: PLC0415 - only with a distributed scheduler

    futures = client.compute(level)
    try:
        for future in as_completed(futures):
            result = future.result()
            future.release()
            yield result
    finally:
        for future in futures:
            future.release()


def _run(level: list[Delayed], scheduler: Scheduler) -> State:
    from distributed import Client  # noqa: PLC0415 - the extra installs it; import on use

    if isinstance(scheduler, Client):
        return _finish(_as_completed(scheduler, level))
    if scheduler is None or scheduler in _LOCAL_SCHEDULERS:
        computed: tuple[_Partial, ...] = compute(*level, scheduler=scheduler)
        return _finish(computed)
    with _connect(scheduler) as client:  # a scheduler address, e.g. tcp://10.0.0.5:8786
        return _finish(_as_completed(client, level))


def _connect(address: str) -> Client:
    """A client of the scheduler at ``address``, or one clear error after a short wait."""
    from distributed import Client  # noqa: PLC0415 - the extra installs it; import on use

    try:
        return Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DiscrepancyError(
            f"cannot reach the Dask scheduler at {address} (waited {CONNECT_TIMEOUT:g} s): {reason}"
        ) from None


def replay_dask(
    paths: Iterable[str | Path],
    *,
    as_of: Timestamp | str | None = None,
    scheduler: Scheduler = None,
    blocksize: int | None = DEFAULT_BLOCKSIZE,
    split_every: int = DEFAULT_SPLIT_EVERY,
) -> State:
    """The state of the union of the logs' events, replayed partition-parallel on Dask.

    Equal to :func:`discrepancy.logs.replay_paths` on the same paths. For callers
    who want a :class:`State`: the state of the whole log is built in *this*
    process, so its memory is the whole log's and the speed-up is capped by
    the final merge here. For the report, :func:`report_dask` scales out.

    ``paths``: local paths, glob patterns, or URLs any installed fsspec
    filesystem reads (``s3://...``, ``gcs://...``); every worker must be able
    to read them. ``as_of``: keep only events recorded at or before it.
    ``scheduler``: ``None`` for Dask's default (a current distributed client if
    there is one, else threads), ``"sync"``, ``"threads"``, ``"processes"``, a
    scheduler address such as ``"tcp://10.0.0.5:8786"`` (connected for this
    call and closed after), or a :class:`distributed.Client`. ``blocksize``:
    bytes per partition, ``None`` for one partition per file. ``split_every``:
    partial states merged per task.

    Raises :class:`~discrepancy.errors.LogDecodeError` naming the file and line
    of the first malformed line, or a file that cannot be read.
    """
    if split_every < 2:
        raise ValueError(f"split_every must be at least 2, got {split_every}")
    as_of_key = (
        None
        if as_of is None
        else (as_of.key if isinstance(as_of, Timestamp) else instant_key(as_of))
    )
    started = time.perf_counter()
    blocks = _blocks(paths, blocksize)
    state = _run(_graph(blocks, as_of_key, split_every), scheduler)
    _log.debug(
        "dask_replay_finished",
        logs=len({b.file_index for b in blocks}),
        partitions=len(blocks),
        events=len(state),
        seconds=round(time.perf_counter() - started, 3),
    )
    return state


def replay_dask_cli(paths: Sequence[str | Path], address: str | None, as_of: str | None) -> State:
    """What ``discrepancy replay --dask [--scheduler ADDRESS]`` runs without ``--json``.

    With an ``address``, connects to that scheduler. Without one, starts a
    ``LocalCluster`` of one single-threaded worker process per core, on the
    loopback interface and without a dashboard, and closes it afterwards.
    """
    with _client(address) as client:
        return replay_dask(paths, as_of=as_of, scheduler=client)


QUIET_WORKERS: Final[dict[str, object]] = {
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "2s",
    "distributed.worker.profile.enabled": False,
}
"""The local cluster's periodic callbacks, made rare: every 20 ms a tick, every
100 ms a memory reading, every 10 ms a profile sample took the GIL from the
task and made the same replay work about 10% slower than in a plain process
(docs/dask.md). A cluster given by address keeps its own configuration."""


@contextmanager
def _client(address: str | None) -> Iterator[Client]:
    """A client of the scheduler at ``address``, or of a new local cluster, closed after.

    The local cluster has one single-threaded worker process per core, on the
    loopback interface and without a dashboard.
    """
    from distributed import Client, LocalCluster  # noqa: PLC0415 - import on use

    if address is not None:
        with _connect(address) as client:
            yield client
        return
    with (
        dask.config.set(QUIET_WORKERS),
        LocalCluster(
            n_workers=os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",  # a free loopback port: the HTTP server always starts
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


# --- The sharded report on Dask -------------------------------------------------------


def dask_runner(
    client: Client, advance: Callable[[int], None] | None = None, *, window: int = 64
) -> Runner:
    """Run the sharded replay's tasks on a cluster; only their small results come back.

    A task's result names the parts it wrote (files in the shared work
    directory), so what reaches this process is a few hundred bytes per task.
    At most ``window`` tasks are submitted at a time: the others' arguments
    are built as earlier tasks finish (see :class:`discrepancy.shard.Calls`).
    """
    from distributed import as_completed  # noqa: PLC0415 - only with a distributed scheduler

    def run(fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]]) -> list[Any]:
        results: list[Any] = [None] * len(calls)
        pending: dict[Any, tuple[Any, int]] = {}  # by task key

        def submit(n: int) -> Any:
            future = client.submit(fn, *calls[n], pure=False)
            pending[future.key] = (future, n)
            return future

        started = min(len(calls), max(1, window))
        queue = as_completed([submit(n) for n in range(started)])
        try:
            for future in queue:
                _, n = pending.pop(future.key)
                results[n] = future.result()
                future.release()
                if advance is not None:
                    advance(1)
                if started < len(calls):
                    queue.add(submit(started))
                    started += 1
            return results
        finally:
            for future, _ in pending.values():
                future.release()

    return run


def report_dask(
    paths: Sequence[str | Path],
    stream: Writable,
    *,
    client: Client,
    as_of: Timestamp | str | None = None,
    shards: int | None = None,
    work_dir: str | Path | None = None,
    advance: Callable[[int], None] | None = None,
) -> int:
    """Write the JSON report of the logs to ``stream``, its shards replayed on Dask.

    The same steps as :func:`discrepancy.shard.write_sharded_report`, as
    Dask tasks: workers route, pick and replay shards and write (and past
    ``FAN_IN`` shards, merge) the report's sorted pieces to ``work_dir``
    (which every worker and this process must see: the system's temporary
    directory, fine for a ``LocalCluster``);
    this process only merges the pieces, so its memory does not grow with the
    log. Byte for byte the single-process report. Returns the bytes written.
    """
    workers = len(client.scheduler_info().get("workers", {})) or 1
    return write_sharded_report(
        paths,
        stream,
        as_of=as_of,
        jobs=workers,
        shards=shards,
        runner=dask_runner(client, advance, window=max(16, 4 * workers)),
        work_dir=work_dir,
    )


def report_dask_cli(
    paths: Sequence[str | Path],
    stream: Writable,
    address: str | None,
    as_of: str | None,
    advance: Callable[[int], None] | None = None,
) -> int:
    """What ``discrepancy replay --json --dask [--scheduler ADDRESS]`` runs."""
    with _client(address) as client:
        return report_dask(paths, stream, client=client, as_of=as_of, advance=advance)
