"""Build alerts the way a report does (report, alert and outbox rows in one transaction),
without going through the /report conversation, and drive the delivery workers.

Shared by the delivery, escalation, alert-button and staff-tool tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from sqlmodel import col, select

from bot import alerts
from bot.delivery import DeliveryWorker
from bot.devtools.fake_telegram import ApiCall
from bot.devtools.harness import BotHarness
from bot.outbox import enqueue
from bot.reports import local_day, triage_rules
from bot.runtime import Runtime
from storage.models import Alert, Outbox, Report, User

LEVEL_REASONS = {
    "emergency": ["pregnancy.bleeding"],
    "see_doctor_today": ["pregnancy.fever"],
    "priority_follow_up": [],
}


async def raise_alert(
    runtime: Runtime,
    user_id: int,
    *,
    community: str | None = "C001",
    level: str = "emergency",
    escalate_after: timedelta | None = None,
    subject: str = "pregnancy",
) -> Alert:
    """A stored report that needs staff, its alert, and one queued copy per recipient."""
    settings = runtime.settings
    now = runtime.clock.now()
    if escalate_after is None:
        minutes = (
            settings.escalate_emergency_minutes
            if level == "emergency"
            else settings.escalate_priority_minutes
        )
        escalate_after = timedelta(minutes=minutes)
    async with runtime.db.session() as session:
        report = Report(
            user_id=user_id,
            subject=subject,
            data={"symptoms": ["bleeding"] if level == "emergency" else []},
            level=level,
            reasons=LEVEL_REASONS.get(level, []),
            created_at=now,
        )
        session.add(report)
        await session.flush()
        assert report.id is not None
        alert = Alert(
            report_id=report.id,
            user_id=user_id,
            community_code=community,
            level=level,
            escalate_at=now + escalate_after,
            created_at=now,
        )
        session.add(alert)
        await session.flush()
        assert alert.id is not None
        for chat_id in await alerts.alert_recipients(session, community, settings):
            tr = runtime.catalogs.get(await alerts.recipient_locale(session, chat_id, settings))
            text = await alerts.alert_text(
                session,
                alert,
                tr,
                rules=triage_rules(),
                settings=settings,
                today=local_day(now, settings),
            )
            await enqueue(
                session,
                chat_id=chat_id,
                text=text,
                dedupe_key=f"alert:{alert.id}:{chat_id}",
                kind="alert",
                now=now,
                reply_markup=alerts.alert_keyboard(alert.id, tr),
                alert_id=alert.id,
            )
    return alert


async def reads_english(runtime: Runtime, *user_ids: int) -> None:
    """Staff who chose English: their alert copies are rendered in English."""
    async with runtime.db.session() as session:
        for user_id in user_ids:
            user = await session.get(User, user_id)
            if user is None:
                user = User(id=user_id, chat_id=user_id, created_at=runtime.clock.now())
            user.locale = "en"
            session.add(user)


def workers(harness: BotHarness) -> list[DeliveryWorker]:
    return [service.delivery for service in harness.services]


async def drain(harness: BotHarness) -> None:
    """Every worker finishes a whole pass: whatever is due now has been handled."""
    for worker in workers(harness):
        await worker.drain()


async def drive(
    harness: BotHarness, done: Callable[[], bool], *, step: float = 20.0, rounds: int = 30
) -> None:
    """Move the clock past backoffs, a step at a time, until `done()`.

    Each step waits for the workers to be idle first, so the clock never jumps
    over a lease while a send is in flight (the real clock cannot do that either).
    """
    await drain(harness)
    for _ in range(rounds):
        if done():
            return
        harness.clock.advance(seconds=step)  # type: ignore[attr-defined]
        await drain(harness)
    assert done(), "not delivered after moving the clock"


async def attempted(
    harness: BotHarness, predicate: Callable[[ApiCall], bool], timeout: float = 10.0
) -> ApiCall:
    """Wait for a call the bot made, failed or not (FakeTelegram.wait_for sees successes only)."""
    telegram = harness.telegram
    changed = telegram._changed  # the fake's own "a call was recorded" condition
    async with asyncio.timeout(timeout), changed:
        while True:
            for call in telegram.calls:
                if predicate(call):
                    return call
            await changed.wait()


def sent(harness: BotHarness, chat_id: int, method: str = "sendMessage") -> list[str]:
    """Texts that reached a chat (successful calls only)."""
    return [
        c.text
        for c in harness.telegram.calls
        if c.ok and c.method == method and c.chat_id == chat_id
    ]


async def outbox_rows(runtime: Runtime, **where: object) -> list[Outbox]:
    async with runtime.db.session() as session:
        query = select(Outbox).order_by(col(Outbox.id))
        for field, value in where.items():
            query = query.where(getattr(Outbox, field) == value)
        rows = await session.exec(query)
        return list(rows.all())
