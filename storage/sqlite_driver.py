"""SQLAlchemy's aiosqlite dialect, with one thread hop per statement instead of four.

aiosqlite runs each connection's calls on a thread of its own; every call is a
hand-over to that thread and back (a queue, a wake-up, the GIL, the event loop's
self-pipe). SQLAlchemy's adapter makes four per statement (open a cursor, execute,
fetch, close) and one for every rollback and commit, even when the connection has no
transaction open, which is what a pool does each time a connection comes back. In the
bot's mix that was about twelve hand-overs per update, a large share of its CPU.

Here a statement is one call on the thread (the cursor is opened, executed, read and
closed there), and a rollback or commit with no transaction open is skipped: sqlite3
does nothing for those either (it checks the same flag, `in_transaction`). Everything
else (the thread, the busy timeout, errors, server-side cursors) is aiosqlite's and
SQLAlchemy's own. `Database` picks it for every sqlite+aiosqlite URL.
"""

from __future__ import annotations

import sqlite3
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

    def __init__(self, connection: Any) -> None:
        self._connection = connection  # aiosqlite.Connection
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

        self._result = await self._connection._execute(run)

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
        return OneHopCursor(connection)


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    _cursor_cls = OneHopAdaptedCursor

    def _in_transaction(self) -> bool:
        # Read between calls, never during one: the connection's statements are awaited
        # one at a time (the adapter's mutex), so the thread is not using it now.
        raw = self._connection._connection
        return raw is not None and raw.in_transaction

    def rollback(self) -> None:
        if self._in_transaction():
            super().rollback()

    def commit(self) -> None:
        if self._in_transaction():
            super().commit()


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        adapted = super().connect(*arg, **kw)
        return OneHopConnection(self, adapted._connection)


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
