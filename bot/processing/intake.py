"""Recording updates in the inbox before Telegram is told they arrived.

Webhook: the POST is answered 200 only after the update is stored; a
redelivered update_id is answered 200 and dropped. Long polling: the queue
the Updater puts into stores each update before `put` returns, and the
Updater confirms the offset (its next getUpdates) only after that, so an
update is never confirmed to Telegram and then lost in a crash.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from telegram import Bot, Update

from bot.processing.outage import OutageAnswers
from bot.processing.people import person_of
from storage import inbox
from storage.db import Database, is_database_down

log = logging.getLogger(__name__)
RETRY_FIRST, RETRY_MAX = 0.5, 15.0


class Intake:
    def __init__(
        self, db: Database, owner: str, lease: timedelta, outage: OutageAnswers
    ) -> None:
        self.db = db
        self.owner = owner
        self.lease = lease
        self.outage = outage

    async def record(self, update: Update, payload: dict[str, Any] | None = None) -> bool:
        """Store the update; True if it is new (and must be handled), False if a duplicate.
        Raises when the database cannot be reached."""
        data = payload if payload is not None else update.to_dict()
        received = inbox.Received(update.update_id, person_of(update), data)
        async with self.db.session() as session:
            new = await inbox.record(session, [received], owner=self.owner, lease=self.lease)
        return update.update_id in new

    async def record_patiently(self, bot: Bot, update: Update) -> bool:
        """Record, riding out an outage: the person is told at once, the update waits."""
        delay = RETRY_FIRST
        while True:
            try:
                return await self.record(update)
            except Exception as error:
                if not is_database_down(error):
                    raise
                log.warning("database unreachable; holding update %s", update.update_id)
                await self.outage.answer(bot, update)
                await asyncio.sleep(delay)
                delay = min(RETRY_MAX, delay * 2)


class RecordingQueue(asyncio.Queue[object]):
    """The Application's update queue; what the Updater puts is recorded first."""

    intake: Intake | None = None
    bot: Bot | None = None

    async def put(self, item: object) -> None:
        if isinstance(item, Update) and self.intake is not None and self.bot is not None:
            if not await self.intake.record_patiently(self.bot, item):
                return  # seen before: handled (or being handled) already
        await super().put(item)

    def put_recorded(self, item: Update) -> None:
        """Queue an update already in the inbox (webhook, recovery)."""
        self.put_nowait(item)
