"""The update processor: one person at a time, everyone at once.

python-telegram-bot hands every update to `process_update`; this one
1. waits for the person's turn in this process (before taking a concurrency
   slot, so one person's backlog never holds slots other people need),
2. takes a slot, then the person's turn across workers (PostgreSQL advisory lock),
3. handles this person's older updates that other workers recorded but have
   not handled yet, oldest first, so their order holds across workers,
4. handles the update in one unit of work and marks its inbox row handled in
   the same final transaction; an update already handled is dropped.
If the database is unreachable the person is answered at once (outage.py) and
the update stays pending; recovery hands it out again when its lease ends.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseUpdateProcessor

from bot.observability import processing as observe
from bot.processing.locks import PersonLocks
from bot.processing.outage import OutageAnswers
from bot.processing.people import person_of
from storage import inbox
from storage.db import Database, is_database_down
from storage.models import InboxUpdate

log = logging.getLogger(__name__)


class PersonalUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, db: Database, outage: OutageAnswers, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self.db = db
        self.outage = outage
        self.locks = PersonLocks(db)
        self.application: Application[Any, Any, Any, Any, Any, Any] | None = None
        self.handled = 0
        self.dropped_duplicates = 0
        # Called with each update id once its handling is over (committed, dropped as a
        # duplicate, or answered during an outage): how tests know an update is done.
        self.finished: Callable[[int], None] | None = None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not isinstance(update, Update):
            async with self._semaphore:
                await coroutine
            return
        person = person_of(update)
        async with self.locks.local(person), self._semaphore:
            await self.do_process_update(update, coroutine)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        assert isinstance(update, Update)
        person = person_of(update)
        try:
            async with self.locks.across_workers(person) as connection:
                for row in await self._older(connection, person, update.update_id):
                    older = Update.de_json(row.payload, self._app().bot)
                    await self._handle(connection, older, self._app().process_update(older))
                    self._finish(row.update_id)
                await self._handle(connection, update, coroutine)
        except Exception as error:
            _close(coroutine)
            if not is_database_down(error):
                raise
            log.warning("database unreachable while handling update %s", update.update_id)
            if self.application is not None:
                await self.outage.answer(self.application.bot, update)
        finally:
            self._finish(update.update_id)

    def _finish(self, update_id: int) -> None:
        if self.finished is not None:
            self.finished(update_id)

    async def _older(self, connection: Any, person: int, update_id: int) -> list[InboxUpdate]:
        if self.db.is_sqlite:
            return []  # one process: its own per-person lock already keeps the order
        async with self.db.unit(connection) as unit:
            return await inbox.pending_before(unit.session, person, update_id)

    def _app(self) -> Application[Any, Any, Any, Any, Any, Any]:
        assert self.application is not None
        return self.application

    async def _handle(self, connection: Any, update: Update, coroutine: Awaitable[Any]) -> None:
        """Handle one update in one unit of work, unless it was handled already."""
        update_id = update.update_id
        started = False
        try:
            async with self.db.unit(connection) as unit:
                status = await _status(unit.session, update_id)
                if status == inbox.DONE:
                    self.dropped_duplicates += 1
                    _close(coroutine)
                    return
                started = True
                if status is not None:
                    session = unit.session
                    unit.finish = lambda: inbox.mark_done(session, update_id)
                with observe.handling(update):
                    await coroutine
                if unit.database_failed:
                    # Nothing reached the person but the outage answer: left pending,
                    # recovery hands it out again once its lease ends.
                    unit.finish = None
                    unit.failed = True
                    return
                self.handled += 1
        finally:
            if not started:
                _close(coroutine)


async def _status(session: Any, update_id: int) -> str | None:
    row = await session.get(InboxUpdate, update_id)
    return row.status if row is not None else None


def _close(coroutine: Awaitable[Any]) -> None:
    close = getattr(coroutine, "close", None)
    if close is not None:
        close()
