"""Staff act on an alert: the first acknowledgement wins and every copy shows who took it."""

from __future__ import annotations

from sqlmodel import col, select

from bot.devtools.harness import BotHarness
from storage.models import Alert, AuditEntry, Dialog, Note, Outbox
from tests import factories
from tests.alert_helpers import (
    attempted,
    drain,
    drive,
    outbox_rows,
    raise_alert,
    reads_english,
    sent,
)

WANG, LI = 201, 202
ZHOU = 203  # staff of another community
STRANGER = 999
MOTHER = 301


async def world(harness: BotHarness) -> None:
    db = harness.runtime.db
    await factories.community(db, "C001")
    await factories.community(db, "C002", name_en="Heping Community", name_zh="和平社区")
    await factories.staff(db, WANG, ["C001"], display_name="Wang")
    await factories.staff(db, LI, ["C001"], display_name="Li")
    await factories.staff(db, ZHOU, ["C002"], display_name="Zhou")
    await factories.mother(db, MOTHER, week=38, display_name="Xiaomei")
    await reads_english(harness.runtime, WANG, LI, ZHOU)


async def alert_delivered(harness: BotHarness) -> Alert:
    alert = await raise_alert(harness.runtime, MOTHER)
    for chat in (WANG, LI):
        await harness.telegram.wait_for(
            lambda c, chat=chat: c.chat_id == chat and c.method == "sendMessage"
        )
    return alert


async def stored(harness: BotHarness, alert_id: int | None) -> Alert:
    async with harness.runtime.db.session() as session:
        alert = await session.get(Alert, alert_id, populate_existing=True)
    assert alert is not None
    return alert


async def audit_actions(harness: BotHarness) -> list[tuple[int, str]]:
    async with harness.runtime.db.session() as session:
        rows = await session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))
        return [(a.actor_id, a.action) for a in rows.all()]


async def test_one_acknowledges_and_both_copies_show_who_took_it(harness: BotHarness) -> None:
    await world(harness)
    alert = await alert_delivered(harness)
    wang = harness.user(WANG, first_name="Wang", language_code="en")
    li = harness.user(LI, first_name="Li", language_code="en")

    reply = await wang.press("Acknowledge")
    assert "You took this alert" in reply.answer_text
    for chat in (WANG, LI):
        edit = await harness.telegram.wait_for(
            lambda c, chat=chat: c.chat_id == chat and c.method == "editMessageText"
        )
        original = next(c for c in harness.telegram.calls if c.ok and c.chat_id == chat)
        assert edit.params["message_id"] == original.result["message_id"]
        assert edit.text.startswith(original.text)  # the alert itself stays as it was
        assert "Wang" in edit.text and "10:00" in edit.text
        assert [b["callback_data"] for b in edit.inline_buttons] == [
            f"al:contacted:{alert.id}",
            f"al:note:{alert.id}",
        ]
    assert "Acknowledged by Wang at 10:00" in sent(harness, LI, "editMessageText")[0]

    later = await li.press("", data=f"al:ack:{alert.id}")
    assert later.answer_text == "Already acknowledged by Wang at 10:00."
    taken = await stored(harness, alert.id)
    assert (taken.status, taken.acknowledged_by) == ("acknowledged", WANG)
    await drain(harness)
    assert len(sent(harness, LI, "editMessageText")) == 1  # the second press changed nothing
    assert (WANG, "alert_ack") in await audit_actions(harness)


async def test_a_copy_not_yet_delivered_is_edited_right_after_it_arrives(
    harness: BotHarness,
) -> None:
    await world(harness)
    harness.telegram.fail("sendMessage", chat_id=LI, status=500, times=2)
    alert = await raise_alert(harness.runtime, MOTHER)
    await harness.telegram.wait_for(lambda c: c.chat_id == WANG and c.method == "sendMessage")
    await harness.user(WANG, language_code="en").press("Acknowledge")
    await drive(harness, lambda: bool(sent(harness, LI, "editMessageText")))
    calls = [c for c in harness.telegram.calls if c.ok and c.chat_id == LI]
    assert [c.method for c in calls] == ["sendMessage", "editMessageText"]
    assert calls[1].params["message_id"] == calls[0].result["message_id"]
    rows = await outbox_rows(harness.runtime, alert_id=alert.id, chat_id=LI)
    assert [(r.kind, r.status) for r in rows] == [("alert", "sent"), ("alert_edit", "sent")]


async def test_a_forged_press_by_a_stranger_changes_nothing(harness: BotHarness) -> None:
    await world(harness)
    alert = await alert_delivered(harness)
    stranger = harness.user(STRANGER, language_code="en")
    await stranger.send("/language")  # any message with buttons to forge on
    for action in ("ack", "contacted", "esc", "note"):
        reply = await stranger.press("", data=f"al:{action}:{alert.id}")
        assert "Only the staff assigned" in reply.answer_text
        assert reply.calls == []
    # Staff of another community are strangers to this alert too.
    zhou = harness.user(ZHOU, language_code="en")
    await zhou.send("/language")
    reply = await zhou.press("", data=f"al:ack:{alert.id}")
    assert "Only the staff assigned" in reply.answer_text
    await drain(harness)
    untouched = await stored(harness, alert.id)
    assert untouched.status == "open" and untouched.acknowledged_by is None
    assert untouched.escalated_at is None
    assert await audit_actions(harness) == []
    async with harness.runtime.db.session() as session:
        assert (await session.exec(select(Outbox).where(Outbox.kind == "alert_edit"))).all() == []
        assert (await session.exec(select(Dialog))).all() == []


async def test_contacted_and_a_note_are_recorded_and_shown(harness: BotHarness) -> None:
    await world(harness)
    alert = await alert_delivered(harness)
    li = harness.user(LI, first_name="Li", language_code="en")
    reply = await li.press("Contacted")
    assert "Marked as contacted" in reply.answer_text
    contacted = await stored(harness, alert.id)
    assert (contacted.status, contacted.contacted_by, contacted.acknowledged_by) == (
        "contacted",
        LI,
        LI,
    )
    edit = await harness.telegram.wait_for(
        lambda c: c.chat_id == WANG and c.method == "editMessageText"
    )
    assert "Contacted by Li" in edit.text or "Li" in edit.text
    assert [b["callback_data"] for b in edit.inline_buttons] == [f"al:note:{alert.id}"]

    prompt = await li.press("Add note")
    assert "Write your note about Xiaomei" in prompt.text
    # A note that names danger signs describes her, not Li: it is saved as written.
    saved = await li.send("Called her: bleeding stopped, husband driving her to hospital")
    assert "Note saved" in saved.text
    async with harness.runtime.db.session() as session:
        [note] = (await session.exec(select(Note))).all()
    assert (note.subject_user_id, note.staff_id, note.alert_id) == (MOTHER, LI, alert.id)
    assert note.text.startswith("Called her: bleeding stopped")
    actions = await audit_actions(harness)
    assert {(LI, "alert_contacted"), (LI, "alert_ack"), (LI, "note_added")} <= set(actions)
    again = await li.press("", data=f"al:contacted:{alert.id}")
    assert "Already marked as contacted by Li" in again.answer_text


async def test_a_press_on_an_unknown_alert_says_so(harness: BotHarness) -> None:
    await world(harness)
    wang = harness.user(WANG, language_code="en")
    await wang.send("/language")
    reply = await wang.press("", data="al:ack:424242")
    assert reply.answer_text == "This alert no longer exists."
    bad = await wang.press("", data="al:ack:not-a-number")
    assert bad.answer_text == "This button is no longer valid."


async def test_a_failed_edit_is_retried_like_any_message(harness: BotHarness) -> None:
    await world(harness)
    await alert_delivered(harness)
    harness.telegram.fail("editMessageText", chat_id=LI, status=502)
    await harness.user(WANG, language_code="en").press("Acknowledge")
    await attempted(harness, lambda c: c.chat_id == LI and c.method == "editMessageText")
    await drive(harness, lambda: bool(sent(harness, LI, "editMessageText")))
    assert len(sent(harness, LI, "editMessageText")) == 1
