"""The loop closed: when staff take her alert, the mother is told who is looking after her."""

from __future__ import annotations

from sqlmodel import select

from bot import personal_data
from bot.devtools.harness import BotHarness
from storage.models import Outbox, Staff, User
from tests import factories
from tests.alert_helpers import drain, drive, outbox_rows, raise_alert, reads_english, sent

WANG, LI = 201, 202
MOTHER = 301


async def world(harness: BotHarness, mother_locale: str) -> None:
    db = harness.runtime.db
    await factories.community(db, "C001")
    await factories.staff(db, WANG, ["C001"], display_name="Wang Fang")
    await factories.staff(db, LI, ["C001"], display_name="Li")
    await factories.mother(db, MOTHER, week=38, locale=mother_locale, display_name="Xiaomei")
    await reads_english(harness.runtime, WANG, LI)


async def delivered(harness: BotHarness) -> int:
    alert = await raise_alert(harness.runtime, MOTHER)
    for chat in (WANG, LI):
        await harness.telegram.wait_for(
            lambda c, chat=chat: c.chat_id == chat and c.method == "sendMessage"
        )
    assert alert.id is not None
    return alert.id


async def test_she_is_told_in_chinese_by_role_once_per_state(harness: BotHarness) -> None:
    await world(harness, "zh_Hans")
    alert_id = await delivered(harness)
    await drain(harness)
    assert sent(harness, MOTHER) == []  # nobody took it yet: she is told nothing

    wang = harness.user(WANG, language_code="en")
    reply = await wang.press("Acknowledge")
    assert "You took this alert" in reply.answer_text
    assert "/introduce" in reply.answer_text  # told once how she heard of him
    told = await harness.telegram.wait_for(lambda c: c.chat_id == MOTHER)
    assert "负责跟进您的是：您的社区医务人员" in told.text
    assert "120" in told.text
    assert "Wang" not in told.text  # he never chose to give his name

    li = harness.user(LI, language_code="en")
    again = await li.press("", data=f"al:ack:{alert_id}")
    assert "Already acknowledged" in again.answer_text
    await li.press("", data=f"al:contacted:{alert_id}")
    await li.press("", data=f"al:contacted:{alert_id}")  # a second press changes nothing
    await drain(harness)
    texts = sent(harness, MOTHER)
    assert len(texts) == 2
    assert "已记录就您的报告与您联系过" in texts[1]
    rows = await outbox_rows(harness.runtime, chat_id=MOTHER)
    assert sorted(r.dedupe_key for r in rows) == [
        f"looked_after:{alert_id}:acknowledged",
        f"looked_after:{alert_id}:contacted",
    ]


async def test_a_worker_who_chose_their_name_is_named_in_english(harness: BotHarness) -> None:
    await world(harness, "en")
    wang = harness.user(WANG, language_code="en")
    menu = await wang.send("/introduce")
    assert "Looking after you: your community health worker." in menu.text
    chosen = await wang.press("By my name")
    assert chosen.answer_text == "Saved."
    async with harness.runtime.db.session() as session:
        staff = await session.get(Staff, WANG)
        assert staff is not None and staff.introduce_as == "name"

    await delivered(harness)
    reply = await wang.press("📞 Contacted")
    assert "/introduce" not in reply.answer_text  # he has chosen already
    told = await harness.telegram.wait_for(lambda c: c.chat_id == MOTHER)
    assert "Looking after you: Wang Fang, your community health worker." in told.text
    assert "contacted you" in told.text and "call 120" in told.text
    await drain(harness)
    assert len(sent(harness, MOTHER)) == 1  # contacted straight away: one notice, not two


async def test_introduce_is_for_staff_only(harness: BotHarness) -> None:
    await world(harness, "en")
    reply = await harness.user(MOTHER, language_code="en").send("/introduce")
    assert "This is for community health workers" in reply.text
    assert reply.messages[0].inline_buttons == []


async def test_after_she_deleted_her_data_nothing_is_sent(harness: BotHarness) -> None:
    await world(harness, "en")
    alert_id = await delivered(harness)
    harness.telegram.fail("sendMessage", chat_id=MOTHER, status=500, times=1)
    await harness.user(WANG, language_code="en").press("Acknowledge")
    await drain(harness)  # the first try failed: her notice waits for a retry
    assert sent(harness, MOTHER) == []
    runtime = harness.runtime
    async with runtime.db.session() as session:
        await personal_data.erase(
            session, MOTHER, runtime.clock.now(), runtime.settings, runtime.catalogs
        )
    await drive(harness, lambda: True)
    harness.clock.advance(seconds=600)  # type: ignore[attr-defined]
    await drain(harness)
    assert sent(harness, MOTHER) == []
    async with runtime.db.session() as session:
        assert await session.get(User, MOTHER) is None
        left = (await session.exec(select(Outbox).where(Outbox.chat_id == MOTHER))).all()
        assert left == []
    # A press on her (now erased) alert finds nothing and tells nobody.
    late = await harness.user(LI, language_code="en").press("", data=f"al:contacted:{alert_id}")
    assert late.answer_text == "This alert no longer exists."
    await drain(harness)
    assert sent(harness, MOTHER) == []
