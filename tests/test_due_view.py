"""/due at scale and for supervisors: pages cut in the database (never one message with
every overdue name, which Telegram refuses past 4,096 characters), ◀ ▶ to turn them, and
a supervisor's view of the follow-up tasks of every staff member they supervise."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot import ledger
from bot.devtools.harness import BotHarness
from bot.followup import due_view
from bot.ledger import Scope
from bot.reports import triage_rules
from storage import ledger as queries
from storage.db import Database
from storage.models import FollowupTask
from tests import factories
from tests.alert_helpers import reads_english
from tests.factories import T0, TODAY

WORKER, OTHER, SUPERVISOR = 1001, 1002, 1500


async def _task(db: Database, user_id: int, community: str, age: timedelta) -> None:
    async with db.session() as session:
        session.add(
            FollowupTask(
                user_id=user_id,
                community_code=community,
                reason="no_answer",
                urgency="priority",
                created_at=T0 - age,
            )
        )


async def _overdue_mothers(db: Database, count: int, community: str = "C001") -> None:
    for n in range(count):
        await factories.mother(
            db,
            3000 + n,
            week=30,
            risk_colour="red",
            community_code=community,
            display_name="A long name for a mother " + str(n),
        )


async def test_due_pages_in_the_database_and_turns_with_buttons(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = harness.runtime.db
    await factories.community(db)
    await factories.staff(db, WORKER, ["C001"])
    await reads_english(harness.runtime, WORKER)
    await _overdue_mothers(db, 2 * due_view.PAGE_SIZE + 3)
    for n in range(4):
        await _task(db, 3000 + n, "C001", timedelta(hours=n))
    loaded: list[int] = []
    profiles_of = queries.profiles_of

    async def counted(session, ids):  # type: ignore[no-untyped-def]
        loaded.extend(ids)
        return await profiles_of(session, ids)

    monkeypatch.setattr(queries, "profiles_of", counted)
    worker = harness.user(WORKER, language_code="en")
    first = await worker.send("/due")
    assert "page 1/3" in first.text and "no report or note for 7 days: 23" in first.text
    assert "Follow-up tasks: 4" in first.text
    assert len(loaded) == due_view.PAGE_SIZE, "one page of entries, not everyone"
    assert first.text.count("last contact") == due_view.PAGE_SIZE
    assert "ID 3000)" in first.text and "ID 3010)" not in first.text
    second = await worker.press("▶")
    assert "page 2/3" in second.text and "ID 3010)" in second.text
    assert "ID 3000) · last" not in second.text
    third = await worker.press("▶")
    assert "page 3/3" in third.text and third.text.count("last contact") == 3
    back = await worker.press("◀")
    assert "page 2/3" in back.text


async def test_a_page_stays_short_however_many_are_overdue(db: Database) -> None:
    await factories.community(db)
    await _overdue_mothers(db, 60)
    async with db.session() as session:
        page = await due_view.due_page(
            session, Scope(1, ("C001",), "staff"), 99, now=T0, today=TODAY, rules=triage_rules()
        )
    assert (page.number, page.pages, page.overdue_total) == (6, 6, 60)
    assert [e.user_id for e in page.overdue] == list(range(3050, 3060))
    async with db.session() as session:
        whole = await ledger.due(
            session, Scope(1, ("C001",), "staff"), now=T0, today=TODAY, rules=triage_rules()
        )
    assert len(whole.overdue) == 60  # the same people /ledger's rule finds


async def test_a_supervisor_sees_the_tasks_of_each_staff_member_they_supervise(
    harness: BotHarness,
) -> None:
    db = harness.runtime.db
    await factories.community(db, "C001")
    await factories.community(db, "C002", name_en="Heping", name_zh="和平社区")
    await factories.community(db, "C003", name_en="Elsewhere", name_zh="别处社区")
    await factories.staff(db, WORKER, ["C001"], display_name="Wang")
    await factories.staff(db, OTHER, ["C002"], display_name="Li")
    await factories.staff(db, 1003, ["C003"], display_name="Zhao")
    await factories.staff(db, SUPERVISOR, ["C001", "C002"], role="supervisor", display_name="Sup")
    await reads_english(harness.runtime, SUPERVISOR)
    await factories.mother(db, 2001, week=20, community_code="C001")
    await factories.mother(db, 2002, week=20, community_code="C001")
    await factories.mother(db, 2003, week=20, community_code="C002")
    await factories.mother(db, 2004, week=20, community_code="C003")
    await _task(db, 2001, "C001", timedelta(hours=30))  # overdue
    await _task(db, 2002, "C001", timedelta(hours=2))
    await _task(db, 2003, "C002", timedelta(hours=1))
    await _task(db, 2004, "C003", timedelta(hours=50))  # not theirs
    supervisor = harness.user(SUPERVISOR, language_code="en")
    due = await supervisor.send("/due")
    assert "Wang (ID 1001): 2 open, 1 overdue" in due.text
    assert "Li (ID 1002): 1 open, 0 overdue" in due.text
    assert "Zhao" not in due.text and "ID 2004" not in due.text
    assert "Follow-up tasks: 3" in due.text
    for user_id in (2001, 2002, 2003):
        assert f"ID {user_id})" in due.text
    # A worker sees their own community's tasks only, and no per-staff lines.
    await reads_english(harness.runtime, OTHER)
    other = await harness.user(OTHER, language_code="en").send("/due")
    assert "Follow-up tasks: 1" in other.text and "overdue" not in other.text.split("\n")[2]
    async with db.session() as session:
        assert len((await session.exec(select(FollowupTask))).all()) == 4
