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
NEW, SEEN, SPOOLED = "new", "seen", "spooled"
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
        self.bot: Bot | None = None
        # update_id -> NEW / SEEN / SPOOLED, for updates recorded by a getUpdates batch.
        self.verdicts: dict[int, str] = {}

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

    async def keep_batch(self, payloads: list[dict[str, Any]]) -> None:
        """A getUpdates batch: recorded in one transaction (or spooled, and everyone in
        it answered, while the database is down). The verdicts tell the queue which
        updates to hand on when the Updater puts them."""
        batch = [p for p in payloads if isinstance(p, dict) and type(p.get("update_id")) is int]
        received = [inbox.Received(p["update_id"], person_in_payload(p), p) for p in batch]
        try:
            async with asyncio.timeout(RECORD_TIMEOUT), self.db.session() as session:
                new = await inbox.record(session, received, owner=self.owner, lease=self.lease)
        except Exception as error:
            if not is_database_down(error):
                raise
            log.warning("database unreachable; %s updates kept in the spool", len(batch))
            for payload in batch:
                self.spool.append(payload)
                self.verdicts[payload["update_id"]] = SPOOLED
            if self.bot is not None:
                for payload in batch:
                    update = Update.de_json(payload, self.bot)
                    if update is not None:
                        await self.outage.answer(self.bot, update)
            return
        for r in received:
            self.verdicts[r.update_id] = NEW if r.update_id in new else SEEN

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
            verdict = self.intake.verdicts.pop(item.update_id, None)
            if verdict is None:  # not from a recorded batch: record it on its own
                verdict = NEW if await self.intake.keep(self.bot, item) else SEEN
            if verdict != NEW:
                return  # seen before, or spooled until the database is back
        await super().put(item)

    def put_recorded(self, item: Update) -> None:
        """Queue an update already in the inbox (webhook, recovery)."""
        self.put_nowait(item)
