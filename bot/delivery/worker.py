"""The delivery worker: drains the outbox, the only code that sends proactively.

One per bot process, started and stopped with the Application. Each pass it
runs its periodic jobs (escalation, broadcast progress), then claims due rows
with a lease, most urgent lane first (bot/delivery/lanes.py), into a backlog
(bot/delivery/claims.py).
A pass woken by a commit that queued a message (a report's alert) claims
first and runs the jobs once that send is under way, and a long pass runs
its jobs beside the sends: an alert never waits behind them (issue 14);
a dispatcher sends them under the rate limits and each row is settled as soon
as Telegram answers, before that send's slot is given to another: a crash
repeats at most the `concurrency` messages in flight (16 at 25/s). Leases
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
import math
import os
import secrets
import socket
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta

from telegram import Bot

from bot.delivery.backlog import Backlog, Claimed
from bot.delivery.calls import Outcome, Result
from bot.delivery.claims import RECHECK_EVERY, Claims, Filter
from bot.delivery.edits import edit_target
from bot.delivery.limiter import RateLimiter
from bot.delivery.policy import RETRY_LIMIT, backoff, default_concurrency
from bot.delivery.records import Records
from bot.delivery.wakeup import on_queue
from bot.delivery.wire import Wire
from bot.observability import metrics
from bot.runtime import Runtime
from storage import outbox as store

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]

# After a claim found less than it asked for, the next waits this long (unless woken).
SHORT_CLAIM_PAUSE = 0.1


class DeliveryWorker:
    def __init__(
        self,
        runtime: Runtime,
        bot: Bot,
        *,
        lease: timedelta = timedelta(seconds=30),
        batch_size: int | None = None,
        concurrency: int | None = None,
        poll_interval: float = 1.0,
        send_timeout: float | None = None,
        name: str | None = None,
    ) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.bot = bot
        self.lease = lease
        # Rows per claim: a quarter second of sends, at least 100. Each claim costs a few
        # statements whatever its size, and at 1,000/s claims of 100 came ten times a second.
        self.batch_size = batch_size or max(100, int(settings.send_rate_per_second / 4))
        self.concurrency = concurrency or default_concurrency(settings.send_rate_per_second)
        self.poll_interval = poll_interval
        self.send_timeout = send_timeout
        self.limiter = RateLimiter(settings.send_rate_per_second, settings.send_per_chat_interval)
        self.id = name or f"{socket.gethostname()[:30]}:{os.getpid()}:{secrets.token_hex(3)}"
        self.jobs: list[Job] = []
        self.records = Records(runtime)
        # Settled rows by outcome, and retries: the figures an admin or a benchmark reads.
        self.stats: Counter[str] = self.records.stats
        self.wire = Wire(bot, connections=self.concurrency, timeout=send_timeout)
        # Run on every claim, in its session: may settle or hold rows and returns the rest
        # (a cancelled broadcast, a person mid-conversation; see bot/broadcasts).
        self.filters: list[Filter] = []
        self.claims = Claims(runtime, lease, self.filters)
        self._stir = asyncio.Event()
        self._urgent = False
        # Woken by a commit that queued a message (and by nothing that wants the jobs
        # first): the pass claims before its jobs, so an alert does not wait for them.
        self._queued = False
        self._asked = False
        self._answers = 0
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
        self._asked = True
        self._poke()

    def _on_queue(self) -> None:
        """A transaction that queued a message committed: claim it before anything else."""
        self._queued = True
        self._poke()

    def _poke(self) -> None:
        self._wake.set()
        self._urgent = True
        self._stir.set()

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
        self._unsubscribe = on_queue(self.runtime.db.engine.sync_engine, self._on_queue)
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
        await self.wire.close()
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
        (Woken by a commit alone, the jobs come after the first claim.)

        One dispatcher hands claimed rows to sends: the most urgent lane first, at
        the overall pace, never two at once to a chat, and never more than
        `concurrency` between Telegram and their record. Claims keep the backlog
        about half a second deep, so neither the database nor the wire waits.
        """
        loop = asyncio.get_running_loop()
        # The jobs run beside the claims and sends (under load they take a while, and an
        # alert committed meanwhile must not wait), and the pass ends only after them and
        # a claim of what they queued. Woken only by a commit that queued something (an
        # alert), the pass claims and starts that send before it starts the jobs.
        jobs_owed = self._queued and not self._asked
        self._queued = self._asked = False
        jobs: asyncio.Task[None] | None = None
        if not jobs_owed:
            jobs = self._start_jobs()
        jobs_ran = loop.time()
        backlog = Backlog()
        tasks: set[asyncio.Task[None]] = set()
        settled_before = self.records.settled
        claim_at = 0.0  # loop time of the next claim; later after a claim came back short
        answers_at_claim = -1
        checked = loop.time()
        # Claims and the jobs of a long pass run beside the dispatcher: sends (an alert
        # among them) keep going while the database answers.
        claiming: asyncio.Task[int] | None = None
        limit = 0
        try:
            while not self._stopping.is_set():
                now = loop.time()
                if jobs is not None and jobs.done():
                    jobs = None
                    jobs_ran, claim_at = loop.time(), 0.0  # they may have queued something
                if claiming is not None and claiming.done():
                    found = claiming.result()  # a failed claim ends the pass, as it always did
                    claiming = None
                    claim_at = 0.0 if found >= limit else loop.time() + SHORT_CLAIM_PAUSE
                # Only between claims: a commit during a claim may not be in what it saw,
                # so the next claim goes at once, not after a short claim's pause.
                if self._urgent and claiming is None:
                    self._urgent, claim_at = False, 0.0
                if claiming is None and now >= claim_at and backlog.waiting < self._target():
                    limit = min(self.batch_size, 2 * self._target() - backlog.waiting)
                    answers_at_claim = self._answers
                    token = f"{self.id}/{next(self._claims)}"
                    claiming = asyncio.create_task(self.claims.claim(token, limit, backlog))
                    claiming.add_done_callback(lambda _task: self._stir.set())
                    if not tasks and not backlog.waiting:
                        await asyncio.wait({claiming})  # nothing else to do meanwhile
                    continue
                idle = not tasks and not backlog.waiting and claiming is None
                if idle and jobs is None and not jobs_owed:
                    if claim_at > 0 and answers_at_claim == self._answers:
                        break  # nothing due, nothing in flight: the pass is over
                    claim_at = 0.0
                    continue
                if len(tasks) < self.concurrency and self.limiter.any_ready_at() <= now:
                    item = backlog.pop(now, self.limiter.chat_ready_at)
                    if item is not None:
                        if now > item.deadline:  # too late in its lease to start a send
                            await self._hand_back(backlog, item)
                            continue
                        self.limiter.take(item.row.chat_id, now)
                        task = asyncio.create_task(self._send(item, backlog))
                        tasks.add(task)
                        task.add_done_callback(lambda t: _finished(t, tasks))
                        continue
                if self.filters and backlog.waiting and now - checked >= RECHECK_EVERY:
                    checked = now
                    await self.claims.recheck(backlog)
                    continue
                if jobs is None and (jobs_owed or now - jobs_ran >= self.poll_interval):
                    jobs_owed = False
                    jobs = self._start_jobs()
                    continue
                # Nothing claimed, sent or waiting, only the jobs running: wait for them
                # (or a commit) rather than claiming again every SHORT_CLAIM_PAUSE.
                next_claim = math.inf if idle else claim_at
                await self._idle(now, next_claim, backlog, len(tasks) < self.concurrency)
        finally:
            if claiming is not None:
                await asyncio.wait({claiming})  # its rows are in the backlog, handed back below
            if jobs is not None:
                await asyncio.wait({jobs})
            if tasks:
                await asyncio.wait(set(tasks))
            await self._release_items(backlog.take_all())
        return self.records.settled - settled_before

    def _target(self) -> int:
        """Rows to keep claimed ahead: half a second of sends, and enough to fill the slots."""
        return max(2 * self.concurrency, int(self.runtime.settings.send_rate_per_second / 2))

    async def _idle(self, now: float, claim_at: float, backlog: Backlog, slots: bool) -> None:
        """Sleep until a send is answered, something is queued, or a time comes."""
        moments = [now + self.poll_interval]
        if backlog.waiting < self._target() and claim_at > now:
            moments.append(claim_at)
        if slots and backlog.waiting:
            # The overall pace only matters if it is what holds things up; when every
            # waiting chat is in flight, the next answer (a stir) is what to wait for.
            if self.limiter.any_ready_at() > now:
                moments.append(self.limiter.any_ready_at())
            wake = backlog.next_wake()
            if wake is not None:
                moments.append(wake)
        timeout = max(0.0, min(moments) - now)
        self._stir.clear()
        if timeout <= 0:
            await asyncio.sleep(0)  # never spin without letting the sends run
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._stir.wait()

    def _start_jobs(self) -> asyncio.Task[None]:
        jobs = asyncio.create_task(self._run_jobs())
        jobs.add_done_callback(lambda _task: self._stir.set())
        return jobs

    async def _run_jobs(self) -> None:
        for job in self.jobs:
            try:
                await job()
            except Exception:
                log.exception("delivery job %s failed", getattr(job, "__name__", job))

    async def _send(self, item: Claimed, backlog: Backlog) -> None:
        """One attempt at one row, recorded before the task (its in-flight slot) ends."""
        row = item.row
        loop = asyncio.get_running_loop()
        again: Claimed | None = None
        try:
            message_id, skip = await edit_target(self.runtime, row)
            if skip:
                metrics.observe_send("skipped")
                await self.records.settle(row, Result(Outcome.SKIPPED, error=skip), tries=0)
                return
            item.tries += 1
            result = await self.wire.attempt(
                row.chat_id, row.payload, message_id=message_id, timeout=self.send_timeout
            )
            metrics.observe_send(result.outcome.value)
            if result.outcome is Outcome.RETRY_AFTER:
                self.stats["retry_after"] += 1
                self.limiter.retry_after(row.chat_id, result.retry_after)
                # Wait in the backlog when the lease allows (the limiter holds the chat
                # exactly retry_after seconds); otherwise the row waits in the database.
                if loop.time() + result.retry_after < item.deadline:
                    log.info("429 for an outbox row; retrying in %ss", result.retry_after)
                    again = item
                    return
                await self.records.reschedule(
                    row, item.token, result.retry_after, result.error, item.tries
                )
            elif result.outcome is Outcome.RETRY:
                if row.attempts + item.tries >= RETRY_LIMIT:
                    given_up = Result(Outcome.FAILED, error=f"retry limit: {result.error}")
                    await self.records.settle(row, given_up, tries=item.tries)
                else:
                    delay = backoff(row.attempts + item.tries - 1)
                    await self.records.reschedule(row, item.token, delay, result.error, item.tries)
            else:
                await self.records.settle(row, result, tries=item.tries)
                return
            # Rescheduled: the chat's later rows wait behind it, keeping their order.
            await self._release_items(backlog.drop_chat(row.chat_id))
        finally:
            now = loop.time()
            self.limiter.finished(row.chat_id, now)
            backlog.done(row.chat_id, self.limiter.chat_ready_at(row.chat_id), again=again)
            self._answers += 1
            self._stir.set()

    async def _hand_back(self, backlog: Backlog, item: Claimed) -> None:
        chat = item.row.chat_id
        await self._release_items([item, *backlog.drop_chat(chat)])
        backlog.done(chat, 0.0)

    async def _release_items(self, items: list[Claimed]) -> None:
        by_token: dict[str, list[int | None]] = {}
        for item in items:
            by_token.setdefault(item.token, []).append(item.row.id)
        for token, ids in by_token.items():
            await self.records.release(ids, token)


def _finished(task: asyncio.Task[None], tasks: set[asyncio.Task[None]]) -> None:
    tasks.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("sending an outbox row failed", exc_info=task.exception())
