"""The write side's sidecar: a :class:`~discrepancy.decide.Ledger` kept on disk.

Beside a durable log ``LOG`` lives ``LOG.ledger``, an SQLite database (format
version :data:`SIDECAR_VERSION`, in ``PRAGMA user_version``) holding what the
refusal rules need (registered sources; each claim id's event, proposition,
source and kind; each proposition's kind; each event id's content digest and
seq) and the ``seq``, ``chain`` and byte ``offset`` of the last log line it
covers. Lookups read single rows, so an append costs what it writes, not what
the log holds. It is updated under the log's lock right after the log is
fsynced, in one SQLite transaction (atomic and durable on its own), and it is
never trusted over the log: :class:`~discrepancy.durable.EventLog` checks its
seq, chain and offset against the log on open, reads only the lines after it,
and rebuilds it from the log when it does not match. See docs/durability.md.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any, Final, Generic, TypeVar

from discrepancy.decide import ClaimFacts, Ledger

SIDECAR_VERSION: Final = 1
"""The sidecar format this code writes and reads (``PRAGMA user_version``)."""

SUFFIX: Final = ".ledger"
_COMPANIONS: Final = ("-journal", "-wal", "-shm")

_SCHEMA: Final = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID",
    "CREATE TABLE sources (id TEXT PRIMARY KEY) WITHOUT ROWID",
    "CREATE TABLE claims (id TEXT PRIMARY KEY, event TEXT, proposition TEXT, source TEXT,"
    " kind TEXT) WITHOUT ROWID",
    "CREATE TABLE kinds (id TEXT PRIMARY KEY, kind TEXT) WITHOUT ROWID",
    "CREATE TABLE events (id TEXT PRIMARY KEY, digest BLOB, seq INTEGER) WITHOUT ROWID",
)

V = TypeVar("V")


class _Table(MutableMapping[str, V], Generic[V]):
    """One table of the sidecar seen as a mapping (reads only; writes go through
    :meth:`Sidecar.record`, in the log's critical section)."""

    def __init__(self, db: sqlite3.Connection, table: str, columns: str, row: Any) -> None:
        self._db = db
        self._get = f"SELECT {columns} FROM {table} WHERE id = ?"
        self._count = f"SELECT count(*) FROM {table}"
        self._row = row

    def __getitem__(self, key: str) -> V:
        found = self._db.execute(self._get, (key,)).fetchone()
        if found is None:
            raise KeyError(key)
        value: V = self._row(found)
        return value

    def __contains__(self, key: object) -> bool:
        return self._db.execute(self._get, (key,)).fetchone() is not None

    def __setitem__(self, key: str, value: V) -> None:
        raise TypeError("the sidecar is written through Sidecar.record")

    def __delitem__(self, key: str) -> None:
        raise TypeError("the sidecar is append-only")

    def __iter__(self) -> Iterator[str]:
        raise TypeError("the sidecar is not iterated")

    def __len__(self) -> int:
        count: int = self._db.execute(self._count).fetchone()[0]
        return count


class Sidecar:
    """An open sidecar: its ledger, seqs by event id, and what it covers."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self.ledger = Ledger(
            sources=_Table(db, "sources", "id", lambda row: None),
            claims=_Table(db, "claims", "event, proposition, source, kind", _claim_facts),
            kinds=_Table(db, "kinds", "kind", lambda row: row[0]),
            digests=_Table(db, "events", "digest", lambda row: bytes(row[0])),
        )
        self.seqs: _Table[int] = _Table(db, "events", "seq", lambda row: row[0])

    @classmethod
    def open(cls, log: Path, *, fresh: bool = False) -> Sidecar | None:
        """The sidecar of ``log`` (created empty if missing or ``fresh``), or
        ``None`` when none can be used (a symlink or odd file in its place, an
        unwritable directory): the caller then keeps its ledger in memory."""
        path = log.with_name(log.name + SUFFIX)
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            fresh = True
        else:
            if not stat.S_ISREG(info.st_mode):
                return None
        try:
            if fresh:
                for stale in (path, *(path.with_name(path.name + s) for s in _COMPANIONS)):
                    if stale.exists() and stat.S_ISREG(os.lstat(stale).st_mode):
                        stale.unlink()
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            # Atomic, not synchronous: a commit lost to a power cut leaves the
            # sidecar behind the log, which the next open catches up on.
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                db.execute("BEGIN IMMEDIATE")
                for statement in _SCHEMA:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {SIDECAR_VERSION}")
                db.execute("COMMIT")
            elif version != SIDECAR_VERSION:
                db.close()
                return cls.open(log, fresh=True) if not fresh else None
        except sqlite3.DatabaseError:
            return None if fresh else cls.open(log, fresh=True)
        return cls(db)

    def covers(self) -> tuple[int, str, int] | None:
        """(seq, chain, offset) of the last log line recorded, or None if empty."""
        try:
            rows = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError:
            return None
        seq, chain, offset = rows.get("seq"), rows.get("chain"), rows.get("offset")
        if type(seq) is not int or type(chain) is not str or type(offset) is not int:
            return None
        return seq, chain, offset

    def record(self, overlay: Ledger, seqs: dict[str, int], covers: tuple[int, str, int]) -> None:
        """Add an overlay's facts and the seqs of new events, in one transaction."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(
                "INSERT OR IGNORE INTO sources VALUES (?)", ((k,) for k in _added(overlay.sources))
            )
            claims = _added(overlay.claims)
            db.executemany(
                "INSERT OR IGNORE INTO claims VALUES (?, ?, ?, ?, ?)",
                ((k, f.event, f.proposition, f.source, f.kind) for k, f in claims.items()),
            )
            db.executemany(
                "INSERT OR IGNORE INTO kinds VALUES (?, ?)", _added(overlay.kinds).items()
            )
            digests = _added(overlay.digests)
            db.executemany(
                "INSERT OR IGNORE INTO events VALUES (?, ?, ?)",
                ((k, d, seqs.get(k)) for k, d in digests.items()),
            )
            db.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                zip(("seq", "chain", "offset"), covers, strict=True),
            )
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self._db.close()


def _claim_facts(row: tuple[str, str, str, str]) -> ClaimFacts:
    return ClaimFacts(*row)


def _added(mapping: MutableMapping[str, V]) -> dict[str, V]:
    """What an overlay (a ChainMap over the sidecar) added itself."""
    maps = getattr(mapping, "maps", None)
    if maps is None:
        return dict(mapping)
    first: dict[str, V] = maps[0]
    return first
