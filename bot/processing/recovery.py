"""Finding updates nobody is handling, and forgetting handled ones.

An update is leased to the worker that recorded it. If that worker dies
(kill -9, a lost machine) its pending updates' leases run out and whichever
worker sweeps next queues them again; the processor's per-person lock and
the inbox status make sure each is handled once. A lone worker on SQLite
knows its predecessor is gone and takes everything pending at start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from telegram import Bot, Update

from bot.processing.intake import Intake, RecordingQueue
from storage import inbox
from storage.db import Database

log = logging.getLogger(__name__)
KEEP_HANDLED = timedelta(hours=26)  # longer than Telegram keeps an update for redelivery
BATCH = 200


class Recovery:
    def __init__(
        self,
        db: Database,
        queue: RecordingQueue,
        intake: Intake,
        bot: Bot,
        *,
        owner: str,
        lease: timedelta,
        interval: float,
    ) -> None:
        self.db = db
        self.queue = queue
        self.intake = intake
        self.bot = bot
        self.owner = owner
        self.lease = lease
        self.interval = interval
        self.recovered = 0
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._sweeps = 0

    async def start(self) -> None:
        """Take over what a previous run of a lone SQLite worker left, then keep sweeping."""
        self._stop.clear()
        if self.db.is_sqlite:
            with contextlib.suppress(Exception):
                await self.intake.spool.move(self.intake.record_spooled)
                await self.sweep(everything=True)
        self._task = asyncio.create_task(self._loop(), name="inbox recovery")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def sweep(self, *, everything: bool = False) -> int:
        """Queue every orphaned update; returns how many."""
        total = 0
        while True:
            async with self.db.session() as session:
                rows = await inbox.claim_orphans(
                    session, owner=self.owner, lease=self.lease, limit=BATCH, everything=everything
                )
            for row in rows:
                update = Update.de_json(row.payload, self.bot)
                if update is not None:
                    self.queue.put_recorded(update)
            total += len(rows)
            if len(rows) < BATCH:
                break
        if total:
            self.recovered += total
            log.info("recovered %s updates left unhandled", total)
        return total

    async def _loop(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.interval):
                    await self._stop.wait()
            if self._stop.is_set():
                break
            try:
                if self.intake.spool.waiting():
                    await self.intake.spool.move(self.intake.record_spooled)
                await self.sweep()
                self._sweeps += 1
                if self._sweeps % 600 == 1:
                    async with self.db.session() as session:
                        await inbox.purge_handled(session, KEEP_HANDLED)
            except Exception:
                log.warning("inbox sweep failed; trying again", exc_info=True)
