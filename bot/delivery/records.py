"""Recording what Telegram answered, each result as soon as it is known.

A sent message that is not recorded would be sent again after its lease, so
results are written through a group commit (many in one transaction, none
delayed) and a brief database hiccup is ridden out rather than dropped.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery.calls import Outcome, Result
from bot.delivery.group_commit import GroupCommit
from bot.runtime import Runtime
from storage import outbox as store
from storage.models import Outbox

log = logging.getLogger(__name__)

PERSIST_ATTEMPTS = 5


class Records:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._results = GroupCommit(runtime.db)
        # Settled rows by outcome, and retries: the figures an admin or a benchmark reads.
        self.stats: Counter[str] = Counter()
        self.settled = 0

    async def settle(self, row: Outbox, result: Result, *, tries: int) -> None:
        assert row.id is not None
        now = self.runtime.clock.now()
        row_id = row.id

        if result.outcome is Outcome.SENT:
            self.stats[result.outcome.value] += 1
            self.settled += 1
            await self.persist(_Sent(row_id, result.message_id, tries, now))
            return

        async def write(session: AsyncSession) -> None:
            if result.outcome is Outcome.BLOCKED:
                await store.mark_final(
                    session, row_id, store.BLOCKED, error=result.error, tries=tries
                )
                await store.deactivate_chat(session, row.chat_id, now)
            else:
                status = store.SKIPPED if result.outcome is Outcome.SKIPPED else store.FAILED
                await store.mark_final(session, row_id, status, error=result.error, tries=tries)

        self.stats[result.outcome.value] += 1
        self.settled += 1
        if result.outcome is Outcome.FAILED:
            log.warning("outbox row %s refused by Telegram: %s", row_id, result.error)
        await self.persist(write)

    async def reschedule(
        self, row: Outbox, token: str, delay: float, error: str, tries: int
    ) -> None:
        assert row.id is not None
        at = self.runtime.clock.now() + timedelta(seconds=delay)
        row_id = row.id

        async def write(session: AsyncSession) -> None:
            await store.reschedule(session, row_id, token, at=at, error=error, tries=tries)

        self.stats["retry"] += 1
        log.info("outbox row %s: %s; next attempt in %.1fs", row_id, error, delay)
        await self.persist(write)

    async def persist(self, write: Callable[[AsyncSession], Awaitable[None]]) -> None:
        """Record a result, riding out a brief database hiccup: a send that happened but
        was not recorded would be sent again when the lease expires."""
        for attempt in range(PERSIST_ATTEMPTS):
            try:
                await self._results.write(write)
                return
            except Exception:
                if attempt == PERSIST_ATTEMPTS - 1:
                    raise
                log.warning("could not record a delivery result; retrying", exc_info=True)
                await asyncio.sleep(0.2 * 2**attempt)

    async def release(self, row_ids: list[int | None], token: str) -> None:
        ids = [i for i in row_ids if i is not None]
        if not ids:
            return

        async def write(session: AsyncSession) -> None:
            await store.release(session, ids, token)

        await self.persist(write)


@dataclass(frozen=True)
class _Sent:
    """A sent row to record; all of one group commit go in one statement."""

    row_id: int
    message_id: int | None
    tries: int
    now: datetime

    async def __call__(self, session: AsyncSession) -> None:
        await _Sent.many(session, [self])

    @staticmethod
    async def many(session: AsyncSession, writes: list[_Sent]) -> None:
        await store.mark_sent_many(
            session, [(w.row_id, w.message_id, w.tries, w.now) for w in writes]
        )
