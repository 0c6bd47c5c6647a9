"""Alerts reach staff exactly once, whatever Telegram and the workers go through."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.clock import ManualClock
from bot.config import Settings
from bot.delivery import DeliveryWorker
from bot.devtools.harness import BotHarness
from bot.outbox import enqueue
from storage import outbox as store
from storage.db import Database
from storage.models import User
from tests import factories
from tests.alert_helpers import attempted, drive, outbox_rows, raise_alert, sent, workers
from tests.conftest import backend

WANG, LI = 201, 202
MOTHER = 301


async def world(harness: BotHarness) -> None:
    """Xingfu community with two staff members and a mother at 38 weeks."""
    db = harness.runtime.db
    await factories.community(db, "C001")
    await factories.staff(db, WANG, ["C001"], display_name="Wang")
    await factories.staff(db, LI, ["C001"], display_name="Li")
    await factories.mother(db, MOTHER, week=38, display_name="Xiaomei")


def alerts_to(harness: BotHarness, chat_id: int) -> list[str]:
    return [t for t in sent(harness, chat_id) if "#" in t]


async def test_an_alert_reaches_both_staff_members_once_each(harness: BotHarness) -> None:
    await world(harness)
    alert = await raise_alert(harness.runtime, MOTHER)
    # Queueing wakes the worker: no clock movement, no explicit call.
    for chat in (WANG, LI):
        call = await harness.telegram.wait_for(
            lambda c, chat=chat: c.method == "sendMessage" and c.chat_id == chat
        )
        assert f"#{alert.id}" in call.text and "Xiaomei" in call.text
        assert [b["callback_data"] for b in call.inline_buttons] == [
            f"al:ack:{alert.id}",
            f"al:contacted:{alert.id}",
            f"al:note:{alert.id}",
            f"al:esc:{alert.id}",
        ]
    await drive(harness, lambda: True)
    assert len(alerts_to(harness, WANG)) == len(alerts_to(harness, LI)) == 1
    rows = await outbox_rows(harness.runtime, alert_id=alert.id)
    assert {(r.chat_id, r.status) for r in rows} == {(WANG, "sent"), (LI, "sent")}
    assert all(r.message_id and r.sent_at == harness.clock.now() for r in rows)
    assert all(r.leased_by is None and r.leased_until is None for r in rows)


FAILURES = {
    "server error twice": dict(status=500, times=2),
    "bad gateway": dict(status=502),
    "429 retry_after": dict(status=429, retry_after=1),
    "dropped connection": dict(disconnect=True, times=2),
    "timeout": dict(delay=1.5),
}


@pytest.mark.parametrize("failure", FAILURES.values(), ids=FAILURES.keys())
async def test_telegram_failures_delay_an_alert_but_never_lose_or_repeat_it(
    harness: BotHarness, failure: dict[str, object]
) -> None:
    await world(harness)
    for worker in workers(harness):
        worker.send_timeout = 0.5  # the "timeout" case answers after 1.5 s
    harness.telegram.fail("sendMessage", chat_id=WANG, **failure)  # type: ignore[arg-type]
    alert = await raise_alert(harness.runtime, MOTHER)
    await drive(harness, lambda: len(alerts_to(harness, WANG)) == 1)
    await drive(harness, lambda: True)  # and nothing more arrives afterwards
    assert len(alerts_to(harness, WANG)) == len(alerts_to(harness, LI)) == 1
    refused = [c for c in harness.telegram.calls if c.chat_id == WANG and not c.ok]
    assert len(refused) == failure.get("times", 1)
    [row] = await outbox_rows(harness.runtime, alert_id=alert.id, chat_id=WANG)
    assert row.status == "sent" and row.attempts >= 2


async def test_a_429_is_waited_out_exactly_as_long_as_telegram_asks(harness: BotHarness) -> None:
    await world(harness)
    harness.telegram.fail("sendMessage", chat_id=WANG, status=429, retry_after=1)
    await raise_alert(harness.runtime, MOTHER)
    done = await harness.telegram.wait_for(
        lambda c: c.method == "sendMessage" and c.chat_id == WANG
    )
    refused = next(c for c in harness.telegram.calls if c.chat_id == WANG and c.status == 429)
    assert done.at - refused.at >= 1.0
    # Li's chat was not held up by Wang's limit.
    li = next(c for c in harness.telegram.calls if c.ok and c.chat_id == LI)
    assert li.at < done.at


async def test_an_alert_survives_a_restart_in_the_middle_of_failures(harness: BotHarness) -> None:
    await world(harness)
    harness.telegram.fail("sendMessage", chat_id=WANG, status=500, times=3)
    alert = await raise_alert(harness.runtime, MOTHER)
    await attempted(harness, lambda c: c.chat_id == WANG and c.status == 500)
    await harness.restart()
    await drive(harness, lambda: len(alerts_to(harness, WANG)) == 1)
    await harness.restart()
    await drive(harness, lambda: True)
    assert len(alerts_to(harness, WANG)) == len(alerts_to(harness, LI)) == 1
    rows = await outbox_rows(harness.runtime, alert_id=alert.id)
    assert [r.status for r in rows] == ["sent", "sent"]


async def test_a_restart_while_a_send_hangs_neither_loses_nor_repeats(harness: BotHarness) -> None:
    await world(harness)
    harness.telegram.fail("sendMessage", chat_id=WANG, status=500, delay=1.0)
    await raise_alert(harness.runtime, MOTHER)
    await attempted(harness, lambda c: c.chat_id == WANG and c.status == 500)
    await harness.restart()  # the stop waits for the hanging call, then hands the row back
    await drive(harness, lambda: len(alerts_to(harness, WANG)) == 1)
    await drive(harness, lambda: True)
    assert len(alerts_to(harness, WANG)) == 1


async def test_rows_leased_by_a_dead_worker_are_sent_once_its_lease_expires(
    harness: BotHarness,
) -> None:
    await world(harness)
    for worker in workers(harness):
        await worker.stop()
    alert = await raise_alert(harness.runtime, MOTHER)
    async with harness.runtime.db.session() as session:  # a worker claims, then dies
        claimed = await store.claim_due(
            session,
            token="crashed-worker/1",
            now=harness.clock.now(),
            lease=timedelta(seconds=30),
            limit=10,
        )
    assert len(claimed) == 2
    survivor = DeliveryWorker(harness.runtime, harness.application.bot)
    assert await survivor.run_once() == 0  # still leased: not touched
    harness.clock.advance(seconds=31)
    assert await survivor.run_once() == 2
    assert len(alerts_to(harness, WANG)) == len(alerts_to(harness, LI)) == 1
    rows = await outbox_rows(harness.runtime, alert_id=alert.id)
    assert {r.status for r in rows} == {"sent"}


async def test_a_person_who_blocked_the_bot_is_marked_inactive_and_not_retried(
    harness: BotHarness,
) -> None:
    await world(harness)
    async with harness.runtime.db.session() as session:
        session.add(User(id=WANG, chat_id=WANG, created_at=harness.clock.now()))
    harness.telegram.fail("sendMessage", chat_id=WANG, status=403, times=5)
    alert = await raise_alert(harness.runtime, MOTHER)
    await drive(harness, lambda: len(alerts_to(harness, LI)) == 1)
    [row] = await outbox_rows(harness.runtime, alert_id=alert.id, chat_id=WANG)
    assert row.status == "blocked" and "403" in (row.last_error or "")
    async with harness.runtime.db.session() as session:
        wang = await session.get(User, WANG)
    assert wang is not None and wang.active is False
    harness.clock.advance(hours=1)
    await drive(harness, lambda: True)
    assert len([c for c in harness.telegram.calls if c.chat_id == WANG]) == 1


async def test_a_message_telegram_refuses_is_failed_with_the_reason(harness: BotHarness) -> None:
    await world(harness)
    harness.telegram.fail(
        "sendMessage", chat_id=WANG, status=400, description="Bad Request: can't parse entities"
    )
    alert = await raise_alert(harness.runtime, MOTHER)
    await drive(harness, lambda: len(alerts_to(harness, LI)) == 1)
    harness.clock.advance(hours=1)
    await drive(harness, lambda: True)
    [row] = await outbox_rows(harness.runtime, alert_id=alert.id, chat_id=WANG)
    assert row.status == "failed" and "can't parse entities" in (row.last_error or "").lower()
    assert alerts_to(harness, WANG) == []


async def test_queueing_wakes_a_worker_that_would_otherwise_sleep_an_hour(
    harness: BotHarness,
) -> None:
    await world(harness)
    for worker in workers(harness):
        await worker.stop()
    sleepy = DeliveryWorker(harness.runtime, harness.application.bot, poll_interval=3600)
    await sleepy.start()
    try:
        await sleepy.drain()  # the first pass is over; the next would be in an hour
        await raise_alert(harness.runtime, MOTHER)
        await harness.telegram.wait_for(lambda c: c.chat_id == LI and c.method == "sendMessage")
    finally:
        await sleepy.stop()


async def test_an_alert_queued_while_the_worker_sleeps_goes_out_before_its_jobs_run(
    harness: BotHarness,
) -> None:
    """A commit that queues an alert wakes the worker, which claims and sends before
    its periodic jobs (escalation, follow-ups, broadcast progress): under load those
    take a while, and the alert must not wait behind them. The job here can only
    finish once the alert has arrived, so a worker running its jobs first never sends."""
    await world(harness)
    for worker in workers(harness):
        await worker.stop()
    sleepy = DeliveryWorker(harness.runtime, harness.application.bot, poll_interval=3600)
    armed, alert_arrived = asyncio.Event(), asyncio.Event()
    job_runs: list[bool] = []

    async def job() -> None:
        if armed.is_set():  # the passes before the alert have nothing to wait for
            await asyncio.wait_for(alert_arrived.wait(), 10)
            job_runs.append(alert_arrived.is_set())

    sleepy.jobs.append(job)
    await sleepy.start()
    try:
        await sleepy.drain()  # the first pass is over; the next would be in an hour
        armed.set()
        await raise_alert(harness.runtime, MOTHER)
        await harness.telegram.wait_for(lambda c: c.chat_id == LI and c.method == "sendMessage")
        alert_arrived.set()
        await sleepy.drain()
    finally:
        await sleepy.stop()
    assert job_runs and all(job_runs)  # the jobs still ran in that pass, after the alert


async def test_two_webhook_workers_on_one_database_send_each_message_exactly_once(
    settings: Settings, clock: ManualClock
) -> None:
    async with BotHarness(settings, clock=clock, workers=2, webhook=True) as harness:
        for worker in workers(harness):
            # Small claims, and few rows claimed ahead (a worker keeps twice its sends in
            # flight claimed), so neither can take all sixty before the other's first claim.
            worker.batch_size = 4
            worker.concurrency = 2
        chats = range(1001, 1031)
        # Queued through an engine of its own: a commit on a worker's engine would wake that
        # worker alone, and its head start could be the whole outbox. Both start together.
        writer = Database(settings.database_url)
        try:
            async with writer.session() as session:
                for chat in chats:
                    for n in (1, 2):
                        await enqueue(
                            session,
                            chat_id=chat,
                            text=f"notice {n} for {chat}",
                            dedupe_key=f"test:{chat}:{n}",
                            kind="notice",
                            now=clock.now(),
                        )
        finally:
            await writer.dispose()
        for worker in workers(harness):
            worker.notify()
        await asyncio.gather(
            *(
                harness.telegram.wait_for(
                    lambda c, chat=chat: c.ok and c.text == f"notice 2 for {chat}", timeout=30
                )
                for chat in chats
            )
        )
        await drive(harness, lambda: True)
        texts = [c.text for c in harness.telegram.calls if c.ok and c.method == "sendMessage"]
        assert sorted(texts) == sorted(f"notice {n} for {c}" for c in chats for n in (1, 2))
        # Each chat got its two messages in order.
        for chat in chats:
            assert sent(harness, chat) == [f"notice 1 for {chat}", f"notice 2 for {chat}"]
        rows = await outbox_rows(harness.runtime, kind="notice")
        assert {r.status for r in rows} == {"sent"} and len(rows) == 60
        if backend() == "postgresql":
            # Both took part. On SQLite (one process in production) the two engines'
            # writers meet in SQLite's busy handler, where one can lose every race for
            # the lock until the other has sent everything: exactly once still holds.
            assert all(w.stats["sent"] > 0 for w in workers(harness))
        assert sum(w.stats["sent"] for w in workers(harness)) == 60


async def test_a_reply_that_hits_a_block_marks_the_person_inactive_until_they_return(
    harness: BotHarness,
) -> None:
    parent = harness.user(108, language_code="en")
    await parent.send("/help")
    harness.telegram.fail("sendMessage", chat_id=108, status=403)
    await parent.send("/help")
    async with harness.runtime.db.session() as session:
        user = await session.get(User, 108, populate_existing=True)
    assert user is not None and user.active is False
    await parent.send("/help")  # writing again means they unblocked us
    async with harness.runtime.db.session() as session:
        user = await session.get(User, 108, populate_existing=True)
    assert user is not None and user.active is True
