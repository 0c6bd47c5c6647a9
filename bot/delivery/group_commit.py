"""Record many delivery results in one transaction, without delaying any of them.

Each result must be written as soon as Telegram answers (a sent message that is
not recorded would be sent again after its lease). Writing each in its own
transaction makes concurrent senders queue on the database's write lock, which
on SQLite means its busy handler's sleeps. Instead, results queue here: if no
write is in progress, a result is written at once; results that arrive while
one is in progress go together in the next transaction ("group commit"). A
write with a `many` attribute goes with the others of its kind through
`many(session, writes)`: one statement for the lot.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Database

Write = Callable[[AsyncSession], Awaitable[None]]


class GroupCommit:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = asyncio.Lock()
        self._queue: list[tuple[Write, asyncio.Future[None]]] = []

    async def write(self, write: Write) -> None:
        """Return once `write` is committed (raise if its transaction failed)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((write, done))
        async with self._lock:
            if not done.done():
                batch, self._queue = self._queue, []
                try:
                    await self._commit(batch)
                except Exception:
                    # One bad write must not sink the others: try each on its own.
                    for item in batch:
                        try:
                            await self._commit([item])
                        except Exception as error:
                            item[1].set_exception(error)
        await done

    async def _commit(self, batch: list[tuple[Write, asyncio.Future[None]]]) -> None:
        async with self.db.session() as session:
            together: dict[Callable[[AsyncSession, list[Any]], Awaitable[None]], list[Any]] = {}
            for write, _ in batch:
                many = getattr(write, "many", None)
                if many is None:
                    await write(session)
                else:  # writes of one kind that know how to go in one statement
                    together.setdefault(many, []).append(write)
            for many, writes in together.items():
                await many(session, writes)
        for _, future in batch:
            if not future.done():
                future.set_result(None)
