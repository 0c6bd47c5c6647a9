"""SQLAlchemy's aiosqlite dialect, with one thread hop per statement instead of four.

aiosqlite runs each connection's calls on a thread of its own; every call is a
hand-over to that thread and back (a queue, a wake-up, the GIL, the event loop's
self-pipe). SQLAlchemy's adapter makes four per statement (open a cursor, execute,
fetch, close) and one for every rollback and commit, even when the connection has no
transaction open, which is what a pool does each time a connection comes back. In the
bot's mix that was about twelve hand-overs per update, a large share of its CPU.

Here a statement is one call on the thread (the cursor is opened, executed, read and
closed there), and a rollback or commit with no transaction open is skipped: sqlite3
does nothing for those either (it checks the same flag, `in_transaction`).

Writers take turns in this process, in arrival order. SQLite lets one connection
write at a time; a connection that finds the lock taken sleeps in its busy handler
(1, 2, 5, 10 ... 100 ms) and looks again, so under load the lock stood free for
milliseconds between writers while dozens slept, and a write waited seconds. So a
connection about to write (an INSERT, UPDATE, DELETE, DDL...) first takes the
engine's asyncio lock and holds it until its transaction ends; the next writer
starts the moment it is free. Reads, savepoints and a new connection's pragmas never
wait for it. A write that waits longer than the busy timeout fails as SQLite's would
("database is locked"). Other processes on the same file (the shell, an import)
still meet SQLite's own lock and busy timeout.

Everything else (the thread, errors, server-side cursors) is aiosqlite's and
SQLAlchemy's own. `Database` picks it for every sqlite+aiosqlite URL.
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)

DRIVER = "mch_aiosqlite"
WRITE_WAIT = 5.0  # seconds, as the busy timeout (storage/db.py)


class Writers:
    """The turn to write, one connection at a time, per engine and event loop."""

    def __init__(self) -> None:
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock


# Statements that never take SQLite's write lock: reads, the pragmas a new connection
# runs (journal mode, busy timeout, foreign keys) and savepoints (the write inside one
# takes the turn). Anything else may write and waits for its turn.
_NO_TURN = ("SELECT", "PRAGMA", "EXPLAIN", "SAVEPOINT", "RELEASE", "ROLLBACK")


def _writes(operation: str) -> bool:
    return not operation.lstrip()[:9].upper().startswith(_NO_TURN)


class _Result:
    """A statement's outcome, read on the connection's thread."""

    __slots__ = ("description", "lastrowid", "rowcount", "rows")

    def __init__(self, cursor: sqlite3.Cursor, fetch: bool) -> None:
        self.rows: list[Any] = cursor.fetchall() if fetch and cursor.description else []
        self.description = cursor.description
        self.rowcount = cursor.rowcount  # after the fetch: a RETURNING statement's count
        self.lastrowid = cursor.lastrowid


class OneHopCursor:
    """Stands in for aiosqlite's cursor: `execute` does the whole statement in one call
    on the connection's thread; the rest answers from what that call read."""

    arraysize = 1

    def __init__(self, adapted: OneHopConnection) -> None:
        self._adapted = adapted
        self._connection = adapted._connection  # aiosqlite.Connection
        self._result: _Result | None = None

    async def __aenter__(self) -> OneHopCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def _run(self, method: str, operation: str, parameters: Any) -> None:
        def run() -> _Result:
            cursor = self._connection._conn.cursor()
            try:
                getattr(cursor, method)(operation, parameters)
                return _Result(cursor, fetch=method == "execute")
            finally:
                cursor.close()

        if _writes(operation):
            await self._adapted.take_turn()
        try:
            self._result = await self._connection._execute(run)
        finally:
            self._adapted.end_turn_if_done()

    async def execute(self, operation: str, parameters: Any = ()) -> OneHopCursor:
        await self._run("execute", operation, () if parameters is None else parameters)
        return self

    async def executemany(self, operation: str, parameters: Sequence[Any]) -> OneHopCursor:
        await self._run("executemany", operation, parameters)
        return self

    async def fetchall(self) -> list[Any]:
        result = self._result
        if result is None:
            return []
        rows, result.rows = result.rows, []
        return rows

    async def close(self) -> None:
        return None  # closed on the thread already

    @property
    def description(self) -> Any:
        return None if self._result is None else self._result.description

    @property
    def rowcount(self) -> int:
        return -1 if self._result is None else self._result.rowcount

    @property
    def lastrowid(self) -> int | None:
        return None if self._result is None else self._result.lastrowid


class OneHopAdaptedCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()

    def _make_new_cursor(self, connection: Any) -> Any:
        return OneHopCursor(self._adapt_connection)  # type: ignore[arg-type]


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("_turn", "_writers")

    _cursor_cls = OneHopAdaptedCursor

    def __init__(self, dbapi: Any, connection: Any, writers: Writers) -> None:
        super().__init__(dbapi, connection)
        self._writers = writers
        self._turn: asyncio.Lock | None = None  # held while this connection may write

    async def take_turn(self) -> None:
        if self._turn is not None:
            return
        lock = self._writers.lock()
        if lock.locked():
            try:
                await asyncio.wait_for(lock.acquire(), WRITE_WAIT)
            except TimeoutError:
                raise sqlite3.OperationalError("database is locked") from None
        else:
            await lock.acquire()
        self._turn = lock

    def end_turn_if_done(self) -> None:
        """Give the turn up once no transaction holds SQLite's write lock any more."""
        if self._turn is not None and not self._in_transaction():
            self._end_turn()

    def _end_turn(self) -> None:
        turn, self._turn = self._turn, None
        if turn is not None and turn.locked():
            turn.release()

    def _in_transaction(self) -> bool:
        # Read between calls, never during one: the connection's statements are awaited
        # one at a time (the adapter's mutex), so the thread is not using it now.
        raw = self._connection._connection
        return raw is not None and raw.in_transaction

    def rollback(self) -> None:
        try:
            if self._in_transaction():
                super().rollback()
        finally:
            self.end_turn_if_done()

    def commit(self) -> None:
        try:
            if self._in_transaction():
                super().commit()
        finally:
            self.end_turn_if_done()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._end_turn()

    def terminate(self) -> None:
        try:
            super().terminate()
        finally:
            self._end_turn()


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def __init__(self, aiosqlite: Any, sqlite: Any) -> None:
        super().__init__(aiosqlite, sqlite)
        self.writers = Writers()  # one per engine: create_engine imports the DBAPI anew

    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        adapted = super().connect(*arg, **kw)
        return OneHopConnection(self, adapted._connection, self.writers)


class OneHopDialect(SQLiteDialect_aiosqlite):
    driver = DRIVER
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> OneHopDBAPI:
        return OneHopDBAPI(__import__("aiosqlite"), __import__("sqlite3"))


registry.register(f"sqlite.{DRIVER}", __name__, "OneHopDialect")


def one_hop_url(url: str) -> str:
    """The same database through this dialect (other URLs unchanged)."""
    prefix = "sqlite+aiosqlite://"
    return f"sqlite+{DRIVER}://" + url[len(prefix) :] if url.startswith(prefix) else url
