"""An alert nobody acknowledges goes up to the supervisors once the configured time is up."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from bot.clock import ManualClock
from bot.config import Settings
from bot.devtools.harness import BotHarness
from storage.models import Alert, AuditEntry
from tests import factories
from tests.alert_helpers import drain, outbox_rows, raise_alert, reads_english, sent, workers

WANG = 201
SUPERVISOR = 501
OTHER_SUPERVISOR = 502
ADMIN = 9000  # ADMIN_IDS in the test settings
MOTHER = 301


async def world(harness: BotHarness, *, supervisor: bool = True) -> None:
    db = harness.runtime.db
    await factories.community(db, "C001")
    await factories.community(db, "C002", name_en="Heping Community", name_zh="和平社区")
    await factories.staff(db, WANG, ["C001"], display_name="Wang")
    if supervisor:
        await factories.staff(db, SUPERVISOR, ["C001"], role="supervisor", display_name="Dr Zhao")
    await factories.staff(db, OTHER_SUPERVISOR, ["C002"], role="supervisor", display_name="Dr Qian")
    await factories.mother(db, MOTHER, week=38, display_name="Xiaomei")
    await reads_english(harness.runtime, WANG)  # the supervisors read the default, Chinese


def escalations(harness: BotHarness, chat_id: int) -> list[str]:
    return [t for t in sent(harness, chat_id) if "⏰" in t or "⬆️" in t]


async def test_an_unacknowledged_emergency_reaches_the_supervisor_after_ten_minutes(
    harness: BotHarness,
) -> None:
    await world(harness)
    alert = await raise_alert(harness.runtime, MOTHER, level="emergency")
    await harness.telegram.wait_for(lambda c: c.chat_id == WANG and c.method == "sendMessage")

    harness.clock.advance(minutes=9)
    await workers(harness)[0].run_once()
    assert escalations(harness, SUPERVISOR) == []

    harness.clock.advance(minutes=2)
    await workers(harness)[0].run_once()
    call = await harness.telegram.wait_for(lambda c: c.chat_id == SUPERVISOR)
    assert "Escalated to you" in call.text or "升级" in call.text
    assert f"#{alert.id}" in call.text and "Xiaomei" in call.text
    assert "11" in call.text  # minutes without acknowledgement
    # The supervisor can still take it; escalating twice makes no sense.
    actions = [b["callback_data"].split(":")[1] for b in call.inline_buttons]
    assert actions == ["ack", "contacted", "note"]
    # Wang's copy now says it went up, and the other community's supervisor heard nothing.
    edit = await harness.telegram.wait_for(
        lambda c: c.chat_id == WANG and c.method == "editMessageText"
    )
    assert "10:11" in edit.text
    await drain(harness)
    assert sent(harness, OTHER_SUPERVISOR) == []
    async with harness.runtime.db.session() as session:
        stored = await session.get(Alert, alert.id, populate_existing=True)
        audit = (await session.exec(select(AuditEntry))).all()
    assert stored is not None and stored.escalated_at == harness.clock.now()
    assert stored.escalated_by is None and stored.status == "open"
    assert [(a.action, a.detail["alert_id"]) for a in audit] == [("alert_escalated", alert.id)]


async def test_priority_follow_up_waits_the_longer_configured_time(harness: BotHarness) -> None:
    await world(harness)
    await raise_alert(harness.runtime, MOTHER, level="priority_follow_up")
    harness.clock.advance(minutes=59)
    await drain(harness)
    assert escalations(harness, SUPERVISOR) == []
    harness.clock.advance(minutes=2)
    await drain(harness)
    await harness.telegram.wait_for(lambda c: c.chat_id == SUPERVISOR)


async def test_an_acknowledged_alert_never_escalates(harness: BotHarness) -> None:
    await world(harness)
    await raise_alert(harness.runtime, MOTHER)
    wang = harness.user(WANG, language_code="en")
    await harness.telegram.wait_for(lambda c: c.chat_id == WANG and c.method == "sendMessage")
    await wang.press("Acknowledge")
    harness.clock.advance(hours=3)
    await drain(harness)
    assert sent(harness, SUPERVISOR) == []


async def test_without_a_supervisor_the_admins_hear_of_it(harness: BotHarness) -> None:
    await world(harness, supervisor=False)
    alert = await raise_alert(harness.runtime, MOTHER)
    harness.clock.advance(minutes=11)
    await drain(harness)
    call = await harness.telegram.wait_for(lambda c: c.chat_id == ADMIN)
    assert f"#{alert.id}" in call.text
    # The staff member's copy says where it went: there are no supervisors to name.
    edit = await harness.telegram.wait_for(
        lambda c: c.chat_id == WANG and c.method == "editMessageText"
    )
    assert "Escalated to the administrators" in edit.text
    assert "supervisors" not in edit.text


async def test_the_escalate_button_sends_it_up_at_once(harness: BotHarness) -> None:
    await world(harness)
    await raise_alert(harness.runtime, MOTHER)
    wang = harness.user(WANG, language_code="en")
    await harness.telegram.wait_for(lambda c: c.chat_id == WANG and c.method == "sendMessage")
    reply = await wang.press("Escalate")
    assert "Escalated to the supervisors" in reply.answer_text
    call = await harness.telegram.wait_for(lambda c: c.chat_id == SUPERVISOR)
    assert "Wang" in call.text
    again = await wang.press("", data=reply_data(harness, WANG, "esc"))
    assert "Already escalated" in again.answer_text
    harness.clock.advance(minutes=11)  # the timer adds nothing once it has gone up
    await drain(harness)
    assert len(escalations(harness, SUPERVISOR)) == 1


async def test_the_escalate_button_never_claims_supervisors_that_do_not_exist(
    harness: BotHarness,
) -> None:
    await world(harness, supervisor=False)
    await raise_alert(harness.runtime, MOTHER)
    wang = harness.user(WANG, language_code="en")
    await harness.telegram.wait_for(lambda c: c.chat_id == WANG and c.method == "sendMessage")
    reply = await wang.press("Escalate")
    assert "supervisors." not in reply.answer_text
    assert "no supervisor yet: escalated to the administrators" in reply.answer_text
    await harness.telegram.wait_for(lambda c: c.chat_id == ADMIN)


def reply_data(harness: BotHarness, chat_id: int, action: str) -> str:
    """The callback data of `action` on the first alert message in this chat."""
    for call in harness.telegram.calls:
        if call.ok and call.chat_id == chat_id and call.method == "sendMessage":
            for button in call.inline_buttons:
                if button["callback_data"].split(":")[1] == action:
                    return str(button["callback_data"])
    raise AssertionError(f"no {action} button in chat {chat_id}")


async def test_two_workers_escalate_an_alert_once(settings: Settings, clock: ManualClock) -> None:
    async with BotHarness(settings, clock=clock, workers=2, webhook=True) as harness:
        await world(harness)
        alert = await raise_alert(harness.runtime, MOTHER)
        await drain(harness)
        clock.advance(minutes=11)
        await asyncio.gather(*(w.run_once() for w in workers(harness)))
        await drain(harness)
        assert len(escalations(harness, SUPERVISOR)) == 1
        rows = await outbox_rows(harness.runtime, alert_id=alert.id, kind="escalation")
        assert [(r.chat_id, r.status) for r in rows] == [(SUPERVISOR, "sent")]
