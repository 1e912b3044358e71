"""Sharded replay: the report of many logs from shards that each hold a part.

Reconciliation is local to a proposition once the source registry and the
event-id rules are settled, so the JSON report (SPEC section 5) is built in
streaming steps, each a batch of independent tasks that a process pool
(:func:`write_sharded_report`) or Dask (:mod:`discrepancy.dask`) runs:

1. **route** (one task per chunk of about ``CHUNK_BYTES`` of a log): every
   line is parsed with ``orjson`` only and written once, to its shard's part
   (by a hash of its proposition; ``source`` lines to a part every shard
   reads). Each event id is filed by a hash of the id into one of ``buckets``
   id buckets with where its line is and a digest of the line; each claim's
   ``(claim id, proposition)`` by a hash of its claim id.
2. **pick** (one task per id bucket): all ids of one event meet here. Of
   byte-identical lines the first is kept; an id with different lines has
   them read back, decoded and replayed alone, which picks the kept variant
   and reports ``id-reused`` exactly as a whole replay would. The lines not
   kept are written down per shard. Claim ids seen under more than one
   proposition are returned as links between those propositions.
3. **shard** (one task per shard): its lines and every source, less those
   left out, are decoded, replayed and reconciled with the core's public
   functions, and the report's pieces are written sorted. Propositions
   linked by a shared claim id are moved into one shard first (a claim id
   names one claim across the whole log, so its rivals must meet), which
   makes each shard's reconciliation exactly the whole log's, restricted to
   its propositions.

4. **merge rounds** (past ``FAN_IN`` shards): the sorted sections of each part
   of the report are merged ``FAN_IN`` at a time until at most ``FAN_IN`` are left.

The caller then streams a merge of the sorted pieces (propositions and
contradictions by key, anomalies by ``(kind, event, detail)``) through
:func:`discrepancy.report.write_pieces`, the writer the single-process report
uses: no process holds more than one shard or ``FAN_IN`` batches of pieces,
and the bytes are the same.

The intermediate files are private, versioned (``_MAGIC``) and live in a
temporary directory that is removed afterwards, also on an error or Ctrl-C.
Malformed lines are found where they are decoded (steps 2 and 3); every task
reports the first one it met, and the caller raises the first in reading order
(paths as given, then bytes), as :func:`discrepancy.logs.read_paths` would.
"""

from __future__ import annotations

import array
import bisect
import concurrent.futures as cf
import contextlib
import hashlib
import heapq
import itertools
import os
import pickle
import shutil
import signal
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final, TypeAlias, overload

import attrs
import orjson

from discrepancy.codec import canonical_bytes, decode_line
from discrepancy.collector import paused_gc_task
from discrepancy.diagnostics import LibraryLogger
from discrepancy.errors import DiscrepancyError, LogDecodeError
from discrepancy.events import Event, Reopening, Resolution, Source, Timestamp, instant_key
from discrepancy.logs import read_events
from discrepancy.policy import PolicyName
from discrepancy.reading import (
    block_lines,
    is_durable_line,
    is_stream,
    line_number_at,
    plain_event,
)
from discrepancy.reconcile import Reconciliation, reconcile
from discrepancy.reconcile.analysts import Disagreement, replaced_by
from discrepancy.report import (
    Writable,
    anomaly_pieces,
    contradiction_pieces,
    disagreement_pieces,
    proposition_pieces,
    write_pieces,
)
from discrepancy.state import replay

__all__ = [
    "CHUNK_BYTES",
    "SHARD_BYTES",
    "Layout",
    "plan",
    "write_sharded_report",
]

_log = LibraryLogger(__name__)

CHUNK_BYTES: Final = 32 * 2**20
"""Bytes of log per routing task."""

SHARD_BYTES: Final = 24 * 2**20
"""Bytes of log per shard: what bounds one shard's memory (about 150 MB)."""

FAN_IN: Final = 64
"""Sorted sections one merge reads at once, holding a batch of each.

More sections than this (a log of more than ``FAN_IN`` shards) are first
merged in rounds of tasks, so that the caller's memory does not grow with the
number of shards."""

_MAGIC: Final = b"discrepancy-shard v3\n"
_BOM: Final = b"\xef\xbb\xbf"
_BATCH: Final = 4096
_BATCH_BYTES: Final = 64 * 1024
# A batch is at most _BATCH items or about _BATCH_BYTES of their last field (the
# line, or the piece of report): the caller's merge holds one batch per shard.

# A line as steps 1 and 3 pass it on: (file index, byte offset, line). The offset of
# a durable log's line is its line number (it is read whole, by one task).
_Line: TypeAlias = tuple[int, int, bytes]
# An event id as step 2 handles it: (event id, file index, offset, route, digest of
# the line, the line itself if from a durable log else b""). route: a shard number,
# or _SOURCES for a source line. Step 1 files them in columns (_IdColumns).
_SOURCES: Final = -1
_Id: TypeAlias = tuple[str, int, int, int, bytes, bytes]
_DIGEST_SIZE: Final = 16
_Section: TypeAlias = tuple[str, int, int]  # (file, offset, length)
_Failure: TypeAlias = tuple[tuple[int, int], DiscrepancyError]  # ((file index, offset), error)


@attrs.frozen(kw_only=True)
class Chunk:
    """Lines whose first byte lies in ``[start, end)`` of one log file."""

    path: str
    file_index: int
    start: int
    end: int
    durable: bool
    """A hash-chained log: read whole, through :func:`discrepancy.logs.read_events`."""


@attrs.frozen(kw_only=True)
class Layout:
    """How a replay is cut: id buckets, shards, and where the parts go."""

    buckets: int
    shards: int
    directory: str
    as_of_key: str | None
    policy: PolicyName = "spec"
    fan_in: int = FAN_IN
    """Sorted sections one merge reads at once (see :func:`merge_rounds`)."""


def _route(text: str, n: int) -> int:
    """A hash of ``text`` into ``range(n)``, the same in every process."""
    return zlib.crc32(text.encode("utf-8", "surrogatepass")) % n


# --- Planning ------------------------------------------------------------------------


def plan(paths: Sequence[str | Path], chunk_bytes: int = CHUNK_BYTES) -> tuple[list[Chunk], int]:
    """The chunks to route, in reading order, and the logs' total size in bytes."""
    chunks: list[Chunk] = []
    total = 0
    for file_index, given in enumerate(paths):
        name = os.fspath(given)
        if is_stream(name):
            raise LogDecodeError(
                "a stream (standard input, a FIFO or a pipe) cannot be cut into shards:"
                " replay it in one process",
                path="<stdin>" if name == "-" else name,
            )
        try:
            size = os.path.getsize(name)
            with open(name, "rb") as handle:
                durable = is_durable_line(handle.readline())
        except OSError as exc:
            raise LogDecodeError(f"cannot read: {exc.strerror}", path=name) from None
        total += size
        step = size if durable else max(1, chunk_bytes)
        chunks.extend(
            Chunk(
                path=name,
                file_index=file_index,
                start=start,
                end=min(size, start + step),
                durable=durable,
            )
            for start in range(0, max(size, 1), max(step, 1))
        )
    return chunks, total


# --- Reading lines -------------------------------------------------------------------


def chunk_lines(chunk: Chunk) -> Iterator[tuple[int, bytes]]:
    """``(byte offset, line)`` of every non-blank line of a plain chunk.

    This is the one place the sharded replay reads log lines: a line belongs
    to the chunk its first byte lies in, a BOM at the start of a file is
    skipped, and a last line without ``\\n`` is read. A line that carries
    ``"chain"`` is checked as the reading path checks it (a durable log whose
    first line was damaged, never a reason to skip the check); the chunk is
    searched once, so that a plain chunk costs nothing for it.
    """
    with open(chunk.path, "rb") as handle:
        begin, data = block_lines(handle, chunk.start, chunk.end)
    if not data:
        return
    if begin == 0 and data.startswith(_BOM):
        data = data[len(_BOM) :]
        begin = len(_BOM)
    chained = b'"chain"' in data
    offset = begin
    for line in data.split(b"\n"):
        here = offset
        offset += len(line) + 1
        if line and not line.isspace():  # (strip() would copy the line)
            if chained and b'"chain"' in line:
                plain_event(line, name=chunk.path, line=_line_number(chunk.path, here), offset=here)
            yield here, line


def _line_number(path: str, offset: int) -> int:
    """The 1-based number of the line that starts at byte ``offset`` (error path only)."""
    with open(path, "rb") as handle:
        return line_number_at(handle, offset)


# --- Private files: sections of pickled batches ---------------------------------------


def _write_section(handle: Any, items: Iterable[Any], path: str) -> _Section:
    """Append ``items`` as pickled batches; where they are.

    A batch holds at most ``_BATCH`` items and about ``_BATCH_BYTES`` of their
    last fields (bytes): the merge of report pieces holds one batch per shard.
    """
    start = handle.tell()
    batch: list[Any] = []
    size = 0
    for item in items:
        batch.append(item)
        size += len(item[-1])
        if len(batch) == _BATCH or size >= _BATCH_BYTES:
            pickle.dump(batch, handle, protocol=pickle.HIGHEST_PROTOCOL)
            batch = []
            size = 0
    if batch:
        pickle.dump(batch, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return path, start, handle.tell() - start


def _write_list(handle: Any, items: list[Any], path: str) -> _Section:
    """Append ``items`` as pickled batches of ``_BATCH``; where they are.

    For the lines and ids that one task reads whole, where a batch's bytes
    need no bound.
    """
    start = handle.tell()
    for first in range(0, len(items), _BATCH):
        pickle.dump(items[first : first + _BATCH], handle, protocol=pickle.HIGHEST_PROTOCOL)
    return path, start, handle.tell() - start


@attrs.frozen(eq=False)
class Sections:
    """Consecutive sections of one part file: section ``n`` spans ``bounds[n]`` to
    ``bounds[n + 1]``.

    A route task writes one section per shard and per id bucket, so a replay
    has tasks x shards of them; as tuples (about 120 bytes each) they took
    400 MB of the caller at 100M events, here 8 bytes each.
    """

    path: str
    bounds: array.array[int]

    def __len__(self) -> int:
        return max(0, len(self.bounds) - 1)

    def __getitem__(self, n: int) -> _Section:
        if not 0 <= n < len(self):
            raise IndexError(n)
        start = self.bounds[n]
        return self.path, start, self.bounds[n + 1] - start

    def length(self, n: int) -> int:
        """The bytes of section ``n``."""
        return self[n][2]


_NO_SECTIONS: Final = Sections("", array.array("q"))


def _write_lists(handle: Any, parts: Iterable[list[Any]], path: str) -> Sections:
    """Append each of ``parts`` as a section (:func:`_write_list`), one after another."""
    bounds = array.array("q", [handle.tell()])
    for part in parts:
        _write_list(handle, part, path)
        bounds.append(handle.tell())
    return Sections(path, bounds)


def _open_parts(path: str) -> Any:
    handle = open(path, "wb")  # noqa: SIM115 - the caller closes it
    handle.write(_MAGIC)
    return handle


def _read_section(section: _Section) -> Iterator[Any]:
    """The items of a section, a batch in memory at a time.

    The file is open only while a batch is read, so that a merge of thousands
    of sections does not hold thousands of open files.
    """
    path, start, length = section
    if not length:
        return
    with open(path, "rb") as handle:
        if handle.read(len(_MAGIC)) != _MAGIC:  # pragma: no cover - a bug, not bad input
            raise RuntimeError(f"{path}: not a part of this version of discrepancy")
    position, end = start, start + length
    while position < end:
        with open(path, "rb") as handle:
            handle.seek(position)
            batch = pickle.load(handle)
            position = handle.tell()
        yield from batch


# --- Step 1: route -------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Routed:
    """What a routing task wrote: its lines per shard, and per id bucket its ids."""

    lines: Sections
    """The task's lines of each shard (proposition events, and the malformed in shard 0)."""
    sources: _Section
    """The task's source lines, which every shard reads."""
    ids: Sections
    claims: Sections
    failure: _Failure | None = None


@paused_gc_task
def route_chunk(chunk: Chunk, layout: Layout, task: int) -> Routed:
    """Step 1 for one chunk: each line to its shard, its id and claim id to their buckets."""
    try:
        lines, sources, ids, claims = _routed_lines(chunk, layout)
    except DiscrepancyError as exc:  # a durable log's chain broke
        return Routed(
            lines=_NO_SECTIONS,
            sources=("", 0, 0),
            ids=_NO_SECTIONS,
            claims=_NO_SECTIONS,
            failure=((chunk.file_index, 0), exc),
        )
    path = os.path.join(layout.directory, f"route-{task}")
    with _open_parts(path) as handle:
        line_sections = _write_lists(handle, lines, path)
        source_section = _write_list(handle, sources, path)
    path = os.path.join(layout.directory, f"ids-{task}")
    with _open_parts(path) as handle:
        id_sections = _write_lists(handle, ([bucket] for bucket in ids), path)
        claim_sections = _write_lists(handle, claims, path)
    return Routed(
        lines=line_sections, sources=source_section, ids=id_sections, claims=claim_sections
    )


def _routed_lines(
    chunk: Chunk, layout: Layout
) -> tuple[list[list[_Line]], list[_Line], list[_IdColumns], list[list[tuple[str, str]]]]:
    """The chunk's lines per shard, its source lines, and per id bucket its ids and claim ids.

    A line is parsed with ``orjson`` only: its id, type, proposition and claim
    id route it. A malformed line goes to shard 0 without an id (step 3
    decodes it and names what is wrong); a line without a proposition, too.
    """
    lines: list[list[_Line]] = [[] for _ in range(layout.shards)]
    sources: list[_Line] = []
    ids = [_IdColumns(chunk.file_index) for _ in range(layout.buckets)]
    claims: list[list[tuple[str, str]]] = [[] for _ in range(layout.buckets)]
    file_index, durable = chunk.file_index, chunk.durable
    buckets, shards = layout.buckets, layout.shards
    shard_of: dict[str, int] = {}  # the shards of propositions met so far
    loads, decode_error, digest = orjson.loads, orjson.JSONDecodeError, _digest
    for offset, line in _chunk_records(chunk):
        try:
            obj = loads(line)
        except decode_error:
            obj = None
        event_id = obj.get("id") if type(obj) is dict else None
        if type(event_id) is not str:
            lines[0].append((file_index, offset, line))
            continue
        kind = obj.get("type")
        proposition = obj.get("proposition")
        if kind == "source":
            route = _SOURCES
            sources.append((file_index, offset, line))
        elif type(proposition) is not str:
            route = 0
            lines[0].append((file_index, offset, line))
        else:
            claim = obj.get("claim")
            if kind == "claim" and type(claim) is str:
                claims[_route(claim, buckets)].append((claim, proposition))
            route = shard_of.get(proposition, -1)
            if route < 0:
                route = shard_of[proposition] = _route(proposition, shards)
            lines[route].append((file_index, offset, line))
        filed = ids[_route(event_id, buckets)]
        filed.ids.append(event_id)
        filed.offsets.append(offset)
        filed.routes.append(route)
        filed.digests += digest(line)
        if durable:  # its offsets are line numbers: the id carries the line
            filed.lines.append(line)
    return lines, sources, ids, claims


class _IdColumns:
    """One route task's event ids of one bucket, in columns: cheap to build and pickle.

    Row ``n`` is the id ``ids[n]``, its line's ``offsets[n]`` and ``routes[n]``,
    the digest ``digests[16 n : 16 (n + 1)]``, and for a durable log ``lines[n]``.
    """

    __slots__ = ("digests", "file_index", "ids", "lines", "offsets", "routes")

    def __init__(self, file_index: int) -> None:
        self.file_index = file_index
        self.ids: list[str] = []
        self.offsets = array.array("q")
        self.routes = array.array("i")
        self.digests = bytearray()
        self.lines: list[bytes] = []

    def __getstate__(self) -> tuple[Any, ...]:
        digests = bytes(self.digests)  # read back as bytes: its slices are the digests
        return (self.file_index, self.ids, self.offsets, self.routes, digests, self.lines)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self.file_index, self.ids, self.offsets, self.routes, self.digests, self.lines = state

    def record(self, n: int) -> _Id:
        """Row ``n`` as an :data:`_Id`."""
        size = _DIGEST_SIZE
        digest = bytes(self.digests[n * size : n * size + size])
        line = self.lines[n] if self.lines else b""
        return (self.ids[n], self.file_index, self.offsets[n], self.routes[n], digest, line)


def _digest(line: bytes) -> bytes:
    """What tells lines apart: byte-identical lines share it, and different lines
    share it only by a 128-bit BLAKE2b collision."""
    return hashlib.blake2b(line, digest_size=_DIGEST_SIZE).digest()


def _chunk_records(chunk: Chunk) -> Iterator[tuple[int, bytes]]:
    if not chunk.durable:
        return chunk_lines(chunk)
    # A durable log is checked line by line as it is read (seq and chain); its
    # events go on as their canonical bytes, which decode to the same events.
    return (
        (number, canonical_bytes(event))
        for number, event in enumerate(read_events(chunk.path), start=1)
    )


# --- Step 2: pick --------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Picked:
    """What a picking task wrote: the lines the shards leave out, and ``id-reused``."""

    dropped: Sections
    """Per shard, ``(file index, offset)`` of lines whose id another line keeps."""
    dropped_sources: _Section
    anomalies: _Section
    links: tuple[tuple[str, str], ...]
    """Pairs of propositions that share a claim id."""
    failure: _Failure | None = None


@paused_gc_task
def pick_bucket(
    ids: Sequence[_Section], claims: Sequence[_Section], layout: Layout, task: int
) -> Picked:
    """Step 2 for one id bucket: the kept line of every event id; the others dropped.

    Of byte-identical lines the first in reading order is kept; an id seen with
    different lines is settled by :func:`_pick_variant`.
    """
    dropped: list[list[tuple[int, int]]] = [[] for _ in range(layout.shards + 1)]
    variants = _copies_dropped(ids, dropped)
    failures: list[_Failure] = []
    anomalies: list[tuple[tuple[str, str, str], bytes]] = []
    for event_id, records in variants.items():
        kept = _pick_variant(event_id, records, layout, anomalies, failures)
        for record in records:
            if record is not kept:
                dropped[record[3]].append((record[1], record[2]))
    anomalies.sort(key=lambda item: item[0])
    path = os.path.join(layout.directory, f"pick-{task}")
    with _open_parts(path) as handle:
        sections = _write_lists(handle, dropped[:-1], path)
        dropped_sources = _write_list(handle, dropped[-1], path)  # _SOURCES is -1
        anomaly_section = _write_section(handle, anomalies, path)
    return Picked(
        dropped=sections,
        dropped_sources=dropped_sources,
        anomalies=anomaly_section,
        links=_links(claims),
        failure=min(failures, key=lambda f: f[0]) if failures else None,
    )


def _copies_dropped(
    ids: Sequence[_Section], dropped: list[list[tuple[int, int]]]
) -> dict[str, list[_Id]]:
    """The ids seen with different lines, each with its records; copies go to ``dropped``.

    A later line byte-identical to an id's first (equal digests) is dropped
    where it lies, by route; the first lines are remembered as a row number
    only, and become records just for the ids that turn out to have variants.
    """
    size = _DIGEST_SIZE
    filed: list[_IdColumns] = []
    starts: list[int] = []  # the first row number of each of ``filed``
    first: dict[str, int] = {}
    variants: dict[str, list[_Id]] = {}

    def record(row: int) -> _Id:
        at = bisect.bisect_right(starts, row) - 1
        return filed[at].record(row - starts[at])

    rows = 0
    for section in ids:  # in reading order: tasks in order, offsets rising
        for columns in _read_section(section):
            filed.append(columns)
            starts.append(rows)
            digests = columns.digests
            for n, event_id in enumerate(columns.ids):
                seen = first.setdefault(event_id, rows + n)
                if seen == rows + n:
                    continue
                at = bisect.bisect_right(starts, seen) - 1
                earlier = seen - starts[at]
                if (
                    filed[at].digests[earlier * size : earlier * size + size]
                    == digests[n * size : n * size + size]
                ):
                    dropped[columns.routes[n]].append((columns.file_index, columns.offsets[n]))
                else:
                    variants.setdefault(event_id, [record(seen)]).append(columns.record(n))
            rows += len(columns.ids)
    return variants


def _pick_variant(
    event_id: str,
    records: list[_Id],
    layout: Layout,
    anomalies: list[tuple[tuple[str, str, str], bytes]],
    failures: list[_Failure],
) -> _Id | None:
    """The kept record of an id seen with different lines; its ``id-reused`` anomaly.

    The variants alone are replayed and reconciled, so the choice (the smallest
    ``(recorded_at, canonical bytes)`` of those ``as_of`` allows) and the
    anomaly are the core's own.
    """
    decoded: dict[int, _Id] = {}
    events: list[Event] = []
    for record in records:
        event = _decode((record[1], record[2], _variant_line(record, layout)), layout, failures)
        if event is not None and (
            layout.as_of_key is None or event.recorded_at.key <= layout.as_of_key
        ):
            decoded[id(event)] = record
            events.append(event)
    if not events:
        return None
    state = replay(events)
    kept = next(state.events())  # the events come in (recorded_at, canonical bytes) order
    found = reconcile(state)
    anomalies.extend(
        piece for piece in anomaly_pieces(found) if piece[0][:2] == ("id-reused", event_id)
    )
    return decoded[id(kept)]


def _variant_line(record: _Id, layout: Layout) -> bytes:
    """The line of an id record: carried (a durable log's), or read where it starts."""
    if record[5]:
        return record[5]
    with open(_paths(layout)[record[1]], "rb") as handle:
        handle.seek(record[2])
        line = handle.readline()
    return line[:-1] if line.endswith(b"\n") else line


def _links(claims: Sequence[_Section]) -> tuple[tuple[str, str], ...]:
    """Pairs of different propositions that one claim id is claimed under."""
    proposition_of: dict[str, str] = {}
    links: set[tuple[str, str]] = set()
    for section in claims:
        for claim, proposition in _read_section(section):
            seen = proposition_of.setdefault(claim, proposition)
            if seen != proposition:
                links.add((seen, proposition))
    return tuple(sorted(links))


def _decode(record: _Line, layout: Layout, failures: list[_Failure]) -> Event | None:
    """The event of a line, or None with its located error added to ``failures``."""
    file_index, offset, line = record
    try:
        return decode_line(line)
    except LogDecodeError as exc:
        path = _paths(layout)[file_index]
        failures.append(
            ((file_index, offset), exc.located(path=path, line=_line_number(path, offset)))
        )
        return None


_PATHS: dict[str, tuple[str, ...]] = {}


def _paths(layout: Layout) -> tuple[str, ...]:
    found = _PATHS.get(layout.directory)
    if found is None:
        with open(os.path.join(layout.directory, "paths"), "rb") as handle:
            found = _PATHS[layout.directory] = tuple(orjson.loads(handle.read()))
    return found


def moves(links: Iterable[tuple[str, str]], shards: int) -> dict[str, int]:
    """Propositions that must leave their shard: each group linked by claim ids meets
    in the shard of its smallest key."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.get(key, key) != key:
            parent[key] = parent.get(parent[key], parent[key])
            key = parent[key]
        return key

    for a, b in links:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    moved: dict[str, int] = {}
    for key in parent:
        target = _route(root(key), shards)
        if _route(key, shards) != target:
            moved[key] = target
    return moved


# --- Step 3: shard -------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Replayed:
    """What a shard task wrote: its report pieces, sorted, and its counts."""

    events: int
    """Distinct non-source event ids of this shard."""
    sources: int
    """Distinct source event ids (the same in every shard)."""
    propositions: _Section
    contradictions: _Section
    anomalies: _Section
    disagreements: _Section
    failure: _Failure | None = None


@paused_gc_task
def replay_shard(
    shard: int,
    own: Sequence[_Section],
    sources: Sequence[_Section],
    incoming: Sequence[_Section],
    dropped: Sequence[_Section],
    moved: dict[str, int],
    layout: Layout,
    *,
    check_only: bool = False,
) -> Replayed:
    """Step 3 for one shard: decode, replay, reconcile, write the sorted pieces.

    ``incoming`` are other shards' sections holding propositions ``moved``
    here; ``dropped``, where the lines are that the pick step left out. With
    ``check_only`` (another task already met a malformed line) the lines are
    only decoded, so that the first malformed line is still found.
    """
    failures: list[_Failure] = []
    left_out = {key for section in dropped for key in _read_section(section)}
    events, source_count = _shard_events(
        shard, (own, sources, incoming), left_out, moved, layout, failures
    )
    path = os.path.join(layout.directory, f"shard-{shard}")
    if failures or check_only:
        empty = (path, 0, 0)
        failure = min(failures, key=lambda f: f[0]) if failures else None
        return Replayed(
            events=0,
            sources=0,
            propositions=empty,
            contradictions=empty,
            anomalies=empty,
            disagreements=empty,
            failure=failure,
        )
    rulings = [e for e in events if type(e) is Resolution or type(e) is Reopening]
    state = replay(events)
    del events
    found = reconcile(state, policy=layout.policy)
    with _open_parts(path) as handle:
        propositions = _write_section(handle, proposition_pieces(found), path)
        contradictions = _write_section(handle, contradiction_pieces(found), path)
        anomalies = _write_section(handle, anomaly_pieces(found), path)
        overruled = disagreement_pieces(_disagreements(rulings, found))
        disagreeing = _write_section(handle, overruled, path)
    return Replayed(
        events=len(state) - source_count,
        sources=source_count,
        propositions=propositions,
        contradictions=contradictions,
        anomalies=anomalies,
        disagreements=disagreeing,
    )


def _disagreements(
    rulings: Iterable[Resolution | Reopening], found: Reconciliation
) -> list[Disagreement]:
    """The shard's analysts' disagreements, as ``analysts.disagreements`` finds them.

    That function reads every event of the state in sorted order (a sorted
    copy of the whole shard, several times its memory, whenever a proposition
    is resolved); here the shard's own rulings are at hand, one per event id
    since the pick step, so only they are grouped, and the same public rule,
    ``replaced_by``, judges each resolved proposition.
    """
    resolved = {k: f for k, f in found.propositions.items() if f.resolution is not None}
    if not resolved:
        return []
    by_proposition: dict[str, dict[str, Resolution | Reopening]] = {}
    for ruling in rulings:
        if ruling.proposition in resolved:
            by_proposition.setdefault(ruling.proposition, {})[ruling.id] = ruling
    found_here = (
        replaced_by(finding, by_proposition.get(key, {}).values())
        for key, finding in resolved.items()
    )
    return [d for d in found_here if d is not None]


def _shard_events(
    shard: int,
    parts: tuple[Sequence[_Section], Sequence[_Section], Sequence[_Section]],
    left_out: set[tuple[int, int]],
    moved: dict[str, int],
    layout: Layout,
    failures: list[_Failure],
) -> tuple[list[Event], int]:
    """The shard's events that ``as_of`` allows, and how many are sources.

    ``parts``: the shard's own sections, every source section, and the other
    shards' sections that hold propositions moved here.
    """
    key = layout.as_of_key
    events: list[Event] = []
    source_count = 0
    own, sources, incoming = parts
    for section in sources:
        for record in _read_section(section):
            if left_out and (record[0], record[1]) in left_out:
                continue
            event = _decode(record, layout, failures)
            if event is not None and (key is None or event.recorded_at.key <= key):
                events.append(event)
                source_count += type(event) is Source
    for sections, home in ((own, True), (incoming, False)):
        for section in sections:
            for record in _read_section(section):
                if left_out and (record[0], record[1]) in left_out:
                    continue
                event = _decode(record, layout, failures)
                if event is None or (key is not None and event.recorded_at.key > key):
                    continue
                target = moved.get(getattr(event, "proposition", ""))
                if (target is None and home) or target == shard:
                    events.append(event)
    return events, source_count


# --- Running the steps ---------------------------------------------------------------

Runner: TypeAlias = Callable[[Callable[..., Any], Sequence[tuple[Any, ...]]], list[Any]]
"""Runs ``fn(*args)`` for every args tuple (in any order, anywhere); the results in order.

``calls`` is usually :class:`Calls`: a runner should read each item when it
starts that task and keep only the tasks in flight."""

WINDOW_PER_WORKER: Final = 2
"""Tasks a pool keeps submitted per worker; the rest wait as arguments not yet built."""


class Calls(Sequence[tuple[Any, ...]]):
    """The arguments of ``count`` tasks, each built when a runner reads it.

    A step's tasks each name one section of every task of the step before (a
    shard reads its part of every route task's file), so building every
    task's arguments at once would hold tasks x shards sections in the
    caller, which grows with the square of the log's size.
    """

    def __init__(self, count: int, build: Callable[[int], tuple[Any, ...]]) -> None:
        self._count = count
        self._build = build

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, n: int) -> tuple[Any, ...]: ...
    @overload
    def __getitem__(self, n: slice) -> list[tuple[Any, ...]]: ...
    def __getitem__(self, n: int | slice) -> tuple[Any, ...] | list[tuple[Any, ...]]:
        if isinstance(n, slice):
            return [self[i] for i in range(*n.indices(self._count))]
        if not 0 <= n < self._count:
            raise IndexError(n)
        return self._build(n)


def inline_runner(fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]]) -> list[Any]:
    """Every task in this process, one after the other."""
    return [fn(*args) for args in calls]


def pool_runner(
    pool: cf.Executor, advance: Callable[[int], None] | None = None, *, window: int = 4
) -> Runner:
    """Tasks on a :class:`concurrent.futures.Executor`, at most ``window`` submitted at
    a time (the others' arguments not yet built); ``advance(1)`` as each finishes."""

    def run(fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]]) -> list[Any]:
        results: list[Any] = [None] * len(calls)
        pending: dict[cf.Future[Any], int] = {}
        started = 0
        try:
            while started < len(calls) or pending:
                while started < len(calls) and len(pending) < max(1, window):
                    pending[pool.submit(fn, *calls[started])] = started
                    started += 1
                finished, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                for future in finished:
                    results[pending.pop(future)] = future.result()
                    if advance is not None:
                        advance(1)
        finally:
            for future in pending:
                future.cancel()
        return results

    return run


def run_steps(chunks: Sequence[Chunk], layout: Layout, run: Runner) -> Pieces:
    """Steps 1 to 4; raises the first malformed line in reading order, if any.

    Each step's parts are removed as soon as no later step reads them, so the
    parts on disk stay near one copy of the logs.
    """
    started = time.perf_counter()
    routed: list[Routed] = run(route_chunk, [(c, layout, i) for i, c in enumerate(chunks)])
    _log.debug("shard_step", step="route", tasks=len(chunks), seconds=_since(started))
    started = time.perf_counter()
    failures = [r.failure for r in routed if r.failure is not None]
    done = [r for r in routed if r.failure is None]
    picked: list[Picked] = run(
        pick_bucket,
        Calls(
            layout.buckets,
            lambda b: ([r.ids[b] for r in done], [r.claims[b] for r in done], layout, b),
        ),
    )
    _remove(layout, "ids", len(chunks))
    failures.extend(p.failure for p in picked if p.failure is not None)
    _log.debug("shard_step", step="pick", tasks=layout.buckets, seconds=_since(started))
    started = time.perf_counter()
    moved = moves((link for p in picked for link in p.links), layout.shards)
    replayed = _largest_first(
        run, _replay_shard_call(bool(failures)), done, _shard_calls(done, picked, moved, layout)
    )
    _remove(layout, "route", len(chunks))
    failures.extend(r.failure for r in replayed if r.failure is not None)
    _log.debug(
        "shard_step", step="shard", tasks=layout.shards, moved=len(moved), seconds=_since(started)
    )
    if failures:
        raise min(failures, key=lambda f: f[0])[1]
    started = time.perf_counter()
    pieces, tasks = merge_rounds(_pieces(picked, replayed), layout, run)
    _log.debug("shard_step", step="merge rounds", tasks=tasks, seconds=_since(started))
    return pieces


def _shard_calls(
    routed: Sequence[Routed], picked: Sequence[Picked], moved: dict[str, int], layout: Layout
) -> Calls:
    """The arguments of :func:`replay_shard` for every shard, built as each starts."""
    sources = [r.sources for r in routed]
    dropped_sources = [p.dropped_sources for p in picked]
    homes_of: dict[int, set[int]] = {}
    for key, target in moved.items():
        homes_of.setdefault(target, set()).add(_route(key, layout.shards))

    def build(shard: int) -> tuple[Any, ...]:
        homes = sorted(homes_of.get(shard, ()))
        dropped = [p.dropped[s] for p in picked for s in (shard, *homes)]
        return (
            shard,
            [r.lines[shard] for r in routed],
            sources,
            [r.lines[home] for r in routed for home in homes],
            [*dropped, *dropped_sources],
            moved,
            layout,
        )

    return Calls(layout.shards, build)


def _largest_first(
    run: Runner, fn: Callable[..., Replayed], routed: Sequence[Routed], calls: Calls
) -> list[Replayed]:
    """``run(fn, calls)`` with the shards of most bytes started first; results in order.

    A shard holding a giant proposition takes several times the others: started
    last, it would leave the other workers idle while it runs. (The bytes are a
    shard's own lines; propositions moved in by claim ids are few.)
    """
    size = [sum(r.lines.length(shard) for r in routed) for shard in range(len(calls))]
    order = sorted(range(len(calls)), key=lambda n: -size[n])
    results = run(fn, Calls(len(calls), lambda n: calls[order[n]]))
    by_shard = dict(zip(order, results, strict=True))
    return [by_shard[n] for n in range(len(calls))]


def _remove(layout: Layout, kind: str, tasks: int) -> None:
    """Remove the parts of one kind that no later step reads."""
    for task in range(tasks):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(layout.directory, f"{kind}-{task}"))


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 3)


def _replay_shard_call(check_only: bool) -> Callable[..., Replayed]:
    return _check_shard if check_only else replay_shard


def _check_shard(*args: Any) -> Replayed:
    return replay_shard(*args, check_only=True)


# --- Step 4: merge the sorted pieces --------------------------------------------------

_REPORT_PARTS: Final = ("anomalies", "contradictions", "disagreements", "propositions")


@attrs.frozen(kw_only=True)
class Pieces:
    """Where the report's sorted pieces are: for each part, sections to merge in order."""

    events: int
    anomalies: tuple[_Section, ...]
    contradictions: tuple[_Section, ...]
    disagreements: tuple[_Section, ...]
    propositions: tuple[_Section, ...]


def _pieces(picked: Sequence[Picked], replayed: Sequence[Replayed]) -> Pieces:
    return Pieces(
        events=sum(r.events for r in replayed) + (replayed[0].sources if replayed else 0),
        anomalies=(*(p.anomalies for p in picked), *(r.anomalies for r in replayed)),
        contradictions=tuple(r.contradictions for r in replayed),
        disagreements=tuple(r.disagreements for r in replayed),
        propositions=tuple(r.propositions for r in replayed),
    )


def _merged(sections: Iterable[_Section]) -> Iterator[tuple[Any, bytes]]:
    """The items of sorted sections as one sorted stream; ties in the sections' order."""
    return heapq.merge(*(_read_section(s) for s in sections), key=lambda item: item[0])


def merge_sections(sections: Sequence[_Section], path: str) -> _Section:
    """A task of step 4: sorted ``sections`` merged into one section of a new ``path``."""
    with _open_parts(path) as handle:
        return _write_section(handle, _merged(sections), path)


def merge_rounds(pieces: Pieces, layout: Layout, run: Runner) -> tuple[Pieces, int]:
    """Step 4: ``pieces`` with no part in more than ``layout.fan_in`` sections; the tasks run.

    Each round merges consecutive groups of ``fan_in`` sections, so the order of
    equal keys is that of one merge of them all. The files a round has read
    whole are removed.
    """
    tasks = round_number = 0
    while True:
        calls: list[tuple[Sequence[_Section], str]] = []
        groups: dict[str, int] = {}
        for part in _REPORT_PARTS:
            sections: tuple[_Section, ...] = getattr(pieces, part)
            if len(sections) > layout.fan_in:
                starts = range(0, len(sections), layout.fan_in)
                groups[part] = len(starts)
                calls.extend(
                    (
                        sections[start : start + layout.fan_in],
                        os.path.join(layout.directory, f"merge-{round_number}-{part}-{n}"),
                    )
                    for n, start in enumerate(starts)
                )
        if not calls:
            return pieces, tasks
        results = iter(run(merge_sections, calls))
        merged: dict[str, Any] = {p: tuple(itertools.islice(results, n)) for p, n in groups.items()}
        pieces, read = attrs.evolve(pieces, **merged), pieces
        tasks += len(calls)
        for path in _files(read) - _files(pieces):
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)
        round_number += 1


def _files(pieces: Pieces) -> set[str]:
    return {s[0] for part in _REPORT_PARTS for s in getattr(pieces, part)}


def merge_round_tasks(buckets: int, shards: int, fan_in: int) -> int:
    """How many tasks :func:`merge_rounds` runs for a layout."""
    tasks = 0
    for count in (buckets + shards, shards, shards, shards):
        left = count
        while left > fan_in:
            left = -(-left // fan_in)  # the groups of this round, the sections of the next
            tasks += left
    return tasks


def merge_pieces(stream: Writable, pieces: Pieces, *, as_of: str | None) -> int:
    """Write the report: a streaming merge of the sorted pieces (at most ``fan_in`` each)."""
    return write_pieces(
        stream,
        as_of=as_of,
        events=pieces.events,
        anomalies=(piece for _, piece in _merged(pieces.anomalies)),
        contradictions=(piece for _, piece in _merged(pieces.contradictions)),
        disagreements=(piece for _, piece in _merged(pieces.disagreements)),
        propositions=(piece for _, piece in _merged(pieces.propositions)),
    )


def layout_for(total_bytes: int, jobs: int, shards: int | None = None) -> tuple[int, int]:
    """``(buckets, shards)`` for a log of ``total_bytes``.

    Enough that each holds about :data:`SHARD_BYTES` (so a shard's memory does
    not grow with the log), rounded up to a multiple of ``jobs`` so that the
    last round of tasks keeps every worker busy.
    """
    if shards is not None:
        return max(1, shards), max(1, shards)
    jobs = max(1, jobs)
    wanted = max(jobs, -(-total_bytes // SHARD_BYTES))
    n = -(-wanted // jobs) * jobs
    return n, n


def write_sharded_report(
    paths: Sequence[str | Path],
    stream: Writable,
    *,
    as_of: Timestamp | str | None = None,
    jobs: int | None = None,
    shards: int | None = None,
    policy: PolicyName = "spec",
    chunk_bytes: int = CHUNK_BYTES,
    runner: Runner | None = None,
    advance: Callable[[int], None] | None = None,
    work_dir: str | Path | None = None,
    fan_in: int = FAN_IN,
) -> int:
    """Write the JSON report of the logs' events to ``stream``, replayed in shards.

    The bytes equal ``write_report(reconcile(replay_paths(paths, as_of=as_of)))``
    for the ``spec`` and ``majority`` policies (``learned`` learns over the whole
    log: use the single-process path). ``jobs``: worker processes (all cores
    if ``None``; 1 runs every task in this process). ``shards``: how many
    shards (and id buckets); by default enough that each holds about
    ``SHARD_BYTES`` of log, and at least ``jobs``. ``runner``: run the tasks
    elsewhere (see :mod:`discrepancy.dask`). ``advance(n)`` is called as each
    task finishes, for a progress bar (4 steps of tasks; see :func:`task_count`).
    ``work_dir``: where the temporary directory of parts is made (the system's
    temporary directory by default; every worker must see it). ``fan_in``:
    how many sorted sections one merge reads at once (:data:`FAN_IN`). Returns
    the number of bytes written.
    """
    if policy == "learned":
        raise ValueError("the learned policy learns over the whole log: replay it unsharded")
    if fan_in < 2:
        raise ValueError(f"a merge reads at least 2 sections at once, not {fan_in}")
    as_of_text = None if as_of is None else (as_of.text if isinstance(as_of, Timestamp) else as_of)
    as_of_key = None if as_of_text is None else instant_key(as_of_text)
    jobs = jobs or os.cpu_count() or 1
    chunks, total = plan(paths, chunk_bytes)
    buckets, shard_count = layout_for(total, jobs, shards)
    directory = tempfile.mkdtemp(prefix="discrepancy-shards-", dir=work_dir)
    try:
        with open(os.path.join(directory, "paths"), "wb") as handle:
            handle.write(orjson.dumps([os.fspath(p) for p in paths]))
        layout = Layout(
            buckets=buckets,
            shards=shard_count,
            directory=directory,
            as_of_key=as_of_key,
            policy=policy,
            fan_in=fan_in,
        )
        try:
            pieces = _run_locally(chunks, layout, jobs, runner, advance)
        except OSError as exc:  # the parts could not be written or read: disk full, ...
            raise DiscrepancyError(
                f"the sharded replay's temporary parts in {directory}: {exc.strerror or exc}"
            ) from None
        started = time.perf_counter()
        written = merge_pieces(stream, pieces, as_of=as_of_text)
        _log.debug("shard_step", step="merge", bytes=written, seconds=_since(started))
        return written
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _run_locally(
    chunks: Sequence[Chunk],
    layout: Layout,
    jobs: int,
    runner: Runner | None,
    advance: Callable[[int], None] | None,
) -> Pieces:
    """The steps on ``runner``, in this process (``jobs == 1``) or on a process pool."""
    if runner is not None:
        return run_steps(chunks, layout, runner)
    if jobs == 1:
        return run_steps(chunks, layout, _counting(inline_runner, advance))
    with cf.ProcessPoolExecutor(max_workers=jobs, initializer=_ignore_interrupts) as pool:
        try:
            run = pool_runner(pool, advance, window=WINDOW_PER_WORKER * jobs)
            return run_steps(chunks, layout, run)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def task_count(
    paths: Sequence[str | Path],
    *,
    jobs: int,
    shards: int | None = None,
    chunk_bytes: int = CHUNK_BYTES,
    fan_in: int = FAN_IN,
) -> int:
    """How many tasks :func:`write_sharded_report` will run (a progress bar's total)."""
    chunks, total = plan(paths, chunk_bytes)
    buckets, shard_count = layout_for(total, jobs, shards)
    return len(chunks) + buckets + shard_count + merge_round_tasks(buckets, shard_count, fan_in)


def _ignore_interrupts() -> None:
    # Ctrl-C reaches the whole process group: the caller alone handles it
    # (cancels what has not started, waits for what has, removes the parts).
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _counting(run: Runner, advance: Callable[[int], None] | None) -> Runner:
    if advance is None:
        return run

    def counted(fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]]) -> list[Any]:
        results = []
        for args in calls:
            results.append(fn(*args))
            advance(1)
        return results

    return counted
