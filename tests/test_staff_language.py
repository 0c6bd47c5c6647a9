"""Alerts reach staff in Telegram's language when they never chose one, before the default."""

from __future__ import annotations

from bot.devtools.harness import BotHarness
from tests import factories

MOTHER, ENGLISH_APP, FRENCH_APP, CHINESE_APP = 301, 801, 802, 803


async def test_an_alert_follows_the_staff_members_telegram_language(harness: BotHarness) -> None:
    db = harness.runtime.db
    await factories.community(db, "C001")
    for staff_id in (ENGLISH_APP, FRENCH_APP, CHINESE_APP):
        await factories.staff(db, staff_id, ["C001"])
    await factories.mother(db, MOTHER, week=38, locale="zh_Hans")
    # Each has written once (so the bot knows their app's language) and chosen nothing.
    await harness.user(ENGLISH_APP, language_code="en-GB").send("/help")
    await harness.user(FRENCH_APP, language_code="fr").send("/help")
    await harness.user(CHINESE_APP, language_code="zh-hans").send("/help")

    mother = harness.user(MOTHER, language_code="zh-hans")
    await mother.send("/report")
    await mother.press("阴道出血")
    await mother.press("完成")

    def alert_to(chat: int):  # type: ignore[no-untyped-def]
        return harness.telegram.wait_for(
            lambda c: c.chat_id == chat and c.method == "sendMessage" and "#" in c.text
        )

    english = await alert_to(ENGLISH_APP)
    assert "Vaginal bleeding" in english.text and "Acknowledge" in str(english.params)
    french = await alert_to(FRENCH_APP)  # not a supported language: the default (Chinese)
    assert "阴道出血" in french.text
    chinese = await alert_to(CHINESE_APP)
    assert "阴道出血" in chinese.text
