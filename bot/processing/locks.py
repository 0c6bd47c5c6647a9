"""One person at a time: a lock per person, in this process and across workers.

In this process an asyncio lock per person queues their updates without
holding a database connection. Across workers (PostgreSQL) the holder then
takes a session-level advisory lock keyed on the person, on a connection it
keeps for the whole handling; the update's unit of work runs on that same
connection, so one update costs one connection. If the worker dies, the
server drops the connection and with it the lock.

SQLite is one process by design (one writer), so the local lock is the whole story.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database

# The two-integer advisory lock space, so person keys never meet the single-key
# locks of migrations and outbox claims (storage/db.py, storage/outbox.py).
LOCK_SPACE = 0x6D6368


def _lock_key(person: int) -> int:
    """A signed 32-bit key for the person: a collision only makes two people take turns."""
    key = person % (1 << 32)
    return key - (1 << 32) if key >= 1 << 31 else key


class PersonLocks:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._local: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    @asynccontextmanager
    async def local(self, person: int) -> AsyncIterator[None]:
        """This process's turn for `person`. Taken before a concurrency slot, so one
        person's backlog waits without holding slots that others need."""
        lock = self._local.setdefault(person, asyncio.Lock())
        self._waiting[person] = self._waiting.get(person, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._waiting[person] -= 1
            if not self._waiting[person]:
                del self._waiting[person]
                del self._local[person]

    @asynccontextmanager
    async def across_workers(self, person: int) -> AsyncIterator[AsyncConnection | None]:
        """The turn across workers: the connection holding it (PostgreSQL), or None."""
        if self.db.is_sqlite:
            yield None
            return
        async with self._advisory(person) as connection:
            yield connection

    @asynccontextmanager
    async def _advisory(self, person: int) -> AsyncIterator[AsyncConnection]:
        # Taken and released on the driver connection outside any transaction: one round
        # trip each, instead of BEGIN, SELECT, COMMIT through SQLAlchemy.
        space, key = LOCK_SPACE, _lock_key(person)
        async with self.db.engine.connect() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
            assert driver is not None
            await driver.fetchval("SELECT pg_advisory_lock($1, $2)", space, key)
            try:
                yield connection
            finally:
                try:
                    if connection.in_transaction():
                        await connection.rollback()
                    await driver.fetchval("SELECT pg_advisory_unlock($1, $2)", space, key)
                except Exception:
                    # Never hand a connection that may still hold the lock back to the pool.
                    await connection.invalidate()
                    raise
