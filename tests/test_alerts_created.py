"""Alerts are created with their report, for the right people, in their language.

Service-level stories call `reports.submit` in a session as the handler does; one
end-to-end story shows what a mother without community staff is told.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot import alerts, reports
from bot.config import Settings
from bot.devtools.harness import BotHarness
from bot.i18n import Catalogs
from storage.db import Database
from storage.models import Alert, Outbox, Report, Staff, User
from tests import factories
from tests.factories import T0

MOM = 301
BLEEDING = {"symptoms": ["bleeding"], "complete": True}
FEVER_37_8 = {"symptoms": ["fever"], "temperature_c": 37.8, "complete": True}


async def submit(
    db: Database, settings: Settings, data: dict[str, Any], **kwargs: Any
) -> tuple[Report, Any, Alert | None]:
    async with db.session() as session:
        return await reports.submit(session, MOM, "pregnancy", data, T0, settings, **kwargs)


async def outbox(db: Database) -> list[Outbox]:
    async with db.session() as session:
        return list((await session.exec(select(Outbox).order_by(Outbox.chat_id))).all())


async def two_communities(db: Database) -> None:
    await factories.community(db, "C001")
    await factories.community(db, "C002", name_zh="和平社区", name_en="Heping Community")


# ----- who hears about it --------------------------------------------------------------


async def test_the_community_staff_are_alerted_not_its_supervisor_nor_other_communities(
    db: Database, settings: Settings
) -> None:
    await two_communities(db)
    await factories.staff(db, 701, ["C001"])
    await factories.staff(db, 702, ["C001", "C002"])
    await factories.staff(db, 703, ["C002"])
    await factories.staff(db, 801, ["C001"], role="supervisor")
    await factories.mother(db, MOM)
    _report, _assessment, alert = await submit(db, settings, BLEEDING)
    assert alert is not None
    assert [row.chat_id for row in await outbox(db)] == [701, 702]


async def test_an_inactive_staff_member_is_skipped(db: Database, settings: Settings) -> None:
    await factories.community(db)
    await factories.staff(db, 701, ["C001"])
    await factories.staff(db, 702, ["C001"])
    async with db.session() as session:
        gone = await session.get(Staff, 702)
        assert gone is not None
        gone.active = False
        session.add(gone)
    await factories.mother(db, MOM)
    await submit(db, settings, BLEEDING)
    assert [row.chat_id for row in await outbox(db)] == [701]


async def test_with_no_staff_the_supervisor_is_alerted(db: Database, settings: Settings) -> None:
    await two_communities(db)
    await factories.staff(db, 801, ["C001"], role="supervisor")
    await factories.staff(db, 802, ["C002"], role="supervisor")
    await factories.mother(db, MOM)
    await submit(db, settings, BLEEDING)
    assert [row.chat_id for row in await outbox(db)] == [801]


@pytest.mark.parametrize("community_code", ["C001", None])
async def test_with_no_staff_and_no_supervisor_the_admins_are_alerted(
    db: Database, settings: Settings, community_code: str | None
) -> None:
    await factories.community(db)
    await factories.mother(db, MOM, community_code=community_code)
    _report, _assessment, alert = await submit(db, settings, BLEEDING)
    assert alert is not None and alert.community_code == community_code
    assert [row.chat_id for row in await outbox(db)] == sorted(settings.admin_ids) == [9000]


async def test_escalation_goes_to_supervisors_else_admins(db: Database, settings: Settings) -> None:
    await two_communities(db)
    await factories.staff(db, 701, ["C001"])
    await factories.staff(db, 801, ["C001"], role="supervisor")
    async with db.session() as session:
        assert await alerts.escalation_recipients(session, "C001", settings) == [801]
        assert await alerts.escalation_recipients(session, "C002", settings) == [9000]
        assert await alerts.escalation_recipients(session, None, settings) == [9000]
        assert await alerts.community_has_staff(session, "C001")
        assert not await alerts.community_has_staff(session, "C002")


async def test_a_mother_without_community_staff_is_told_the_health_service_knows(
    harness: BotHarness, db: Database
) -> None:
    await factories.community(db)
    await factories.mother(db, MOM)
    mom = harness.user(MOM, language_code="en")
    await mom.send("/report")
    await mom.press("Vaginal bleeding")
    reply = await mom.press("✅")
    assert "the health service has been notified" in reply.messages[0].text
    assert [row.chat_id for row in await outbox(db)] == [9000]


async def test_with_nobody_configured_she_is_not_told_that_someone_knows(
    settings: Settings, clock: Any, db: Database
) -> None:
    await factories.community(db)
    await factories.mother(db, MOM)
    lonely = settings.model_copy(update={"admin_ids": frozenset()})
    async with BotHarness(lonely, clock=clock) as harness:
        mom = harness.user(MOM, language_code="en")
        await mom.send("/report")
        await mom.press("Vaginal bleeding")
        reply = await mom.press("✅")
    first = reply.messages[0].text
    assert "120" in first
    assert "nobody has been notified" in first
    assert "has been notified." not in first.replace("nobody has been notified", "")
    assert await outbox(db) == []


# ----- when, and only once ---------------------------------------------------------------


async def test_escalation_windows_come_from_settings(db: Database, settings: Settings) -> None:
    await factories.community(db)
    await factories.staff(db, 701, ["C001"])
    await factories.mother(db, MOM, risk_colour="red")
    custom = settings.model_copy(
        update={"escalate_emergency_minutes": 3, "escalate_priority_minutes": 45}
    )
    _r, first, emergency = await submit(db, custom, BLEEDING)
    _r, second, priority = await submit(db, custom, FEVER_37_8)
    assert (first.level.code, second.level.code) == ("emergency", "priority_follow_up")
    assert emergency is not None and emergency.escalate_at == T0 + timedelta(minutes=3)
    assert priority is not None and priority.escalate_at == T0 + timedelta(minutes=45)


async def test_nothing_is_kept_when_the_transaction_fails(db: Database, settings: Settings) -> None:
    await factories.community(db)
    await factories.staff(db, 701, ["C001"])
    await factories.mother(db, MOM)
    with pytest.raises(RuntimeError):
        async with db.session() as session:
            await reports.submit(session, MOM, "pregnancy", BLEEDING, T0, settings)
            raise RuntimeError("the connection dropped before commit")
    async with db.session() as session:
        for model in (Report, Alert, Outbox):
            assert (await session.exec(select(model))).all() == []


async def test_completing_a_report_never_queues_a_second_alert(
    db: Database, settings: Settings
) -> None:
    await factories.community(db)
    await factories.staff(db, 701, ["C001"])
    await factories.mother(db, MOM)
    report, _a, alert = await submit(db, settings, {"symptoms": ["bleeding"], "complete": False})
    assert alert is not None
    more = {"symptoms": ["bleeding"], "temperature_c": 38.6, "complete": True}
    for _attempt in range(2):  # a retried completion
        again, _a, same = await submit(db, settings, more, report_id=report.id)
        assert again.id == report.id and same is not None and same.id == alert.id
    rows = await outbox(db)
    assert sorted((r.kind, r.dedupe_key) for r in rows) == [
        ("alert", f"alert:{alert.id}:701"),
        ("alert_update", f"alert:{alert.id}:701:update"),
    ]
    async with db.session() as session:
        assert len((await session.exec(select(Report))).all()) == 1
        assert len((await session.exec(select(Alert))).all()) == 1


async def test_someone_elses_report_cannot_be_completed(db: Database, settings: Settings) -> None:
    await factories.community(db)
    await factories.mother(db, MOM)
    await factories.mother(db, 302)
    async with db.session() as session:
        other, _a, _alert = await reports.submit(session, 302, "pregnancy", BLEEDING, T0, settings)
    with pytest.raises(reports.ReportError):
        await submit(db, settings, BLEEDING, report_id=other.id)


async def test_a_child_report_needs_ones_own_child(db: Database, settings: Settings) -> None:
    await factories.community(db)
    [child] = await factories.parent(db, 402, [date(2025, 1, 1)])
    await factories.mother(db, MOM)
    with pytest.raises(reports.ReportError):
        async with db.session() as session:
            await reports.submit(session, MOM, "child", {}, T0, settings, child_id=child.id)


# ----- what the staff message says ----------------------------------------------------------


async def test_the_message_is_in_the_staff_members_language_and_escapes_names(
    db: Database, settings: Settings
) -> None:
    await factories.community(db)
    await factories.staff(db, 701, ["C001"])
    async with db.session() as session:
        session.add(User(id=701, chat_id=701, locale="en"))
    await factories.mother(
        db, MOM, week=38, risk_colour="orange", display_name="<b>Li</b> & Co", phone="139"
    )
    await submit(db, settings, FEVER_37_8)
    [row] = await outbox(db)
    text = row.payload["text"]
    assert text.startswith("🔔 <b>Priority follow-up</b> · alert #")
    assert '<a href="tg://user?id=301">&lt;b&gt;Li&lt;/b&gt; &amp; Co</a>' in text
    assert "Xingfu Community" in text
    assert "Pregnant 38+0 weeks" in text and "risk colour: Orange" in text
    assert "priority group" in text and "Phone: 139" in text
    assert "Priority-group mother (orange, red, purple or 37 weeks or more) sent a report" in text
    assert "37.8 °C" in text and "Fever" in text


@pytest.mark.parametrize(
    ("locale", "language_code", "expected"),
    [
        (None, "en-US", "Priority follow-up"),
        (None, None, "重点随访"),
        ("zh_Hans", "en", "重点随访"),
    ],
)
async def test_a_staff_member_who_never_chose_a_language_gets_telegrams_one(
    db: Database, settings: Settings, locale: str | None, language_code: str | None, expected: str
) -> None:
    await factories.community(db)
    await factories.staff(db, 702, ["C001"])
    async with db.session() as session:
        session.add(User(id=702, chat_id=702, locale=locale, language_code=language_code))
    await factories.mother(db, MOM, week=38)
    await submit(db, settings, FEVER_37_8)
    [row] = await outbox(db)
    assert expected in row.payload["text"]


async def test_the_message_shows_the_latest_three_reports_newest_first(
    db: Database, settings: Settings
) -> None:
    await factories.community(db)
    await factories.staff(db, 701, ["C001"])
    await factories.mother(db, MOM)
    for day, temperature in enumerate((37.1, 37.2, 37.3, 37.4)):
        async with db.session() as session:
            session.add(
                Report(
                    user_id=MOM,
                    subject="pregnancy",
                    data={"temperature_c": temperature},
                    level="routine",
                    reasons=[],
                    created_at=T0 - timedelta(days=4 - day),
                )
            )
    await submit(db, settings, BLEEDING)
    [row] = await outbox(db)
    latest = row.payload["text"].split("<b>最近报告</b>")[-1]
    assert "37.1 °C" not in latest and "37.2 °C" not in latest
    assert latest.index("阴道出血") < latest.index("37.4 °C") < latest.index("37.3 °C")


async def test_a_childs_alert_names_the_child_and_age(db: Database, settings: Settings) -> None:
    await factories.community(db)
    await factories.staff(db, 701, ["C001"])
    [child] = await factories.parent(db, 402, [T0.date() - timedelta(days=50)])
    async with db.session() as session:
        _r, _a, alert = await reports.submit(
            session, 402, "child", {"temperature_c": 38.2}, T0, settings, child_id=child.id
        )
        assert alert is not None
        text = await alerts.alert_text(
            session,
            alert,
            Catalogs("en").get("en"),
            rules=reports.triage_rules(),
            settings=settings,
            today=T0.date(),
        )
    assert "🚨 <b>Emergency</b>" in text
    assert "Child: child1, 1 month old (born " in text
    assert "Fever in a young infant" in text


def test_the_buttons_carry_only_the_alert_id() -> None:
    tr = Catalogs("en").get("en")
    markup = alerts.alert_keyboard(123456789, tr)
    buttons = [b for row in markup["inline_keyboard"] for b in row]
    assert [b["callback_data"] for b in buttons] == [
        "al:ack:123456789",
        "al:contacted:123456789",
        "al:note:123456789",
        "al:esc:123456789",
    ]
    assert [b["text"] for b in buttons] == [
        "✅ Acknowledge",
        "📞 Contacted",
        "📝 Add note",
        "⬆️ Escalate",
    ]
    zh = alerts.alert_keyboard(1, Catalogs("zh_Hans").get("zh_Hans"))
    assert all(len(b["callback_data"].encode()) <= 64 for row in zh["inline_keyboard"] for b in row)
