"""A broadcast end to end: queued in one transaction, delivered exactly once through 429s,
403s and 500s under both of Telegram's limits, held in quiet hours, cancellable."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, func, select

from bot.broadcasts import progress, service
from bot.broadcasts.segments import Segment
from bot.clock import ManualClock
from bot.config import Settings
from bot.devtools import population
from bot.devtools.fake_limits import arrivals_of_calls, pacing
from bot.i18n import Catalogs
from bot.runtime import Runtime
from storage.db import Database
from storage.models import Broadcast, Dialog, Outbox, User
from tests.delivery_world import sending

ADMIN, SECOND = 9000, 9001
TEXTS = {"zh_Hans": "<b>高温预警</b>：请多喝水。", "en": "<b>Heat warning</b>: drink water."}


async def wait_until_done(runtime: Runtime, broadcast_id: int, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while (await progress.progress_of(runtime, broadcast_id)).pending:
        assert time.monotonic() < deadline, await progress.progress_of(runtime, broadcast_id)
        await asyncio.sleep(0.25)


async def test_2000_recipients_each_get_it_exactly_once_through_429_403_and_500(
    settings: Settings,
) -> None:
    rate = 200.0
    async with sending(settings, send_rate_per_second=rate) as (runtime, fake, [worker]):
        worker.filters.append(service.hold_filter(runtime))
        now = runtime.clock.now()
        seeded = await population.seed(runtime.db, 2000, now, now.date())
        eligible = [p for p in seeded if p.reachable]
        blocked = {p.chat_id for p in eligible[5::97]}
        flaky = {p.chat_id for p in eligible[11::89]} - blocked
        limited = {p.chat_id for p in eligible[17::83]} - blocked - flaky
        for chat in blocked:
            fake.fail("sendMessage", chat_id=chat, status=403)
        for chat in flaky:
            fake.fail("sendMessage", chat_id=chat, status=500, times=2)
        for chat in limited:
            fake.fail("sendMessage", chat_id=chat, status=429, retry_after=1)
        request = service.Request(ADMIN, TEXTS, Segment(), urgent=True)
        draft, chosen = await service.create(runtime, request)
        assert draft.status == service.DRAFT  # above BROADCAST_SECOND_ADMIN_ABOVE (1,000)
        with pytest.raises(service.BroadcastError):
            await service.confirm(runtime, draft.id or 0, ADMIN)  # not the same admin
        broadcast = await service.confirm(runtime, draft.id or 0, SECOND)
        assert broadcast.id is not None and broadcast.recipients == len(eligible)
        await wait_until_done(runtime, broadcast.id, timeout=120)
        final = await progress.progress_of(runtime, broadcast.id)
        calls = list(fake.calls)
        async with runtime.db.session() as session:
            inactive = set(
                (await session.exec(select(User.id).where(col(User.active).is_(False)))).all()
            )

    delivered = Counter(c.chat_id for c in calls if c.ok and c.method == "sendMessage")
    should = {p.chat_id for p in eligible} - blocked
    assert set(delivered) == should and set(delivered.values()) == {1}  # exactly once each
    by_chat = {p.chat_id: p for p in seeded}
    for call in calls:
        if call.ok and call.method == "sendMessage":
            assert call.text == TEXTS[by_chat[call.chat_id or 0].locale]
    assert (final.sent, final.blocked, final.failed) == (len(should), len(blocked), 0)
    assert blocked <= inactive
    seen = pacing(arrivals_of_calls(calls))
    assert seen.problems(rate=rate, chat_gap=settings.send_per_chat_interval) == []
    assert len(chosen.recipients) == len(eligible)


async def test_one_transaction_queues_the_broadcast_and_every_recipient(
    settings: Settings, db: Database, clock: ManualClock
) -> None:
    runtime = Runtime(settings, db, Catalogs(settings.default_locale), clock)
    await population.seed(db, 60, clock.now(), clock.now().date())
    broadcast, chosen = await service.create(
        runtime, service.Request(ADMIN, TEXTS, Segment(parents=True))
    )
    async with db.session() as session:
        rows = (
            await session.exec(select(Outbox).where(col(Outbox.broadcast_id) == broadcast.id))
        ).all()
    assert broadcast.status == service.QUEUED
    assert len(rows) == broadcast.recipients == len(chosen.recipients) == 12
    assert {r.priority for r in rows} == {2} and {r.kind for r in rows} == {"broadcast"}
    assert len({r.chat_id for r in rows}) == len(rows)


async def test_quiet_hours_hold_a_non_urgent_broadcast_and_not_an_urgent_one(
    settings: Settings, db: Database
) -> None:
    night = ManualClock(datetime(2026, 11, 30, 14, 30, tzinfo=UTC))  # 22:30 in Shanghai
    runtime = Runtime(settings, db, Catalogs(settings.default_locale), night)
    await population.seed(db, 10, night.now(), night.now().date())
    held, _ = await service.create(runtime, service.Request(ADMIN, TEXTS, Segment()))
    urgent, _ = await service.create(runtime, service.Request(ADMIN, TEXTS, Segment(), True))
    assert held.send_at == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
    assert urgent.send_at == night.now()
    async with db.session() as session:
        starts = (
            await session.exec(
                select(func.min(Outbox.next_attempt_at)).where(Outbox.broadcast_id == held.id)
            )
        ).one()
    assert starts == held.send_at


async def test_bad_html_and_an_empty_segment_are_refused_before_anything_is_stored(
    settings: Settings, db: Database, clock: ManualClock
) -> None:
    runtime = Runtime(settings, db, Catalogs(settings.default_locale), clock)
    await population.seed(db, 10, clock.now(), clock.now().date())
    with pytest.raises(service.BroadcastError) as bad:
        await service.create(runtime, service.Request(ADMIN, {"en": "<b>unclosed"}, Segment()))
    assert bad.value.code == "bad_html"
    with pytest.raises(service.BroadcastError) as nobody:
        await service.create(
            runtime, service.Request(ADMIN, TEXTS, Segment(communities=("C999",)))
        )
    assert nobody.value.code == "nobody"
    async with db.session() as session:
        assert (await session.exec(select(func.count()).select_from(Broadcast))).one() == 0


async def test_a_cancelled_broadcast_stops_and_a_person_mid_conversation_waits(
    settings: Settings,
) -> None:
    async with sending(settings, send_rate_per_second=20.0) as (runtime, fake, [worker]):
        worker.filters.append(service.hold_filter(runtime))
        now = runtime.clock.now()
        seeded = await population.seed(runtime.db, 400, now, now.date())
        talking = next(p for p in seeded if p.reachable).chat_id
        async with runtime.db.session() as session:
            session.add(Dialog(user_id=talking, flow="report", step="symptoms", updated_at=now))
        broadcast, _ = await service.create(
            runtime, service.Request(ADMIN, TEXTS, Segment(communities=("C001",)), True)
        )
        assert broadcast.id is not None
        await fake.wait_for(lambda c: c.method == "sendMessage", timeout=10)
        await asyncio.sleep(1.0)
        dropped = await service.cancel(runtime, broadcast.id)
        await asyncio.sleep(2.0)  # whatever the worker had in hand is answered
        sent_then = len([c for c in fake.calls if c.method == "sendMessage"])
        await asyncio.sleep(1.5)
        state = await progress.progress_of(runtime, broadcast.id)
        sent_later = len([c for c in fake.calls if c.method == "sendMessage"])
    assert dropped > 100 and state.cancelled >= dropped
    assert sent_later == sent_then == state.sent  # nothing goes after a cancel settles
    assert talking not in {c.chat_id for c in fake.calls}
    assert state.pending == 0 or state.pending == 1  # only the held person can be left


def test_the_progress_text_shows_the_bar_and_figures(settings: Settings) -> None:
    tr = Catalogs("en").get("en")
    state = progress.figures(
        7,
        {"sent": 50, "pending": 40, "failed": 5, "blocked": 5},
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=2),
    )
    text = progress.render(state, tr)
    assert "#7" in text and "60%" in text and "25/s" in text
    assert "Sent 50" in text and "pending 40" in text
    assert progress.bar(0.5, 10) == "█████░░░░░"


async def test_two_workers_on_postgresql_share_a_broadcast_without_a_duplicate(
    settings: Settings,
) -> None:
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("several workers share PostgreSQL; SQLite is for one process")
    rate = 100.0  # each worker's share of the bot's limit
    async with sending(settings, workers=2, send_rate_per_second=rate) as (runtime, fake, two):
        for worker in two:
            worker.filters.append(service.hold_filter(runtime))
        now = runtime.clock.now()
        seeded = await population.seed(runtime.db, 2000, now, now.date())
        request = service.Request(ADMIN, TEXTS, Segment(), urgent=True)
        staged, _ = await service.stage(runtime, request)
        assert staged.id is not None
        await service.release(runtime, staged.id, ADMIN)
        await service.confirm(runtime, staged.id, SECOND)
        await wait_until_done(runtime, staged.id, timeout=120)
        calls = list(fake.calls)
        shares = [w.stats["sent"] for w in two]
    delivered = Counter(c.chat_id for c in calls if c.ok and c.method == "sendMessage")
    assert set(delivered) == {p.chat_id for p in seeded if p.reachable}
    assert set(delivered.values()) == {1}
    assert min(shares) > 0.2 * sum(shares)  # both really took part
