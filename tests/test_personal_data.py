"""/delete leaves nothing of her anywhere the bot controls, and /mydata shows the same set."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlmodel import SQLModel

from bot import alert_actions, dialogs, personal_data
from bot.clock import ManualClock
from bot.config import Settings
from bot.devtools.harness import BotHarness
from bot.dialogs import DialogState
from bot.i18n import Catalogs
from bot.personal_columns import COLUMNS, ERASED_ID, ERASED_ROW
from bot.personal_data import MENTIONS, OWN_ROWS
from bot.runtime import Runtime
from storage.db import Database
from storage.models import Alert, FollowupItem, FollowupTask, Outbox, Report, User
from tests import factories
from tests.alert_helpers import raise_alert

HER, WANG, LI, OTHER = 5550002468, 5550008001, 5550008002, 5550001357
NAME, PHONE, NOTE = "Lin Meiyu", "13955551234", "Called, NOTE-MARK bleeding has stopped"
# /mydata's keys and the tables each one shows.
EXPORTED: dict[str, set[str]] = {
    "user": {"users"},
    "messages_to_you": {"outbox"},
    "access_log": {"audit_log"},
    **{key: {model.__tablename__} for key, model, _ in OWN_ROWS},
}
EXPORTED["alerts"].add("outbox")  # the staff copies of her alerts show the alerts' text


def test_every_column_of_every_table_is_classified() -> None:
    columns = {
        f"{table.name}.{column.name}"
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
    }
    assert sorted(columns - COLUMNS.keys()) == [], "classify new columns in bot/personal_data.py"
    assert sorted(COLUMNS.keys() - columns) == [], "stale entries in bot/personal_data.py"
    own_tables = {model.__tablename__ for _, model, _ in OWN_ROWS} | {"users"}
    mentioned = {f"{c.class_.__tablename__}.{c.key}" for c, _ in MENTIONS}
    for name, how in COLUMNS.items():
        assert how.startswith(("erased", "not personal: ")), name
        if how == ERASED_ROW:
            assert name.split(".")[0] in own_tables, f"{name}: erase() never deletes its rows"
        if how == ERASED_ID:
            assert name in mentioned, f"{name}: erase() never removes her id from it"


async def everything_stored(harness: BotHarness) -> dict[str, str]:
    """Every table's rows as text, to look for her in."""
    found = {}
    async with harness.runtime.db.session() as session:
        for table in SQLModel.metadata.sorted_tables:
            rows = (await session.exec(select(table))).all()  # type: ignore[call-overload]
            found[table.name] = json.dumps([list(r) for r in rows], default=str, ensure_ascii=False)
    return found


def traces_of_her(stored: dict[str, str]) -> set[str]:
    return {
        table
        for table, text in stored.items()
        if any(value in text for value in (str(HER), NAME, PHONE, "NOTE-MARK"))
    }


@pytest.fixture
async def her_world(harness: BotHarness) -> BotHarness:
    """She reported bleeding, both staff were alerted, one acknowledged and noted, a ledger
    was viewed, and she once stood in as the acknowledger of someone else's alert."""
    db = harness.runtime.db
    await factories.community(db, "C001")
    for staff_id, name in ((WANG, "Wang"), (LI, "Li")):
        await factories.staff(db, staff_id, ["C001"], display_name=name)
    async with db.session() as session:
        session.add_all([User(id=WANG, chat_id=WANG, locale="en"), User(id=LI, chat_id=LI)])
    await factories.mother(db, HER, week=38, locale="en", display_name=NAME, phone=PHONE)
    await factories.mother(db, OTHER, week=20, locale="en", display_name="Other")
    mother = harness.user(HER, language_code="en")
    await mother.send("/report")
    await mother.press("Vaginal bleeding")
    await mother.press("Done")
    for staff_id in (WANG, LI):
        await harness.telegram.wait_for(
            lambda c, s=staff_id: c.chat_id == s and c.method == "sendMessage" and NAME in c.text
        )
    await harness.user(WANG, language_code="en").press("Acknowledge")
    await harness.user(WANG, language_code="en").send("/ledger")
    async with db.session() as session:
        [alert] = (await session.exec(select(Alert).where(Alert.user_id == HER))).all()
        alert = alert[0]
        await alert_actions.add_note(
            session,
            HER,
            WANG,
            NOTE,
            harness.clock.now(),
            harness.runtime.settings,
            alert_id=alert.id,
        )
        other = Report(user_id=OTHER, subject="pregnancy", level="emergency")
        session.add(other)
        await session.flush()
        session.add(Alert(report_id=other.id, user_id=OTHER, level="emergency"))
        await dialogs.save(
            session, HER, DialogState("report", "temp", {"t": PHONE}), harness.clock.now()
        )
        await session.flush()
        await session.exec(update(Alert).where(Alert.user_id == OTHER).values(acknowledged_by=HER))
        # A follow-up task about her, and one about someone else that she closed.
        now = harness.clock.now()
        item = FollowupItem(
            user_id=HER,
            key="checkin:2026-11-30",
            event="checkin",
            action="checkin",
            ref="priority",
            token="abc123",
            sent_at=now,
            expires_at=now + timedelta(days=1),
        )
        session.add(item)
        await session.flush()
        for subject, closed_by in ((HER, None), (OTHER, HER)):
            session.add(
                FollowupTask(
                    user_id=subject,
                    item_id=item.id if subject == HER else None,
                    community_code="C001",
                    reason="no_answer",
                    urgency="priority",
                    created_at=now,
                    status="closed" if closed_by else "open",
                    closed_by=closed_by,
                )
            )
    return harness


async def test_delete_leaves_nothing_of_her_and_clears_the_staff_copies(
    her_world: BotHarness,
) -> None:
    harness = her_world
    assert {
        "users",
        "profiles",
        "reports",
        "alerts",
        "outbox",
        "notes",
        "audit_log",
        "followup_items",
        "followup_tasks",
    } <= (traces_of_her(await everything_stored(harness)))
    mother = harness.user(HER, language_code="en")
    await mother.send("/delete")
    reply = await mother.press("Yes, delete everything")
    assert "Your data has been deleted" in reply.text

    # Each staff member in their own language: Wang reads English, Li the default Chinese.
    for staff_id, removed, left in (
        (WANG, "(removed at the person's request)", "Someone in your community has deleted"),
        (LI, "（应本人要求已删除）", "删除了其数据"),
    ):
        edit = await harness.telegram.wait_for(
            lambda c, s=staff_id, r=removed: (
                c.chat_id == s and c.method == "editMessageText" and c.text == r
            )
        )
        assert edit.params.get("reply_markup") in (None, "")  # the buttons go too
        notice = await harness.telegram.wait_for(
            lambda c, s=staff_id, t=left: c.chat_id == s and t in c.text
        )
        assert NAME not in notice.text and str(HER) not in notice.text
    await harness.services[0].delivery.drain()
    last_edit = {  # what each staff chat shows in the end
        c.chat_id: c.text
        for c in harness.telegram.calls
        if c.method == "editMessageText" and c.chat_id in (WANG, LI)
    }
    assert last_edit == {WANG: "(removed at the person's request)", LI: "（应本人要求已删除）"}
    stored = await everything_stored(harness)
    assert traces_of_her(stored) == set(), {t: stored[t][:300] for t in traces_of_her(stored)}
    async with harness.runtime.db.session() as session:
        edits = (await session.exec(select(Outbox).where(Outbox.kind == "alert_edit"))).all()
        audit = json.loads(stored["audit_log"])
    assert any(row[0].payload["text"] == "（应本人要求已删除）" for row in edits)
    assert audit and all(str(HER) not in json.dumps(row, default=str) for row in audit)
    assert any("erased_subjects" in json.dumps(row, default=str) for row in audit)


async def test_mydata_shows_every_table_that_delete_clears(her_world: BotHarness) -> None:
    harness = her_world
    mother = harness.user(HER, language_code="en")
    reply = await mother.send("/mydata")
    [document] = [c for c in reply.calls if c.method == "sendDocument"]
    data = json.loads(document.params["document"]["content"])
    shown = set().union(
        *(EXPORTED[key] for key, value in data.items() if key in EXPORTED and value)
    )
    shown |= {name.split(".")[0] for name, count in data["mentions"].items() if count}
    assert data["mentions"]["alerts.acknowledged_by"] == 1
    assert data["mentions"]["followup_tasks.closed_by"] == 1
    assert data["followup_sent"] and data["followup_tasks"]
    assert data["staff_notes"][0]["text"] == NOTE
    # Every table holding a trace of her is in her export, and delete clears them all.
    assert traces_of_her(await everything_stored(harness)) <= shown


async def test_a_copy_being_sent_while_she_deletes_is_edited_once_it_arrives(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    runtime = Runtime(settings, db, Catalogs("en"), clock)
    await factories.community(db, "C001")
    for staff_id in (WANG, LI, 5550008003):
        await factories.staff(db, staff_id, ["C001"])
    await factories.mother(db, HER, display_name=NAME)
    alert = await raise_alert(runtime, HER)
    now = clock.now()
    async with db.session() as session:
        delivered, in_flight, waiting = (
            await session.exec(
                select(Outbox).where(Outbox.alert_id == alert.id).order_by(Outbox.id)
            )
        ).all()
        delivered = delivered[0]
        delivered.status, delivered.message_id = "sent", 77
        in_flight[0].leased_until, in_flight[0].leased_by = now + timedelta(seconds=30), "w/1"
        session.add_all([delivered, in_flight[0]])
    async with db.session() as session:
        queued = await personal_data.erase(session, HER, now, settings, runtime.catalogs)
    assert queued == 2
    async with db.session() as session:
        rows = {r[0].id: r[0] for r in (await session.exec(select(Outbox))).all()}
    kept = rows[in_flight[0].id]  # the worker still holds it: its text is replaced, not lost
    assert kept.status == "pending" and kept.alert_id is None and NAME not in str(kept.payload)
    assert delivered.id not in rows and waiting[0].id not in rows
    edits = sorted((r for r in rows.values() if r.kind == "alert_edit"), key=lambda r: r.id)
    assert [
        (e.chat_id, e.payload.get("message_id"), e.payload.get("edit_of"), e.after_id)
        for e in edits
    ] == [
        (delivered.chat_id, 77, None, None),
        (kept.chat_id, None, kept.id, kept.id),  # waits for the send, then edits it
    ]
