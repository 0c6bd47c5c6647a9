"""Events that never fire leave a row saying why (issue 12: "events that silently never
fire"): a late joiner's check-in, one that quiet hours or a conversation outlast, and
what /stop, a birth or a loss withdrew. Pure planner first, then the runner's rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot import profiles
from bot.clock import ManualClock
from bot.config import Settings
from bot.domain.followup_plan import History, Person, PriorityRule, plan
from bot.domain.quiet_hours import QuietHours
from bot.domain.schedule_load import load_schedule
from bot.education.catalog import load_catalog
from bot.followup import runner
from bot.runtime import Runtime
from storage.models import FollowupItem, Outbox, Profile
from tests import factories
from tests.factories import T0

ZONE = ZoneInfo("Asia/Shanghai")
PRIORITY = PriorityRule(frozenset({"orange", "red", "purple"}), 37 * 7)
SCHEDULE = load_schedule()
CATALOG = load_catalog()
STAGES = (*CATALOG.pregnancy_stages, *CATALOG.child_stages)
MONDAY = date(2026, 11, 30)
RED = Person(1, pregnant=True, due_date=MONDAY + timedelta(days=70), colour="red")


def local(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 30, hour, minute, tzinfo=ZONE).astimezone(UTC)


def skipped(person: Person, now: datetime, history: History, quiet: str) -> list[tuple[str, str]]:
    found = plan(
        person, history, now, SCHEDULE, STAGES, PRIORITY, ZONE, QuietHours.parse(quiet)
    ).skipped
    return [(o.key, why) for o, why in found]


def test_a_late_joiners_checkin_is_skipped_not_silently_dropped() -> None:
    joined = RED._replace(joined=local(11))
    now = local(11, 5)
    found = plan(
        joined, History(), now, SCHEDULE, STAGES, PRIORITY, ZONE, QuietHours.parse("21:00-08:00")
    )
    assert "checkin:2026-11-30" not in {o.key for o in found.send}
    assert skipped(joined, now, History(), "21:00-08:00") == [("checkin:2026-11-30", "late_joiner")]
    # Had she joined before 10:00, it is hers.
    assert skipped(RED._replace(joined=local(9)), now, History(), "21:00-08:00") == []


def test_quiet_hours_that_outlast_a_window_skip_it_and_a_longer_window_is_held() -> None:
    # 21:30, her check-in of today still unsent (she talked all day): quiet until 08:00,
    # after its window (midnight): skipped. Her stage message's window lasts weeks: held.
    now = local(21, 30)
    found = plan(
        RED, History(), now, SCHEDULE, STAGES, PRIORITY, ZONE, QuietHours.parse("21:00-08:00")
    )
    assert {o.action for o, _why, _at in found.held} == {"checkin", "stage"}
    assert skipped(RED, now, History(), "21:00-08:00") == [("checkin:2026-11-30", "quiet_hours")]


def test_a_conversation_lasting_past_the_window_skips_at_its_last_chance() -> None:
    talking = History(in_conversation=True)
    assert skipped(RED, local(23, 0), talking, "02:00-03:00") == []  # still an hour
    assert skipped(RED, local(23, 56), talking, "02:00-03:00") == [
        ("checkin:2026-11-30", "in_conversation")
    ]


@pytest.fixture
async def runtime(settings: Settings, clock: ManualClock) -> AsyncIterator[Runtime]:
    opened = await Runtime.open(settings, clock=clock)
    yield opened
    await opened.close()


async def statuses(runtime: Runtime, user_id: int) -> dict[str, str]:
    async with runtime.db.session() as session:
        rows = await session.exec(
            select(FollowupItem.key, FollowupItem.status).where(FollowupItem.user_id == user_id)
        )
        return dict(rows.all())


async def test_the_runner_records_skips_and_cancellations_with_their_reason(
    runtime: Runtime, clock: ManualClock
) -> None:
    db = runtime.db
    await factories.community(db)
    await factories.mother(db, 2001, week=30, risk_colour="red")
    await factories.mother(db, 2002, week=39)
    await factories.mother(db, 2003, week=39)
    async with db.session() as session:  # 2001 joined at 11:00, after her 10:00 check-in
        late = await session.get(Profile, 2001)
        assert late is not None
        late.onboarded_at = T0 + timedelta(hours=1)
    clock.set(T0 + timedelta(hours=1, minutes=5))
    counts = await runner.scan(runtime, clock.now())
    assert counts["skipped"] == 1
    assert (await statuses(runtime, 2001))["checkin:2026-11-30"] == "late_joiner"
    again = await runner.scan(runtime, clock.now() + timedelta(minutes=5))
    assert again["skipped"] == 0  # recorded once
    # Nothing of 2002's and 2003's was taken by a sender yet: withdrawn, and each says why.
    async with db.session() as session:
        await profiles.set_paused(session, 2002, True, clock.now())
        ended = await session.get(Profile, 2003)
        assert ended is not None
        await profiles.update_profile(
            session, ended, {"pregnant": False, "pregnancy_outcome": "birth"}, 2003, clock.now()
        )
    assert set((await statuses(runtime, 2002)).values()) == {"cancelled_stop"}
    assert set((await statuses(runtime, 2003)).values()) == {"cancelled_birth"}
    async with db.session() as session:
        left = (await session.exec(select(Outbox.chat_id))).all()
    assert 2002 not in left and 2003 not in left
