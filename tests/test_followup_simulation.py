"""Sixty days of follow-up for 52 people, with a clock moved hour by hour.

The mix the issue asks for: priority mothers who answer, routine mothers and parents,
quiet hours, /stop, a pregnancy loss, a conversation in progress, a crossing of 37
weeks, a late joiner at 30 weeks, the post-due-date switch to parent, and a mother who
never answers. Each archetype's messages and tasks are asserted with their times.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from bot import dialogs, profiles
from bot.clock import ManualClock
from bot.config import Settings
from bot.dialogs import DialogState
from bot.domain.stages import stage_candidates
from bot.followup import runner
from bot.runtime import Runtime
from storage.models import Child, FollowupItem, FollowupTask, Outbox, Profile
from tests import factories
from tests.factories import T0, TODAY

ZONE = ZoneInfo("Asia/Shanghai")
DAYS = 60
ANSWERERS = range(2100, 2110)  # red, answer every check-in within the hour
ROUTINE = range(2200, 2210)  # green, weeks 10..28
PARENTS = range(2300, 2305)
FILLERS = range(2400, 2420)
SILENT, STOPPER, LOSS, CROSSER, LATE, POSTDUE, TALKER = 2500, 2501, 2502, 2503, 2504, 2505, 2506
STAFF = 1001
STOP_AT = T0 + timedelta(days=10, hours=2)  # day 10, 12:00 local
LOSS_AT = T0 + timedelta(days=20, hours=3)
LATE_JOINS = T0 + timedelta(days=15, hours=5)  # day 15, 15:00 local
BIRTH_ANSWER = T0 + timedelta(days=25, hours=1)  # day 25, 11:00 local
TALK_FROM, TALK_UNTIL = T0 + timedelta(days=3, hours=-1), T0 + timedelta(days=3, hours=5)


def local(moment: datetime) -> datetime:
    return moment.astimezone(ZONE)


def day_of(moment: datetime) -> int:
    return (local(moment).date() - TODAY).days


@pytest.fixture
async def runtime(settings: Settings, clock: ManualClock) -> AsyncIterator[Runtime]:
    opened = await Runtime.open(settings, clock=clock)
    yield opened
    await opened.close()


async def populate(runtime: Runtime) -> None:
    db = runtime.db
    await factories.community(db)
    await factories.staff(db, STAFF, ["C001"])
    for n, user in enumerate(ANSWERERS):
        await factories.mother(db, user, week=20 + n, risk_colour="red")
    for n, user in enumerate(ROUTINE):
        await factories.mother(db, user, week=10 + 2 * n, risk_colour="green")
    for n, user in enumerate(PARENTS):
        await factories.parent(db, user, [TODAY - timedelta(days=40 + 200 * n)])
    for n, user in enumerate(FILLERS):
        colour = ("green", "yellow", "orange", None)[n % 4]
        await factories.mother(db, user, week=6 + n, risk_colour=colour)
    await factories.mother(db, SILENT, week=30, risk_colour="red")
    await factories.mother(db, STOPPER, week=25, risk_colour="green")
    await factories.mother(db, LOSS, week=12, risk_colour="green")
    # 36+2 on day 0: 37+0 on day 5 (a Saturday).
    await factories.mother(db, CROSSER, week=36, risk_colour="green")
    async with db.session() as session:
        crosser = await session.get(Profile, CROSSER)
        assert crosser is not None
        crosser.due_date = TODAY + timedelta(days=280 - 36 * 7 - 2)
        session.add(crosser)
    await factories.mother(db, POSTDUE, week=39, risk_colour="green")  # due on day 7
    await factories.mother(db, TALKER, week=38)


async def events(runtime: Runtime, now: datetime) -> None:
    """What people do at given moments: answer, stop, lose, join, give birth, chat."""
    db = runtime.db
    async with db.session() as session:
        # The delivery worker's part, in short: what was queued an hour ago has gone out.
        await session.exec(  # type: ignore[call-overload]
            update(Outbox)
            .where(col(Outbox.status) == "pending", col(Outbox.next_attempt_at) < now)
            .values(status="sent", sent_at=now)
        )
        await session.exec(  # type: ignore[call-overload]
            update(FollowupItem)
            .where(
                col(FollowupItem.user_id).in_(list(ANSWERERS)),
                FollowupItem.status == "sent",
                col(FollowupItem.next_step_at).is_not(None),
                col(FollowupItem.sent_at) <= now - timedelta(hours=1),
            )
            .values(status="answered", answered_at=now, next_step_at=None)
        )
        if now == STOP_AT:
            await profiles.set_paused(session, STOPPER, True, now)
        if now == LOSS_AT:
            profile = await session.get(Profile, LOSS)
            assert profile is not None
            await profiles.update_profile(
                session, profile, {"pregnant": False, "pregnancy_outcome": "loss"}, LOSS, now
            )
        if now == BIRTH_ANSWER:
            profile = await session.get(Profile, POSTDUE)
            assert profile is not None
            await profiles.update_profile(
                session,
                profile,
                {"pregnant": False, "pregnancy_outcome": "birth", "parent": True},
                POSTDUE,
                now,
            )
            session.add(Child(user_id=POSTDUE, birth_date=TODAY + timedelta(days=22)))
        if now == TALK_FROM:
            await dialogs.save(session, TALKER, DialogState("report", "p_sym", {}), now)
        if now == TALK_UNTIL:
            await dialogs.clear(session, TALKER)
    if now == LATE_JOINS:
        await factories.mother(db, LATE, week=30, today=local(now).date())
        async with db.session() as session:
            late = await session.get(Profile, LATE)
            assert late is not None
            late.onboarded_at = late.consent_at = now
            session.add(late)


async def simulate(runtime: Runtime, clock: ManualClock) -> None:
    job = runner.FollowupJob(runtime)
    clock.set(T0 - timedelta(hours=2))  # Monday 08:00 local
    end = T0 + timedelta(days=DAYS)
    while clock.now() < end:
        await events(runtime, clock.now())
        await job()
        clock.advance(hours=1)


async def received(runtime: Runtime) -> dict[int, list[tuple[datetime, str, str]]]:
    """Per chat: (when queued, outbox kind, follow-up key or '') in order."""
    found: dict[int, list[tuple[datetime, str, str]]] = defaultdict(list)
    async with runtime.db.session() as session:
        rows = (await session.exec(select(Outbox).order_by(col(Outbox.id)))).all()
        items = {i.id: i.key for i in (await session.exec(select(FollowupItem))).all()}
    for row in rows:
        item_id = int(row.dedupe_key.split(":")[1]) if row.dedupe_key[3:4].isdigit() else None
        found[row.chat_id].append((row.created_at, row.kind, items.get(item_id, "")))
    return found


async def test_sixty_days_of_follow_up(runtime: Runtime, clock: ManualClock) -> None:
    await populate(runtime)
    await simulate(runtime, clock)
    got = await received(runtime)
    async with runtime.db.session() as session:
        tasks = (await session.exec(select(FollowupTask).order_by(col(FollowupTask.id)))).all()
        items = (await session.exec(select(FollowupItem))).all()
    everyone = [*ANSWERERS, *ROUTINE, *PARENTS, *FILLERS]
    everyone += [SILENT, STOPPER, LOSS, CROSSER, LATE, POSTDUE, TALKER]
    assert len(everyone) >= 50

    # Rules of sending, for all: never in quiet hours, never one occurrence twice.
    for chat, messages in got.items():
        assert all(8 <= local(at).hour < 21 for at, _, _ in messages), chat
    keys = [(i.user_id, i.key) for i in items]
    assert len(keys) == len(set(keys))
    # At most one message with buttons a day per person (check-in or dialog).
    asks: dict[tuple[int, int], int] = defaultdict(int)
    for item in items:
        if item.action in ("checkin", "dialog"):
            asks[(item.user_id, day_of(item.sent_at))] += 1
    assert max(asks.values()) == 1

    # Priority mothers who answer: a check-in or a dialog every day at 10:00, nothing else.
    for user in ANSWERERS:
        days = sorted(day for (u, day), n in asks.items() if u == user)
        assert days == list(range(DAYS)), user
        kinds = {kind for _, kind, _ in got[user]}
        assert kinds <= {"followup_checkin", "followup_dialog", "followup_stage", "followup_topic"}
    assert not [t for t in tasks if t.user_id in ANSWERERS]

    # Routine: one check-in a week (Monday, or the day after a Monday's mood check).
    for user in (*ROUTINE, *PARENTS):
        checkins = sorted(
            (i for i in items if i.user_id == user and i.action == "checkin"),
            key=lambda i: i.sent_at,
        )
        weeks = [i.key for i in checkins]
        assert weeks == sorted(set(weeks)) and len(weeks) in (8, 9), (user, weeks)
        assert all(local(i.sent_at).weekday() in (0, 1) for i in checkins), user
        assert all(i.ladder_steps == 0 for i in checkins)

    # The mother who never answers: nudge +4 h, re-ask +24 h, task +30 h, every check-in.
    silent = sorted(
        (i for i in items if i.user_id == SILENT and i.action == "checkin"),
        key=lambda i: i.sent_at,
    )
    assert len(silent) >= 25
    times = {(at, kind) for at, kind, _ in got[SILENT]}
    own_tasks = {t.item_id: t for t in tasks if t.user_id == SILENT}
    for item in silent[:-1]:
        assert local(item.sent_at).hour == 10
        assert (item.sent_at + timedelta(hours=4), "followup_nudge") in times
        assert (item.sent_at + timedelta(hours=24), "followup_reask") in times
        assert own_tasks[item.id].created_at == item.sent_at + timedelta(hours=30)
        assert item.status == "tasked"
    first_days = [day_of(i.sent_at) for i in silent[:4]]
    assert first_days == [0, 2, 4, 6]
    # Staff hear of those tasks in one digest a day at 09:00, never one per person.
    digests = [at for at, kind, _ in got[STAFF] if kind == "followup_digest"]
    assert all(local(at).hour == 9 for at in digests)
    assert len({local(at).date() for at in digests}) == len(digests)
    assert got[STAFF] and all(kind == "followup_digest" for _, kind, _ in got[STAFF])

    # /stop on day 10: nothing after it; a loss on day 20: nothing after it.
    assert got[STOPPER] and all(at <= STOP_AT for at, _, _ in got[STOPPER])
    assert got[LOSS] and all(at <= LOSS_AT for at, _, _ in got[LOSS])

    # Crossing 37+0 on day 5: delivery preparation once that day; daily check-ins from then.
    prep = [at for at, _, key in got[CROSSER] if key.startswith("delivery_preparation")]
    assert [(day_of(at), local(at).hour) for at in prep] == [(5, 10)]
    crosser = sorted(
        (day_of(i.sent_at), i.action, i.ref)
        for i in items
        if i.user_id == CROSSER
        if i.action in ("checkin", "dialog")
    )
    # Monday the mood check, Tuesday her weekly check-in; from 37+0 daily, as priority.
    assert crosser[:3] == [
        (0, "dialog", "phq2"),
        (1, "checkin", "routine"),
        (5, "checkin", "priority"),
    ]
    # She does not answer: as routine her silence lapsed, as priority it becomes tasks.
    crosser_tasks = [t for t in tasks if t.user_id == CROSSER]
    assert crosser_tasks and min(day_of(t.created_at) for t in crosser_tasks) == 6

    # The late joiner at 30 weeks: the week-30 stage at once, no backlog, no same-day check-in.
    late = got[LATE]
    assert late[0][0] == LATE_JOINS and late[0][1] == "followup_stage"
    stage_keys = [key for _, _, key in late if key.startswith("stage:pregnancy")]
    [week_30] = stage_candidates(30, "pregnancy", runner.catalog().pregnancy_stages)[:1]
    # Where she is, then onwards only: the first stage is the one covering week 30.
    assert stage_keys[0] == f"stage:{week_30.id}"
    same_day = [
        i for i in items if i.user_id == LATE and day_of(i.sent_at) == 15 and i.action == "checkin"
    ]
    # The week's check-in fell due before she joined: recorded as skipped, never sent.
    assert [i.status for i in same_day] == ["late_joiner"]
    assert not [key for _, _, key in late if key.startswith("checkin:") and key == same_day[0].key]

    # Due on day 7, asked on day 21; the birth answer on day 25 starts postpartum checks.
    arrived = [at for at, _, key in got[POSTDUE] if key.startswith("baby_arrived")]
    assert (day_of(arrived[0]), local(arrived[0]).hour) == (21, 10)
    after = [key for at, _, key in got[POSTDUE] if at > BIRTH_ANSWER]
    assert "postpartum_check:0" in after or "postpartum_check:1" in after
    assert not [k for k in after if k.startswith(("stage:pregnancy", "baby_arrived", "phq2_tri"))]

    # In a conversation on day 3 from 09:00 to 15:00: her 10:00 check-in waits until 15:00.
    talk = [i for i in items if i.user_id == TALKER and day_of(i.sent_at) == 3]
    assert [(i.action, local(i.sent_at).hour) for i in talk] == [("checkin", 15)]
