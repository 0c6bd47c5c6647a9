"""The follow-up runner on a real database: each occurrence once, the ladder, tasks, digest.

Runs on SQLite and, with MCH_TEST_DATABASE_URL, on PostgreSQL (two workers there).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.clock import ManualClock
from bot.config import Settings
from bot.followup import runner
from bot.followup.tasks import close_task, open_tasks
from bot.runtime import Runtime
from storage.models import FollowupItem, FollowupTask, Outbox, Profile
from tests import factories
from tests.factories import T0


@pytest.fixture
async def runtime(settings: Settings, clock: ManualClock) -> AsyncIterator[Runtime]:
    opened = await Runtime.open(settings, clock=clock)
    yield opened
    await opened.close()


async def kinds(runtime: Runtime, chat_id: int) -> list[str]:
    async with runtime.db.session() as session:
        rows = await session.exec(
            select(Outbox.kind).where(Outbox.chat_id == chat_id).order_by(col(Outbox.id))
        )
        return list(rows.all())


async def world(runtime: Runtime) -> None:
    db = runtime.db
    await factories.community(db)
    await factories.staff(db, 1001, ["C001"])
    await factories.mother(db, 2001, week=30, risk_colour="red")  # priority
    await factories.mother(db, 2002, week=20, risk_colour="green")  # routine
    await factories.parent(db, 2003, [factories.TODAY - timedelta(days=400)])


async def test_a_scan_sends_each_due_item_once(runtime: Runtime, clock: ManualClock) -> None:
    await world(runtime)
    first = await runner.scan(runtime, clock.now())
    assert first["people"] == 3
    assert await kinds(runtime, 2001) == ["followup_stage", "followup_checkin"]
    # Routine on Monday: her stage, and one question: the second-trimester mood check
    # comes first; her weekly check-in waits for tomorrow (one question a day).
    assert await kinds(runtime, 2002) == ["followup_stage", "followup_dialog"]
    clock.set(T0 + timedelta(days=1))
    await runner.scan(runtime, clock.now())
    assert (await kinds(runtime, 2002))[2:] == ["followup_checkin"]
    assert sorted(await kinds(runtime, 2003)) == ["followup_checkin", "followup_stage"]
    again = await runner.scan(runtime, clock.now() + timedelta(minutes=5))
    assert not any(k.startswith("sent_") for k in again)
    # Nothing twice; and her unanswered check-in (its ladder) stands in for Tuesday's.
    assert len(await kinds(runtime, 2001)) == 2


async def test_nothing_during_quiet_hours_then_at_their_end(
    runtime: Runtime, clock: ManualClock
) -> None:
    await world(runtime)
    clock.set(T0 - timedelta(hours=3))  # 07:00 local: quiet until 08:00
    counts = await runner.scan(runtime, clock.now())
    assert counts["held"] > 0
    assert await kinds(runtime, 2003) == []
    clock.set(T0 - timedelta(hours=2))  # 08:00: the stage messages, not yet the 10:00 check-in
    await runner.scan(runtime, clock.now())
    assert await kinds(runtime, 2003) == ["followup_stage"]


async def test_the_ladder_nudges_reasks_then_opens_one_task_and_one_digest(
    runtime: Runtime, clock: ManualClock
) -> None:
    await world(runtime)
    job = runner.FollowupJob(runtime)
    await job()
    for hours in (4, 24, 30):
        clock.set(T0 + timedelta(hours=hours))
        await job()
    assert await kinds(runtime, 2001) == [
        "followup_stage",
        "followup_checkin",
        "followup_nudge",
        "followup_reask",
    ]
    # The routine mother's silence only lapses.
    assert "followup_nudge" not in await kinds(runtime, 2002)
    async with runtime.db.session() as session:
        tasks = await open_tasks(session, ["C001"])
    assert [(t.user_id, t.urgency, t.reason) for t in tasks] == [(2001, "priority", "no_answer")]
    assert await kinds(runtime, 1001) == []
    clock.set(T0 + timedelta(days=1, hours=23))  # Wednesday 09:00 local: the digest
    await job()
    await job()
    assert await kinds(runtime, 1001) == ["followup_digest"]
    # Tuesday's daily check-in was replaced by the re-ask; Wednesday's goes out at 10:00.
    clock.set(T0 + timedelta(days=2))
    await job()
    assert (await kinds(runtime, 2001)).count("followup_checkin") == 2
    async with runtime.db.session() as session:
        closed = await close_task(session, tasks[0].id or 0, "reached", 1001, ["C001"], T0)
        assert closed is not None and closed.outcome == "reached"
        assert await open_tasks(session, ["C001"]) == []
        again = await close_task(session, tasks[0].id or 0, "referred", 1001, ["C001"], T0)
        assert again is None


async def test_a_report_answers_the_checkin_and_stops_the_ladder(
    runtime: Runtime, clock: ManualClock
) -> None:
    from bot import reports

    await world(runtime)
    job = runner.FollowupJob(runtime)
    await job()
    clock.set(T0 + timedelta(hours=1))
    async with runtime.db.session() as session:
        await reports.submit(
            session, 2001, "pregnancy", {"symptoms": []}, clock.now(), runtime.settings
        )
    clock.set(T0 + timedelta(hours=4))
    await job()
    assert "followup_nudge" not in await kinds(runtime, 2001)
    async with runtime.db.session() as session:
        item = (
            await session.exec(
                select(FollowupItem).where(
                    FollowupItem.user_id == 2001, FollowupItem.action == "checkin"
                )
            )
        ).one()
    assert item.status == "answered"


async def test_stop_cancels_what_is_still_to_come(runtime: Runtime, clock: ManualClock) -> None:
    await world(runtime)
    job = runner.FollowupJob(runtime)
    await job()
    async with runtime.db.session() as session:
        profile = await session.get(Profile, 2001)
        assert profile is not None
        profile.paused = True
        session.add(profile)
    for hours in (4, 24, 30, 48):
        clock.set(T0 + timedelta(hours=hours))
        await job()
    assert await kinds(runtime, 2001) == ["followup_stage", "followup_checkin"]
    async with runtime.db.session() as session:
        assert (await session.exec(select(FollowupTask))).all() == []


async def test_after_30_hours_down_each_missed_item_goes_once(
    runtime: Runtime, clock: ManualClock
) -> None:
    await world(runtime)
    clock.set(T0 - timedelta(hours=4))  # Monday 06:00 local (quiet), then down for 30 hours
    await runner.FollowupJob(runtime)()
    assert await kinds(runtime, 2001) == []
    clock.set(T0 + timedelta(hours=26))  # Tuesday 12:00 local
    restarted = runner.FollowupJob(runtime)
    await restarted()
    await restarted()
    # Monday's check-in is stale for the daily priority mother; Tuesday's goes once.
    async with runtime.db.session() as session:
        keys = (
            await session.exec(select(FollowupItem.key).where(FollowupItem.user_id == 2001))
        ).all()
    checkins = sorted(k for k in keys if k.startswith("checkin:"))
    assert checkins == ["checkin:2026-12-01"]
    assert await kinds(runtime, 2001) == ["followup_stage", "followup_checkin"]
    # The routine mother's mood check is still inside its window: sent once, late.
    assert (await kinds(runtime, 2002)).count("followup_dialog") == 1


async def test_two_workers_send_each_due_item_exactly_once(
    settings: Settings, clock: ManualClock
) -> None:
    first = await Runtime.open(settings, clock=clock)
    second = await Runtime.open(settings, clock=clock)
    try:
        await world(first)
        for n in range(40):
            await factories.mother(first.db, 3000 + n, week=38)
        await asyncio.gather(
            runner.scan(first, clock.now(), batch=7), runner.scan(second, clock.now(), batch=5)
        )
        async with first.db.session() as session:
            rows = (await session.exec(select(Outbox.dedupe_key, Outbox.chat_id))).all()
            items = (await session.exec(select(FollowupItem.user_id, FollowupItem.key))).all()
        assert len(items) == len(set(items))
        assert len(rows) == len(items)
        per_chat = {chat for _, chat in rows}
        assert {3000 + n for n in range(40)} <= per_chat
    finally:
        await first.close()
        await second.close()


async def test_stop_and_a_loss_withdraw_what_is_queued_at_once(
    runtime: Runtime, clock: ManualClock
) -> None:
    from bot import profiles

    await world(runtime)
    await runner.scan(runtime, clock.now())
    assert await kinds(runtime, 2001) and await kinds(runtime, 2002)
    async with runtime.db.session() as session:
        await profiles.set_paused(session, 2001, True, clock.now())
        loss = await session.get(Profile, 2002)
        assert loss is not None
        await profiles.update_profile(
            session, loss, {"pregnant": False, "pregnancy_outcome": "loss"}, 2002, clock.now()
        )
    assert await kinds(runtime, 2001) == []
    assert await kinds(runtime, 2002) == []
    assert len(await kinds(runtime, 2003)) == 2  # nobody else's
    async with runtime.db.session() as session:
        statuses = (
            await session.exec(select(FollowupItem.status).where(FollowupItem.user_id == 2001))
        ).all()
    assert set(statuses) == {"cancelled_stop"}  # withdrawn before it went: says why
    clock.set(T0 + timedelta(days=1))
    await runner.scan(runtime, clock.now())
    assert await kinds(runtime, 2001) == []
    assert await kinds(runtime, 2002) == []  # no pregnancy content after a loss, no check-in


async def test_scheduler_lag_is_measured_when_an_item_is_queued(
    runtime: Runtime, clock: ManualClock
) -> None:
    from bot.observability import metrics

    def lag(action: str, what: str = "sum") -> float:
        value = metrics.REGISTRY.get_sample_value(
            f"mch_followup_lag_seconds_{what}", {"action": action}
        )
        return value or 0.0

    await world(runtime)
    before, count = lag("checkin"), lag("checkin", "count")
    clock.set(T0 + timedelta(hours=2))  # 12:00: the 10:00 check-ins go two hours late
    await runner.scan(runtime, clock.now())
    assert lag("checkin", "count") - count == 2  # the red mother and the parent
    assert lag("checkin") - before == pytest.approx(2 * 7200)
    text = (await metrics.render(runtime)).decode()
    assert 'mch_followup_lag_seconds_bucket{action="checkin",le="10800.0"}' in text
