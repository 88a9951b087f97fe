"""SQLite connections for the station database: one per thread, WAL, explicit write transactions.

Every write transaction starts with ``BEGIN IMMEDIATE``: it takes the write lock up front, so the busy
timeout applies and a transaction never fails half-way with "database is locked" when it upgrades from
reading to writing (measured in STACK-NOTES). Connections run in autocommit mode (``isolation_level
None``) so that Python's sqlite3 never opens transactions behind our back; reads outside ``write()``
are single statements and see a consistent snapshot each.

Durability: ``synchronous=NORMAL`` in WAL mode. A commit is safe against the *process* dying at any
instant (SIGKILL, crash): the WAL frame is in the OS before COMMIT returns. Only an OS crash or power
cut can lose the last commits (never corrupt the file). That keeps a scan write well under a
millisecond. The one place where a lost commit would matter is just before a non-idempotent API call
(the server would know a box the station forgot), so those transactions ask for ``durable=True``:
``synchronous=FULL`` for that commit, which fsyncs the WAL and with it everything committed before.

Group commit (``group``): a thread may run several write transactions as savepoints of one
transaction, committed once, with one fsync if any of them asked for it (the outbox's database thread
does this for the bookings of a drain, ``group_commit.py``). Each ``write()`` inside keeps its own
all-or-nothing (a savepoint rolled back on error); nothing of the group is visible to another
connection, or reported to its caller, before the one commit.

The station's own writes are plain SQL (``insert_row`` for inserts). ``tables()`` wraps the same
connection in a ``sqlite_utils.Database`` for what plain SQL does badly (a migration's ``transform``);
inside ``write()`` its statements nest as savepoints of our transaction, so they commit or roll back
with it; sqlite-utils cannot open a ``BEGIN IMMEDIATE`` itself.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils

BUSY_TIMEOUT_MS = 5000


class _Group:
    """This thread's open group commit (``Database.group``)."""

    __slots__ = ("durable", "in_write")

    def __init__(self, durable: bool) -> None:
        self.durable = durable
        self.in_write = False


class Database:
    """Hands each thread its own connection to one database file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False

    def connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise sqlite3.ProgrammingError("the station database is closed")
            # check_same_thread=False only so that close() may close every thread's connection at
            # shutdown; each connection is still used by the one thread that opened it.
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
            )
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            # A new file frees pruned pages back to the file system a few at a time (retention.py's
            # ``incremental_vacuum``). Only a file without tables takes it (and before WAL is on);
            # an older file keeps its mode and reuses its free pages.
            conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def tables(self) -> sqlite_utils.Database:
        """This thread's connection as a ``sqlite_utils.Database`` (same connection, same transaction).
        sqlite-utils is imported here, when first asked for, never by packing: with click, pluggy,
        dateutil and its plugin scan of every installed distribution's entry points it costs ~50-70 ms,
        and neither opening the store (``table_names``) nor its writes (``insert_row``) need it."""
        import sqlite_utils

        conn = self.connection()
        wrapped: sqlite_utils.Database | None = getattr(self._local, "tables", None)
        if wrapped is None or wrapped.conn is not conn:
            # recursive_triggers off: sqlite-utils turns it on by default; our triggers rely on SQLite's
            # default (the pickup trigger must not re-fire on its own update).
            wrapped = sqlite_utils.Database(conn, recursive_triggers=False)
            self._local.tables = wrapped
        return wrapped

    def table_names(self) -> list[str]:
        """The tables in the file (plain SQL: the schema check at every open needs no sqlite-utils)."""
        rows = self.connection().execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return [str(row[0]) for row in rows]

    @contextmanager
    def group(self, *, durable: bool) -> Iterator[sqlite3.Connection]:
        """One transaction holding the ``write()`` transactions run inside it on this thread, each as a
        savepoint (see the module docstring). ``durable``: the commit is fsynced; a ``write(durable=True)``
        inside a group that is not durable is a programming error (raised, not silently weakened)."""
        conn = self.connection()
        if conn.in_transaction or getattr(self._local, "group", None) is not None:
            raise RuntimeError("write transactions do not nest")
        self._local.group = _Group(durable)
        try:
            with self._transaction(conn, durable=durable):
                yield conn
        finally:
            self._local.group = None

    @contextmanager
    def write(self, *, durable: bool = False) -> Iterator[sqlite3.Connection]:
        """One write transaction: ``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any exception.
        Inside ``group()``: a savepoint of the group's transaction, released (kept) or rolled back."""
        conn = self.connection()
        grouped: _Group | None = getattr(self._local, "group", None)
        if grouped is not None:
            with self._savepoint(conn, grouped, durable=durable):
                yield conn
            return
        if conn.in_transaction:
            raise RuntimeError("write transactions do not nest")
        with self._transaction(conn, durable=durable):
            yield conn

    @staticmethod
    @contextmanager
    def _savepoint(conn: sqlite3.Connection, grouped: _Group, *, durable: bool) -> Iterator[None]:
        if grouped.in_write:
            raise RuntimeError("write transactions do not nest")
        if durable and not grouped.durable:
            raise RuntimeError("a durable write inside a group commit that is not durable")
        if not conn.in_transaction:  # SQLite rolled the group back (disk full ...): nothing may go on
            raise sqlite3.OperationalError("the group's transaction was rolled back")
        grouped.in_write = True
        try:
            conn.execute("SAVEPOINT station_write")
            try:
                yield
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK TO station_write")
                    conn.execute("RELEASE station_write")
                raise
            conn.execute("RELEASE station_write")
        finally:
            grouped.in_write = False

    @staticmethod
    @contextmanager
    def _transaction(conn: sqlite3.Connection, *, durable: bool) -> Iterator[None]:
        if durable:
            conn.execute("PRAGMA synchronous = FULL")
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield
                conn.execute("COMMIT")  # inside: a COMMIT that fails (disk full) must roll back too
            except BaseException:
                # SQLite may already have rolled back by itself (SQLITE_FULL, SQLITE_IOERR); a second
                # ROLLBACK would raise and hide the real error.
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        finally:
            if durable:
                conn.execute("PRAGMA synchronous = NORMAL")

    def query(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        return self.connection().execute(sql, params).fetchall()

    def query_one(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.connection().execute(sql, params).fetchone()
        return row

    def scalar(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> Any:
        row = self.connection().execute(sql, params).fetchone()
        return None if row is None else row[0]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            conns, self._all = self._all, []
        for conn in conns:
            with suppress(sqlite3.Error):
                conn.close()
        self._local = threading.local()


def insert_row(conn: sqlite3.Connection, table: str, row: Mapping[str, Any]) -> int:
    """Insert ``row`` (column -> value) into ``table`` inside the caller's transaction, in plain SQL;
    returns the new row's id. The hot paths (a box closed with its booking operation, a booking's label
    job) insert this way: sqlite-utils' ``insert`` reads the table's schema at every call, ~0.1 ms a row
    against ~0.01 ms, and on the GUI thread its first use imported sqlite-utils in the middle of a box
    close (~0.1 s). ``table`` and the column names come from our own code, never from input."""
    columns = ", ".join(row)
    marks = ", ".join("?" * len(row))
    cursor = conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(row.values()))
    return int(cursor.lastrowid or 0)


Clock = Callable[[], float]


class Repository:
    """What every repository of the store shares: the one database and the clock."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self._clock = clock
