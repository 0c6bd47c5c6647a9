"""Recording updates in the inbox before Telegram is told they arrived.

Webhook: the POST is answered 200 only after the update is stored; a
redelivered update_id is answered 200 and dropped. Long polling: the queue
the Updater puts into stores each update before `put` returns, and the
Updater confirms the offset (its next getUpdates) only after that, so an
update is never confirmed to Telegram and then lost in a crash. While the
database is down, updates go to a local spool file instead (spool.py) and
the person is answered at once (outage.py).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from telegram import Bot, Update

from bot.processing.outage import OutageAnswers
from bot.processing.people import person_in_payload, person_of
from bot.processing.spool import Spool
from storage import inbox
from storage.db import Database, is_database_down

log = logging.getLogger(__name__)
RECORD_TIMEOUT = 5.0  # longer, and Telegram would think the webhook call failed


class Intake:
    def __init__(
        self, db: Database, owner: str, lease: timedelta, outage: OutageAnswers, spool: Spool
    ) -> None:
        self.db = db
        self.owner = owner
        self.lease = lease
        self.outage = outage
        self.spool = spool

    async def record(self, update: Update, payload: dict[str, Any] | None = None) -> bool:
        """Store the update; True if it is new (and must be handled), False if a duplicate.
        Raises when the database cannot be reached."""
        data = payload if payload is not None else update.to_dict()
        received = inbox.Received(update.update_id, person_of(update), data)
        async with asyncio.timeout(RECORD_TIMEOUT), self.db.session() as session:
            new = await inbox.record(session, [received], owner=self.owner, lease=self.lease)
        return update.update_id in new

    async def keep(self, bot: Bot, update: Update, payload: dict[str, Any] | None = None) -> bool:
        """Record the update, or spool it if the database is down (the person is told at
        once). True if it is new and recorded: the caller queues it for handling."""
        try:
            return await self.record(update, payload)
        except Exception as error:
            if not is_database_down(error):
                raise
        log.warning("database unreachable; update %s kept in the spool", update.update_id)
        self.spool.append(payload if payload is not None else update.to_dict())
        await self.outage.answer(bot, update)
        return False

    async def record_spooled(self, payloads: list[dict[str, Any]]) -> None:
        """Move spooled updates into the inbox, due for handling at once (recovery)."""
        received = [
            inbox.Received(int(p["update_id"]), person_in_payload(p), p)
            for p in payloads
            if isinstance(p.get("update_id"), int)
        ]
        async with self.db.session() as session:
            await inbox.record(session, received, owner=self.owner, lease=timedelta(0))


class RecordingQueue(asyncio.Queue[object]):
    """The Application's update queue; what the Updater puts is recorded first."""

    intake: Intake | None = None
    bot: Bot | None = None

    async def put(self, item: object) -> None:
        if isinstance(item, Update) and self.intake is not None and self.bot is not None:
            if not await self.intake.keep(self.bot, item):
                return  # seen before, or spooled until the database is back
        await super().put(item)

    def put_recorded(self, item: Update) -> None:
        """Queue an update already in the inbox (webhook, recovery)."""
        self.put_nowait(item)
