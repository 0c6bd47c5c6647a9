"""A person's first minutes with the bot, over polling and over the webhook."""

from __future__ import annotations

from bot.devtools.harness import BotHarness
from storage.models import User


async def test_start_greets_in_chinese_and_offers_the_language_switch(
    any_harness: BotHarness,
) -> None:
    mother = any_harness.user(101, language_code="zh-hans")
    reply = await mother.send("/start")
    assert "母婴健康助手" in reply.text
    assert reply.buttons == ["✓ 中文", "English"]


async def test_start_greets_an_english_speaker_in_english(any_harness: BotHarness) -> None:
    reply = await any_harness.user(102, language_code="en-US").send("/start")
    assert "maternal and child health assistant" in reply.text
    assert reply.buttons == ["中文", "✓ English"]


async def test_unsupported_telegram_language_falls_back_to_the_default(
    harness: BotHarness,
) -> None:
    reply = await harness.user(103, language_code="fr").send("/start")
    assert "母婴健康助手" in reply.text


async def test_switching_language_is_remembered(harness: BotHarness) -> None:
    mother = harness.user(104, language_code="zh-hans")
    await mother.send("/start")
    switched = await mother.press("English")
    assert "your consent" in switched.text
    # Telegram still says zh-hans, but her choice wins from now on.
    assert "What I can do" in (await mother.send("/help")).text
    async with harness.runtime.db.session() as session:
        user = await session.get(User, 104)
    assert user is not None and user.locale == "en"
    await mother.send("/language")
    back = await mother.press("中文")
    assert back.answer_text == "语言：中文"
    assert "我可以帮您做这些" in back.text


async def test_help_lists_what_the_bot_can_do_with_the_emergency_number(
    harness: BotHarness,
) -> None:
    reply = await harness.user(105, language_code="en").send("/help")
    for command in ("/guide", "/report", "/clinic", "/me", "/mydata", "/delete", "/stop"):
        assert command in reply.text
    assert "call 120" in reply.text


async def test_unknown_text_and_commands_get_a_helpful_answer_never_silence(
    any_harness: BotHarness,
) -> None:
    parent = any_harness.user(106, language_code="en")
    for message in ("asdfgh", "/nonsense"):
        reply = await parent.send(message)
        assert "did not understand" in reply.text
        assert "/help" not in reply.text or "/guide" in reply.text


async def test_a_forged_language_callback_changes_nothing(harness: BotHarness) -> None:
    mother = harness.user(107, language_code="en")
    await mother.send("/start")
    reply = await mother.press("", data="lang:xx")
    assert reply.calls == []
    async with harness.runtime.db.session() as session:
        user = await session.get(User, 107)
    assert user is not None and user.locale is None


async def test_the_bot_keeps_answering_after_telegram_errors(harness: BotHarness) -> None:
    parent = harness.user(108, language_code="en")
    harness.telegram.fail("sendMessage", chat_id=108, status=500)
    await parent.send("/help")  # the reply is lost to a 500 ...
    reply = await parent.send("/help")  # ... and the next message works normally
    assert "What I can do" in reply.text


async def test_the_command_menu_is_published_in_each_language(harness: BotHarness) -> None:
    menus = {
        c.params.get("language_code"): c.params["commands"]
        for c in harness.telegram.calls
        if c.method == "setMyCommands"
    }
    assert set(menus) == {None, "zh", "en"}
    english = {c["command"]: c["description"] for c in menus["en"]}
    chinese = {c["command"]: c["description"] for c in menus["zh"]}
    assert english["clinic"] == "Find the nearest fever clinic"
    assert chinese["clinic"] == "查找最近的发热门诊"
    assert menus[None] == menus["zh"]  # the default locale is zh_Hans
    assert "ledger" not in english  # staff tools stay out of the public menu


async def test_the_bot_starts_even_if_the_command_menu_cannot_be_set(settings, clock) -> None:
    harness = BotHarness(settings, clock=clock)
    await harness.telegram.start()
    harness.telegram.fail("setMyCommands", status=400, times=5)
    try:
        await harness.start_workers()
        reply = await harness.user(109, language_code="en").send("/help")
        assert "What I can do" in reply.text
    finally:
        await harness.stop()
