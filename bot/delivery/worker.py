"""The delivery worker: drains the outbox, the only code that sends proactively.

One per bot process, started and stopped with the Application. Each pass it
runs its periodic jobs (escalation of unacknowledged alerts), then claims due
rows with a lease, sends them under the rate limits, and settles each row as
soon as Telegram answers, before that send's slot is given to another: a crash
repeats at most the `concurrency` messages in flight (16 by default). Leases
that a dead worker leaves behind expire and the rows are claimed again:
messages are delayed, never lost. Several workers may share one PostgreSQL
database; a row is claimed by one of them at a time.

"Now" for the database (due times, leases, backoff) is the application clock,
which tests move by hand; pacing on the wire uses real seconds (see limiter).
The limits are kept per process: with N workers on one bot token, set
SEND_RATE_PER_SECOND to the bot's overall limit divided by N. One chat is
served by one worker at a time (the claim skips chats leased elsewhere).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import random
import secrets
import socket
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot

from bot.delivery import calls, wakeup
from bot.delivery.calls import Outcome, Result
from bot.delivery.group_commit import GroupCommit
from bot.delivery.limiter import RateLimiter
from bot.observability import metrics
from bot.runtime import Runtime
from storage import outbox as store
from storage.models import Outbox

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]

BACKOFF_FIRST = 2.0  # seconds before the first retry after a network error or 5xx
BACKOFF_MAX = 300.0
# Share of the lease a claim may spend sending; the rest is margin for the last call.
LEASE_SHARE = 0.8
PERSIST_ATTEMPTS = 5


def backoff(attempts: int) -> float:
    """2, 4, 8, ... seconds, capped at 5 minutes, with jitter so workers do not march
    in step after an outage."""
    base = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, attempts))
    return base * random.uniform(0.8, 1.0)


class DeliveryWorker:
    def __init__(
        self,
        runtime: Runtime,
        bot: Bot,
        *,
        lease: timedelta = timedelta(seconds=30),
        batch_size: int = 100,
        concurrency: int = 16,
        poll_interval: float = 1.0,
        send_timeout: float | None = None,
        name: str | None = None,
    ) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.bot = bot
        self.lease = lease
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.poll_interval = poll_interval
        self.send_timeout = send_timeout
        self.limiter = RateLimiter(settings.send_rate_per_second, settings.send_per_chat_interval)
        self.id = name or f"{socket.gethostname()[:30]}:{os.getpid()}:{secrets.token_hex(3)}"
        self.jobs: list[Job] = []
        # Settled rows by outcome, and retries: the figures an admin or a benchmark reads.
        self.stats: Counter[str] = Counter()
        self._results = GroupCommit(runtime.db)
        self._sending = asyncio.Semaphore(concurrency)
        self._claims = itertools.count(1)
        self._passes_started = 0
        self._passes_finished = 0
        self._progress = asyncio.Condition()
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] | None = None

    # ---- lifecycle -------------------------------------------------------

    def alive(self) -> bool:
        """The sending loop is running (for /readyz)."""
        return self._task is not None and not self._task.done()

    def notify(self) -> None:
        """Something was queued: look now instead of at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        self._stopping.clear()
        if self.runtime.db.is_sqlite:
            # SQLite has one bot process: leases left behind are a dead predecessor's
            # (kill -9), so its rows are due again now rather than after their lease.
            try:
                async with self.runtime.db.session() as session:
                    await store.release_all(session, "")
            except Exception:
                log.warning("could not take over old leases; they expire on their own")
        self._unsubscribe = wakeup.on_queue(self.runtime.db.engine.sync_engine, self.notify)
        self._task = asyncio.create_task(self._loop(), name=f"delivery {self.id}")

    async def stop(self) -> None:
        """Finish the sends in flight, hand back every row not yet sent, and return."""
        self._stopping.set()
        self._wake.set()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        try:
            async with self.runtime.db.session() as session:
                await store.release_all(session, self.id + "/")
        except Exception:
            log.warning("could not release leases; they expire on their own", exc_info=True)

    async def drain(self) -> None:
        """Wake the worker and return once a whole pass that began after this call is over.

        Lets tests (and the shell) wait for "everything due has been handled"
        without sleeping; without a running loop it is simply `run_once`.
        """
        if self._task is None or self._task.done():
            await self.run_once()
            return
        goal = self._passes_started + 1
        self.notify()
        async with self._progress:
            await self._progress.wait_for(
                lambda: self._passes_finished >= goal or self._stopping.is_set()
            )

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            self._passes_started += 1
            try:
                await self.run_once()
            except Exception:
                log.exception("delivery pass failed; trying again shortly")
            finally:
                self._passes_finished += 1
                async with self._progress:
                    self._progress.notify_all()
            if self._stopping.is_set():
                break
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_interval):
                    await self._wake.wait()

    # ---- one pass ----------------------------------------------------------

    async def run_once(self) -> int:
        """Run the periodic jobs, then send everything due now. Returns rows settled.

        Claims keep coming while chats are in flight (up to `concurrency` chats at
        a time), so one slow chat (its per-chat pace, a 429) never holds up the rest.
        """
        loop = asyncio.get_running_loop()
        await self._run_jobs()
        jobs_ran = loop.time()
        active: set[asyncio.Task[int]] = set()
        settled = 0
        try:
            while not self._stopping.is_set():
                rows: list[Outbox] = []
                if len(active) < self.concurrency:
                    token = f"{self.id}/{next(self._claims)}"
                    rows = await self._claim(token)
                if rows:
                    deadline = loop.time() + self.lease.total_seconds() * LEASE_SHARE
                    for chat_rows in _by_chat(rows):
                        active.add(asyncio.create_task(self._send_chat(chat_rows, token, deadline)))
                    continue
                if not active:
                    break
                # Nothing more to claim until a chat in flight is done (its next row may
                # be waiting on it), or until something new comes in.
                done, active = await asyncio.wait(active, return_when=asyncio.FIRST_COMPLETED)
                settled += sum(_count(task) for task in done)
                if loop.time() - jobs_ran >= self.poll_interval:
                    await self._run_jobs()
                    jobs_ran = loop.time()
        finally:
            if active:
                await asyncio.wait(active)
                settled += sum(_count(task) for task in active)
        return settled

    async def _claim(self, token: str) -> list[Outbox]:
        # No more than can go out at the overall pace well within the lease.
        pace = self.runtime.settings.send_rate_per_second * self.lease.total_seconds() / 2
        async with self.runtime.db.session() as session:
            return await store.claim_due(
                session,
                token=token,
                now=self.runtime.clock.now(),
                lease=self.lease,
                limit=max(1, min(self.batch_size, int(pace))),
            )

    async def _run_jobs(self) -> None:
        for job in self.jobs:
            try:
                await job()
            except Exception:
                log.exception("delivery job %s failed", getattr(job, "__name__", job))

    async def _send_chat(self, rows: list[Outbox], token: str, deadline: float) -> int:
        """One chat's claimed rows, in order. Returns how many were settled."""
        loop = asyncio.get_running_loop()
        settled = 0
        for index, row in enumerate(rows):
            # Stop starting sends well before the lease runs out, so no other worker
            # can claim a row while this one is still sending it.
            if self._stopping.is_set() or loop.time() > deadline:
                await self._release([r.id for r in rows[index:]], token)
                break
            done = await self._deliver(row, token, deadline)
            settled += done
            if not done:  # rescheduled or handed back: the rest wait, keeping the order
                await self._release([r.id for r in rows[index + 1 :]], token)
                break
        return settled

    async def _deliver(self, row: Outbox, token: str, deadline: float) -> int:
        """Send one row until it is settled or must wait; 1 if settled."""
        assert row.id is not None
        loop = asyncio.get_running_loop()
        message_id, skip = await self._target_message(row)
        if skip:
            metrics.observe_send("skipped")
            await self._settle(row, Result(Outcome.SKIPPED, error=skip), tries=0)
            return 1
        tries = 0
        while True:
            if not await self.limiter.acquire(row.chat_id, abort=self._stopping, deadline=deadline):
                if self._stopping.is_set() and not tries:
                    await self._release([row.id], token)
                else:
                    # The chat (or the bot) may not send again before this lease ends:
                    # the row waits in the database instead of being sent on an old lease.
                    wait = max(0.0, self.limiter.ready_at(row.chat_id) - loop.time())
                    await self._reschedule(row, token, wait, "waiting for the rate limit", tries)
                return 0
            tries += 1
            # At most `concurrency` sends are ever between Telegram and the record of
            # them, so a kill -9 repeats at most that many messages.
            async with self._sending:
                result = await calls.attempt(
                    self.bot,
                    row.chat_id,
                    row.payload,
                    message_id=message_id,
                    timeout=self.send_timeout,
                )
                metrics.observe_send(result.outcome.value)
                if result.outcome is Outcome.RETRY_AFTER:
                    self.stats["retry_after"] += 1
                    self.limiter.retry_after(row.chat_id, result.retry_after)
                    # Wait in place when the lease allows; the limiter holds the chat
                    # exactly retry_after seconds. Otherwise the row waits in the database.
                    if loop.time() + result.retry_after < deadline and not self._stopping.is_set():
                        log.info("429 for an outbox row; retrying in %ss", result.retry_after)
                        continue
                    await self._reschedule(row, token, result.retry_after, result.error, tries)
                    return 0
                if result.outcome is Outcome.RETRY:
                    delay = backoff(row.attempts + tries - 1)
                    await self._reschedule(row, token, delay, result.error, tries)
                    return 0
                await self._settle(row, result, tries=tries)
                return 1

    async def _target_message(self, row: Outbox) -> tuple[int | None, str | None]:
        """For an edit: the message id to edit, or why the edit cannot happen."""
        payload: dict[str, Any] = row.payload
        if payload.get("method") != "editMessageText" or payload.get("message_id"):
            return payload.get("message_id"), None
        original_id = payload.get("edit_of")
        if not isinstance(original_id, int):
            return None, "edit names no message"
        async with self.runtime.db.session() as session:
            original = await store.get_row(session, original_id)
        if original is None or original.status != store.SENT or original.message_id is None:
            return None, "the message to edit was never delivered"
        return original.message_id, None

    # ---- recording results ---------------------------------------------------

    async def _settle(self, row: Outbox, result: Result, *, tries: int) -> None:
        assert row.id is not None
        now = self.runtime.clock.now()
        row_id = row.id

        async def write(session: AsyncSession) -> None:
            if result.outcome is Outcome.SENT:
                await store.mark_sent(
                    session, row_id, now=now, message_id=result.message_id, tries=tries
                )
            elif result.outcome is Outcome.BLOCKED:
                await store.mark_final(
                    session, row_id, store.BLOCKED, error=result.error, tries=tries
                )
                await store.deactivate_chat(session, row.chat_id, now)
            else:
                status = store.SKIPPED if result.outcome is Outcome.SKIPPED else store.FAILED
                await store.mark_final(session, row_id, status, error=result.error, tries=tries)

        self.stats[result.outcome.value] += 1
        if result.outcome is Outcome.FAILED:
            log.warning("outbox row %s refused by Telegram: %s", row_id, result.error)
        await self._persist(write)

    async def _reschedule(
        self, row: Outbox, token: str, delay: float, error: str, tries: int
    ) -> None:
        assert row.id is not None
        at = self.runtime.clock.now() + timedelta(seconds=delay)
        row_id = row.id

        async def write(session: AsyncSession) -> None:
            await store.reschedule(session, row_id, token, at=at, error=error, tries=tries)

        self.stats["retry"] += 1
        log.info("outbox row %s: %s; next attempt in %.1fs", row_id, error, delay)
        await self._persist(write)

    async def _persist(self, write: Callable[[AsyncSession], Awaitable[None]]) -> None:
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

    async def _release(self, row_ids: list[int | None], token: str) -> None:
        ids = [i for i in row_ids if i is not None]
        if not ids:
            return

        async def write(session: AsyncSession) -> None:
            await store.release(session, ids, token)

        await self._persist(write)


def _by_chat(rows: list[Outbox]) -> list[list[Outbox]]:
    by_chat: dict[int, list[Outbox]] = {}
    for row in rows:
        by_chat.setdefault(row.chat_id, []).append(row)
    return list(by_chat.values())


def _count(task: asyncio.Task[int]) -> int:
    if task.cancelled():
        return 0
    error = task.exception()
    if error is not None:
        log.error("sending to one chat failed", exc_info=error)
        return 0
    return task.result()
