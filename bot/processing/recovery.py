"""Finding updates nobody is handling, and forgetting handled ones.

An update is leased to the worker that recorded it. If that worker dies
(kill -9, a lost machine) its pending updates' leases run out and whichever
worker sweeps next queues them again; the processor's per-person lock and
the inbox status make sure each is handled once. A lone worker on SQLite
knows its predecessor is gone and takes everything pending at start.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta

from telegram import Bot, Update

from bot.periodic import Periodic
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
        self._sweeps = 0
        self._periodic = Periodic("inbox recovery", self._pass, interval)

    async def start(self) -> None:
        """Take over what a previous run of a lone SQLite worker left, then keep sweeping."""
        if self.db.is_sqlite:
            with contextlib.suppress(Exception):
                await self.intake.spool.move(self.intake.record_spooled)
                await self.sweep(everything=True)
        self._periodic.start()

    async def stop(self) -> None:
        # A sweep cut short leaves rows leased but not queued: their lease runs out.
        await self._periodic.stop(cancel=True)

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

    async def _pass(self) -> None:
        if self.intake.spool.waiting():
            await self.intake.spool.move(self.intake.record_spooled)
        await self.sweep()
        self._sweeps += 1
        if self._sweeps % 600 == 1:
            async with self.db.session() as session:
                await inbox.purge_handled(session, KEEP_HANDLED)
