"""SQLAlchemy's asyncpg dialect, with the transaction begun at the first write.

SQLAlchemy's asyncpg adapter sends BEGIN (a round trip of its own) before a
connection's first statement and ROLLBACK or COMMIT at the end. Most updates only
read: the person's rows and the update's inbox status, one statement. For them
BEGIN and ROLLBACK were two of the update's five round trips to the server (with
the person's advisory lock and unlock), and the server shares the machine's cores.

Here a plain SELECT made while no transaction is open runs on its own, as in
autocommit, and the transaction begins with the first statement that is anything
else; everything after that is in it, as before. Under READ COMMITTED, the
isolation the bot uses, that reads the same rows: each statement of a transaction
sees what was committed when it started, and before the first write the
transaction has nothing of its own to see. What needs a transaction even to read
still gets one: a SELECT that locks rows (FOR UPDATE / SHARE) or takes a
transaction-scoped advisory lock. A unit that only read then ends with no round
trip at all.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.postgresql.asyncpg import (
    AsyncAdapt_asyncpg_connection,
    AsyncAdapt_asyncpg_cursor,
    AsyncAdapt_asyncpg_dbapi,
    PGDialect_asyncpg,
)

DRIVER = "mch_asyncpg"
# Only there is a read outside the transaction the same read: a stricter level keeps a
# snapshot from the transaction's first statement on (None: the server's default, which
# the bot leaves at READ COMMITTED).
_READ_COMMITTED = (None, "read_committed")
_NEEDS_TRANSACTION = re.compile(r"\bFOR\s+(UPDATE|SHARE|NO\s+KEY|KEY\s+SHARE)\b|xact", re.I)


def reads_alone(operation: str) -> bool:
    """A statement that may run outside a transaction: a SELECT that locks nothing."""
    head = operation.lstrip()[:6].upper()
    return head == "SELECT" and _NEEDS_TRANSACTION.search(operation) is None


class LateBeginCursor(AsyncAdapt_asyncpg_cursor):
    __slots__ = ()

    async def _prepare_and_execute(self, operation: Any, parameters: Any) -> Any:
        connection = self._adapt_connection
        level = connection.isolation_level
        if connection._transaction is None and level in _READ_COMMITTED and reads_alone(operation):
            # No BEGIN for this one; the next statement that is not a plain read begins.
            connection.isolation_level = "autocommit"
            try:
                return await super()._prepare_and_execute(operation, parameters)
            finally:
                connection.isolation_level = level
        return await super()._prepare_and_execute(operation, parameters)


class LateBeginConnection(AsyncAdapt_asyncpg_connection):
    __slots__ = ()

    _cursor_cls = LateBeginCursor


class LateBeginDBAPI(AsyncAdapt_asyncpg_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> LateBeginConnection:
        adapted = super().connect(*arg, **kw)
        adapted.__class__ = LateBeginConnection  # same slots: only the cursor differs
        return adapted  # type: ignore[return-value]


class LateBeginDialect(PGDialect_asyncpg):
    driver = DRIVER
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> LateBeginDBAPI:
        return LateBeginDBAPI(__import__("asyncpg"))


registry.register(f"postgresql.{DRIVER}", __name__, "LateBeginDialect")


def late_begin_url(url: str) -> str:
    """The same database through this dialect (other URLs unchanged)."""
    prefix = "postgresql+asyncpg://"
    return f"postgresql+{DRIVER}://" + url[len(prefix) :] if url.startswith(prefix) else url
