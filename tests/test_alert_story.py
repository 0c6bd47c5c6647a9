"""The whole story, as people live it: a mother reports, her staff hear, one takes it."""

from __future__ import annotations

from bot.devtools.harness import BotHarness
from storage.models import User
from tests import factories
from tests.alert_helpers import drain

MOTHER, WANG, LI, OTHER = 301, 801, 802, 803


async def test_an_emergency_report_reaches_both_staff_and_one_acknowledgement_updates_both(
    harness: BotHarness,
) -> None:
    db = harness.runtime.db
    await factories.community(db, "C001")
    await factories.community(db, "C002", name_en="Heping Community")
    await factories.staff(db, WANG, ["C001"], display_name="Wang")
    await factories.staff(db, LI, ["C001"], display_name="Li")
    await factories.staff(db, OTHER, ["C002"], display_name="Zhao")
    async with db.session() as session:
        for staff_id in (WANG, LI, OTHER):
            session.add(User(id=staff_id, chat_id=staff_id, locale="en"))
    await factories.mother(db, MOTHER, week=38, locale="zh_Hans", display_name="Lin")

    mother = harness.user(MOTHER, language_code="zh-hans")
    await mother.send("/report")
    await mother.press("阴道出血")
    answer = await mother.press("完成")
    first = answer.messages[0].text
    assert "120" in first  # the emergency answer comes first, with the number to call
    assert "已通知" in answer.text  # she is told her community staff know

    for staff_id in (WANG, LI):
        alert = await harness.telegram.wait_for(
            lambda c, s=staff_id: c.chat_id == s and c.method == "sendMessage"
        )
        assert "Vaginal bleeding" in alert.text or "bleeding" in alert.text
        assert 'href="tg://user?id=301"' in alert.text
    wang = harness.user(WANG, language_code="en")
    reply = await wang.press("Acknowledge")
    assert "You took this alert" in reply.answer_text
    edit = await harness.telegram.wait_for(
        lambda c: c.chat_id == LI and c.method == "editMessageText"
    )
    assert "Acknowledged by Wang" in edit.text

    await drain(harness)
    for staff_id in (WANG, LI):
        sends = [
            c
            for c in harness.telegram.calls
            if c.ok and c.chat_id == staff_id and c.method == "sendMessage"
        ]
        assert len(sends) == 1  # one alert each, never twice
    assert harness.telegram.sent_to(OTHER) == []  # another community hears nothing
