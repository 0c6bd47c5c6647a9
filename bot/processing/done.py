"""Marking updates handled in groups: one statement and one commit for many.

An update counts as handled once Telegram has taken its first reply (see
storage/db.py). At that moment its unit of work has just committed everything
the reply confirms, so the mark has nothing to share a transaction with: the
updates whose first reply went out meanwhile are marked together, in one UPDATE
and one commit on a connection of their own. Each unit waits for its mark to be
durable before its update counts as finished, so a crash still repeats at most
the replies of the updates in hand (at most CONCURRENT_UPDATES), never more.
On SQLite this also keeps the one write lock from being fought over by every
update in hand.
"""

from __future__ import annotations

import asyncio

from storage import inbox
from storage.db import Database


class DoneMarks:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._waiting: list[tuple[int, asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self.groups = 0  # commits made (for figures and tests)

    def mark(self, update_id: int) -> asyncio.Future[None]:
        """Start marking the update handled: the future is done once the mark is durable
        (its exception: the database failed, and the update stays pending)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((update_id, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="inbox done marks")
        return done

    async def _flush(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting, []
            try:
                async with self.db.engine.begin() as connection:
                    await inbox.mark_many_done(connection, [update_id for update_id, _ in group])
            except Exception as error:
                for _, done in group:
                    if not done.done():
                        done.set_exception(error)
                continue
            self.groups += 1
            for _, done in group:
                if not done.done():
                    done.set_result(None)
