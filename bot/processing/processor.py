"""The update processor: one person at a time, everyone at once.

python-telegram-bot hands every update to `process_update`; this one
1. waits for the person's turn in this process (before taking a concurrency
   slot, so one person's backlog never holds slots other people need),
2. takes a slot (button presses first: slots.py), then the person's turn across
   workers (PostgreSQL advisory lock),
3. in the update's unit of work, reads its inbox status together with this
   person's older updates that other workers recorded but have not handled yet
   (one statement); those go first, oldest first, so their order holds across
   workers; an update already handled is dropped,
4. handles the update in that unit; its inbox row is marked handled once its
   first reply is out (grouped with others', done.py) or in its final commit.
If the database is unreachable the person is answered at once (outage.py) and
the update stays pending; recovery hands it out again when its lease ends.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, BaseUpdateProcessor

from bot.observability import processing as observe
from bot.processing.done import DoneMarks
from bot.processing.locks import PersonLocks
from bot.processing.outage import OutageAnswers
from bot.processing.people import person_of
from bot.processing.slots import OTHER, Slots, lane_of
from storage import inbox
from storage.db import Database, Unit, is_database_down
from storage.inbox import Older
from storage.person import load_person

log = logging.getLogger(__name__)


class PersonalUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, db: Database, outage: OutageAnswers, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self.db = db
        self.outage = outage
        self.locks = PersonLocks(db)
        self.slots = Slots(max_concurrent_updates)  # button presses first (slots.py)
        self.done = DoneMarks(db)
        self.application: Application[Any, Any, Any, Any, Any, Any] | None = None
        self.handled = 0
        self.dropped_duplicates = 0
        self.resent = 0  # updates whose effects were in before a crash: reply sent again
        # Called with each update id once its handling is over (committed, dropped as a
        # duplicate, or answered during an outage): how tests know an update is done.
        self.finished: Callable[[int], None] | None = None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not isinstance(update, Update):
            async with self.slots.slot(OTHER):
                await coroutine
            return
        person = person_of(update)
        async with self.locks.local(person), self.slots.slot(lane_of(update)):
            await self.do_process_update(update, coroutine)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        assert isinstance(update, Update)
        person = person_of(update)
        try:
            async with self.locks.across_workers(person) as connection:
                # Usually one unit does it all: look up the inbox, handle, mark handled.
                async with self.db.unit(connection) as unit:
                    status, older = await self._lookup(unit, person, update.update_id)
                    if not older:
                        await self._run(unit, update, coroutine, status)
                        return
                # Another worker recorded older updates of this person and has not handled
                # them: they go first, each in its own unit, then this one.
                for row in older:
                    earlier = Update.de_json(row.payload, self._app().bot)
                    async with self.db.unit(connection) as unit:
                        coroutine_ = self._app().process_update(earlier)
                        try:
                            await self._run(unit, earlier, coroutine_, row.status)
                        finally:
                            _close(coroutine_)
                    self._finish(row.update_id)
                async with self.db.unit(connection) as unit:
                    await self._run(unit, update, coroutine, status)
        except Exception as error:
            if not is_database_down(error):
                raise
            log.warning("database unreachable while handling update %s", update.update_id)
            await self.outage.answer(update)
        finally:
            _close(coroutine)  # never started (a duplicate, a failure): a no-op once awaited
            self._finish(update.update_id)

    def _finish(self, update_id: int) -> None:
        if self.finished is not None:
            self.finished(update_id)

    async def _lookup(
        self, unit: Unit, person: int, update_id: int
    ) -> tuple[str | None, list[Older]]:
        """The update's inbox status and (PostgreSQL) the person's older pending updates.

        On SQLite (one process) an update this process recorded a moment ago, still within
        its lease, is known to be pending: nobody can have claimed it yet, and a copy
        that recovery queues later waits behind it for the person's lock and then finds it
        handled. So the common update costs no lookup at all. Otherwise one statement
        reads the status together with the person's rows that identify and the handlers
        need (storage/person.py); only when older updates are waiting are they read."""
        if self.db.is_sqlite:
            intake = getattr(self._app().update_queue, "intake", None)
            if intake is not None and intake.still_leased(update_id):
                return inbox.PENDING, []
        older = not self.db.is_sqlite
        loaded = await load_person(unit.session, person, update_id=update_id, older=older)
        if not loaded.has_older:
            return loaded.status, []
        return await inbox.status_and_older(unit.session, person, update_id, older=True)

    def _app(self) -> Application[Any, Any, Any, Any, Any, Any]:
        assert self.application is not None
        return self.application

    async def _run(
        self, unit: Unit, update: Update, coroutine: Awaitable[Any], status: str | None = None
    ) -> None:
        """Handle one update in `unit`, unless it was handled already (`status` done);
        an update in the inbox (`status` pending) is marked handled by the unit."""
        if status == inbox.DONE:
            self.dropped_duplicates += 1
            return
        update_id = update.update_id
        if status is not None:
            session = unit.session
            unit.finish = lambda: inbox.mark_done(session, update_id)
            unit.finish_apart = lambda: self.done.mark(update_id)
            unit.apply = lambda resend: inbox.mark_applied(session, update_id, resend)
        if status == inbox.APPLIED:
            await self._resend(unit, update_id)
            return
        with observe.handling(update):
            await coroutine
        if unit.database_failed:
            # Nothing reached the person but the outage answer: left pending,
            # recovery hands it out again once its lease ends.
            unit.finish = unit.finish_apart = None
            unit.failed = True
            return
        self.handled += 1

    async def _resend(self, unit: Unit, update_id: int) -> None:
        """An update whose effects were committed before a crash: its handlers are not run
        again (a typed answer would be read as the answer to the question that followed
        it); the request that was about to go out is sent again instead. The person may
        get that one message twice, if Telegram had taken it before the crash."""
        request = await inbox.resend_of(unit.session, update_id)
        self.resent += 1
        method, params = request.get("method"), request.get("params")
        if not isinstance(method, str) or not isinstance(params, dict):
            return
        try:
            await self._app().bot.do_api_request(method, api_kwargs=params)
        except TelegramError as error:  # e.g. an edit of a message already edited
            log.info("re-sending update %s's reply failed: %s", update_id, type(error).__name__)


def _close(coroutine: Awaitable[Any]) -> None:
    close = getattr(coroutine, "close", None)
    if close is not None:
        close()
