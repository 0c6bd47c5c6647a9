"""Recording updates in the inbox before Telegram is told they arrived.

Webhook: the POST is answered 200 only after the update is stored; a
redelivered update_id is answered 200 and dropped. Long polling: each
getUpdates batch is stored in one statement as it arrives (`UpdatesRequest`),
before the Updater queues any of it, and the Updater confirms the offset (its
next getUpdates) only after that, so an update is never confirmed to Telegram
and then lost in a crash. While the database is down, updates go to a local
spool file instead (spool.py) and the person is answered at once (outage.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta
from typing import Any

from telegram import Update

from bot.processing.outage import OutageAnswers
from bot.processing.people import person_in_payload, person_of
from bot.processing.spool import Spool
from bot.processing.transport import AiohttpRequest
from storage import inbox
from storage.db import Database, is_database_down

log = logging.getLogger(__name__)
RECORD_TIMEOUT = 5.0  # longer, and Telegram would think the webhook call failed
# An update recorded here counts as surely unclaimed until this long before its lease ends.
LEASE_MARGIN = timedelta(seconds=2)
NEW, DUPLICATE, SPOOLED = "new", "duplicate", "spooled"


class Intake:
    def __init__(
        self, db: Database, owner: str, lease: timedelta, outage: OutageAnswers, spool: Spool
    ) -> None:
        self.db = db
        self.owner = owner
        self.lease = lease
        self.outage = outage
        self.spool = spool
        # update id -> until when only this process can hold it (new updates it recorded)
        self._leased: dict[int, datetime] = {}

    async def _insert(self, received: list[inbox.Received]) -> set[int]:
        # Noted before the insert: the lease runs from (just after) now.
        until = inbox.wall_now() + self.lease - LEASE_MARGIN
        async with asyncio.timeout(RECORD_TIMEOUT), self.db.engine.begin() as connection:
            new = await inbox.record(connection, received, owner=self.owner, lease=self.lease)
        if self.db.is_sqlite:  # only the lone SQLite worker asks (see still_leased)
            for update_id in new:
                self._leased[update_id] = until
        return new

    async def record(self, update: Update, payload: dict[str, Any] | None = None) -> bool:
        """Store the update; True if it is new (and must be handled), False if a duplicate.
        Raises when the database cannot be reached."""
        data = payload if payload is not None else update.to_dict()
        received = inbox.Received(update.update_id, person_of(update), data)
        return update.update_id in await self._insert([received])

    def still_leased(self, update_id: int) -> bool:
        """True once, for an update this process recorded whose lease has not yet run out:
        no other worker or sweep can have taken it (see the processor)."""
        until = self._leased.pop(update_id, None)
        return until is not None and inbox.wall_now() < until

    async def keep(self, update: Update, payload: dict[str, Any] | None = None) -> bool:
        """Record the update, or spool it if the database is down (the person is told at
        once). True if it is new and recorded: the caller queues it for handling."""
        try:
            return await self.record(update, payload)
        except Exception as error:
            if not is_database_down(error):
                raise
        log.warning("database unreachable; update %s kept in the spool", update.update_id)
        self.spool.append(payload if payload is not None else update.to_dict())
        await self.outage.answer(update)
        return False

    async def keep_batch(self, payloads: list[dict[str, Any]]) -> dict[int, str]:
        """Record a getUpdates batch, or spool it all if the database is down: each
        update id's fate (NEW, DUPLICATE or SPOOLED)."""
        received = _received(payloads)
        ids = [r.update_id for r in received]
        try:
            new = await self._insert(received)
        except Exception as error:
            if not is_database_down(error):
                raise
            log.warning("database unreachable; %s updates kept in the spool", len(payloads))
            for payload in payloads:
                self.spool.append(payload)
            return dict.fromkeys(ids, SPOOLED)
        return {i: NEW if i in new else DUPLICATE for i in ids}

    async def record_spooled(self, payloads: list[dict[str, Any]]) -> None:
        """Move spooled updates into the inbox, due for handling at once (recovery)."""
        async with self.db.engine.begin() as connection:
            await inbox.record(
                connection, _received(payloads), owner=self.owner, lease=timedelta(0)
            )


def _received(payloads: list[dict[str, Any]]) -> list[inbox.Received]:
    return [
        inbox.Received(int(p["update_id"]), person_in_payload(p), p)
        for p in payloads
        if isinstance(p.get("update_id"), int)
    ]


class RecordingQueue(asyncio.Queue[object]):
    """The Application's update queue; what the Updater puts is recorded first (for
    polling, already with its whole getUpdates batch: see `UpdatesRequest`)."""

    intake: Intake | None = None

    def __init__(self) -> None:
        super().__init__()
        self._fates: dict[int, str] = {}

    async def record_batch(self, payloads: list[dict[str, Any]]) -> None:
        if self.intake is None or not payloads:
            return
        # The Updater queues a whole batch before it asks for the next, so what is left
        # of the previous one was not parsed into an Update: it goes the slow way.
        self._fates = await self.intake.keep_batch(payloads)

    async def put(self, item: object) -> None:
        if isinstance(item, Update) and self.intake is not None:
            fate = self._fates.pop(item.update_id, None)
            if fate == SPOOLED:
                await self.intake.outage.answer(item)
                return
            if fate == DUPLICATE:
                return
            if fate is None and not await self.intake.keep(item):
                return  # seen before, or spooled until the database is back
        await super().put(item)

    def put_recorded(self, item: Update) -> None:
        """Queue an update already in the inbox (webhook, recovery)."""
        self.put_nowait(item)


class UpdatesRequest(AiohttpRequest):
    """The getUpdates transport: records each batch Telegram returns in the inbox, in one
    statement, before python-telegram-bot parses and queues it. One insert and one
    commit per batch instead of per update; the offset that confirms the batch is
    only sent with the next getUpdates, after this returned."""

    queue: RecordingQueue | None = None

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        status, body = await super().do_request(*args, **kwargs)
        if status == 200 and self.queue is not None:
            payloads = _updates_in(body)
            if payloads:
                await self.queue.record_batch(payloads)
        return status, body


def _updates_in(body: bytes) -> list[dict[str, Any]]:
    try:
        result = json.loads(body).get("result")
    except (ValueError, AttributeError):
        return []
    if not isinstance(result, list):
        return []
    return [u for u in result if isinstance(u, dict) and isinstance(u.get("update_id"), int)]
