"""/broadcast in the chat: count, test to yourself, a second admin's confirmation, progress
edited to a final report, cancel, /broadcasts with its CSV."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from bot.broadcasts.export import ACTION
from bot.config import Settings
from bot.devtools.harness import BotHarness
from storage.models import AuditEntry
from tests import factories
from tests.alert_helpers import drain

ADMIN, SECOND = 9000, 9001
MOTHERS = [301, 302, 303, 304]
PARENT = 401
COMPOSED = (
    "/broadcast pregnant\nzh: <b>高温预警</b>：请多喝水。\nen: <b>Heat warning</b>: drink water."
)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        DATABASE_URL=database_url,
        ADMIN_IDS=f"{ADMIN},{SECOND}",
        BROADCAST_SECOND_ADMIN_ABOVE=3,
        FOLLOWUP_ENABLED="false",  # as conftest: no scheduled stage messages in the way
    )


async def world(harness: BotHarness) -> None:
    db = harness.runtime.db
    await factories.community(db, "C001")
    for index, mother in enumerate(MOTHERS):
        await factories.mother(db, mother, week=20 + index, locale="en" if index == 0 else None)
    await factories.parent(db, PARENT, [factories.TODAY])


def received(harness: BotHarness, chat: int, fragment: str) -> list[str]:
    return [
        c.text
        for c in harness.telegram.calls
        if c.ok and c.chat_id == chat and c.method == "sendMessage" and fragment in c.text
    ]


async def test_an_admin_counts_tests_and_a_second_admin_confirms_a_large_broadcast(
    harness: BotHarness,
) -> None:
    await world(harness)
    admin = harness.user(ADMIN, language_code="en")
    preview = await admin.send(COMPOSED)
    assert "4 people" in preview.text and "en: 1" in preview.text and "zh_Hans: 3" in preview.text
    await admin.press("test")
    await drain(harness)
    assert received(harness, ADMIN, "Heat warning") and received(harness, ADMIN, "高温预警")
    asked = await admin.press("Send it")
    assert "1 other administrators were asked" in asked.text
    await drain(harness)
    for mother in MOTHERS:
        assert received(harness, mother, "") == []  # nothing before the confirmation
    # The second admin has never written to the bot: asked in the default language.
    second = harness.user(SECOND, language_code="en")
    assert "需要您确认" in second.last_keyboard_message().text
    with pytest.raises(AssertionError):
        await admin.press("Confirm")  # the author's own keyboard has no Confirm button
    await second.press("确认")
    await drain(harness)
    await drain(harness)
    assert received(harness, MOTHERS[0], "Heat warning") == [
        "<b>Heat warning</b>: drink water."
    ]
    for mother in MOTHERS[1:]:
        assert len(received(harness, mother, "高温预警")) == 1
    assert received(harness, PARENT, "") == []
    edits = [
        c.text
        for c in harness.telegram.calls
        if c.ok and c.chat_id == ADMIN and c.method == "editMessageText"
    ]
    assert "finished: 4 sent, 0 failed, 0 blocked, 0 cancelled, of 4" in edits[-1]
    listing = await admin.send("/broadcasts")
    assert "4 sent" in listing.text
    csv_reply = await admin.send("/broadcasts 1")
    assert any(c.method == "sendDocument" for c in csv_reply.messages)
    async with harness.runtime.db.session() as session:
        audited = (
            await session.exec(select(AuditEntry).where(col(AuditEntry.action) == ACTION))
        ).all()
    assert [(a.actor_id, a.detail["broadcast_id"], a.detail["via"]) for a in audited] == [
        (ADMIN, 1, "chat")
    ]


async def test_a_small_broadcast_goes_at_once_and_can_be_cancelled_or_discarded(
    harness: BotHarness,
) -> None:
    await world(harness)
    admin = harness.user(ADMIN, language_code="en")
    await admin.send(
        "/broadcast pregnant community=C001 weeks=20-21\nen: Clinic list <b>updated</b>"
    )
    running = await admin.press("Send it")
    assert "Broadcast #1" in running.text and "Cancel the broadcast" in admin.buttons()
    cancelled = await admin.press("Cancel the broadcast")
    assert "cancelled: 2 messages will not be sent" in cancelled.text
    await drain(harness)
    assert received(harness, MOTHERS[0], "Clinic list") == []
    await admin.send("/broadcast parents\nzh: 疫苗接种活动")
    for forged in ("bc:drop:²", f"bc:send:{'9' * 26}", "bc:explode:2", "bc:"):
        refused = await admin.press("", data=forged)
        assert refused.answer_text == "This button is no longer valid."
    dropped = await admin.press("Discard")
    assert "discarded" in dropped.text
    await drain(harness)
    assert received(harness, PARENT, "疫苗") == []


async def test_only_admins_broadcast_and_bad_html_is_refused(harness: BotHarness) -> None:
    await world(harness)
    mother = harness.user(MOTHERS[1], language_code="en")
    assert "Only administrators" in (await mother.send(COMPOSED)).text
    admin = harness.user(ADMIN, language_code="en")
    refused = await admin.send("/broadcast\nen: <b>unclosed")
    assert "not valid Telegram HTML" in refused.text
    usage = await admin.send("/broadcast")
    assert "Segment words" in usage.text
