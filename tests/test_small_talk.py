"""A first-time user's small talk, voice notes and photos get a kind, useful answer."""

from __future__ import annotations

from typing import Any

import pytest

from bot.devtools.harness import BotHarness, ChatUser, Reply
from bot.domain.small_talk import SmallTalk, small_talk

MENU_EN, MENU_ZH = "📖 Guide", "📖 健康指导"


async def send_media(user: ChatUser, **content: Any) -> Reply:
    update_id = user.telegram.next_update_id()
    return await user._round_trip({"update_id": update_id, "message": user._message(**content)})


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("你好", SmallTalk.GREETING),
        ("您好！", SmallTalk.GREETING),
        ("Hi :)", SmallTalk.GREETING),
        ("谢谢", SmallTalk.THANKS),
        ("Thanks!", SmallTalk.THANKS),
        ("好的，谢谢", SmallTalk.THANKS),
        ("你好，孩子发烧了", None),
        ("hi my baby has a fever", None),
        ("morning sickness", None),
    ],
)
def test_only_a_whole_greeting_or_thanks_is_small_talk(text: str, kind: SmallTalk | None) -> None:
    assert small_talk(text) is kind


async def test_hello_and_thanks_get_a_friendly_answer_with_the_menu(harness: BotHarness) -> None:
    english = harness.user(601, language_code="en")
    hello = await english.send("hi")
    assert "did not understand" not in hello.text and "Hello!" in hello.text
    assert MENU_EN in str(hello.messages[-1].params.get("reply_markup"))
    thanks = await english.send("Thank you!")
    assert "You are welcome" in thanks.text

    chinese = harness.user(602, language_code="zh-hans")
    hello = await chinese.send("你好")
    assert "您好！" in hello.text and "没有理解" not in hello.text and "不明白" not in hello.text
    assert MENU_ZH in str(hello.messages[-1].params.get("reply_markup"))
    thanks = await chinese.send("谢谢")
    assert "不客气" in thanks.text


async def test_a_greeting_with_a_fever_still_gets_the_fever_answer(harness: BotHarness) -> None:
    reply = await harness.user(603, language_code="zh-hans").send("你好，孩子发烧了")
    assert "您好！我是妇幼健康助手" not in reply.text
    assert "发热门诊" in reply.text


async def test_a_voice_note_photo_or_sticker_asks_her_to_type(harness: BotHarness) -> None:
    english = harness.user(604, language_code="en")
    voice = await send_media(
        english, voice={"file_id": "v1", "file_unique_id": "v1", "duration": 3}
    )
    assert "Please type" in voice.text and "120" in voice.text
    chinese = harness.user(605, language_code="zh-hans")
    photo = await send_media(
        chinese, photo=[{"file_id": "p1", "file_unique_id": "p1", "width": 90, "height": 90}]
    )
    assert "请用文字输入" in photo.text and "120" in photo.text
    sticker = await send_media(
        chinese,
        sticker={
            "file_id": "s1",
            "file_unique_id": "s1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        },
    )
    assert "请用文字输入" in sticker.text


async def test_the_consent_says_her_telegram_name_is_stored(harness: BotHarness) -> None:
    english = harness.user(606, language_code="en")
    await english.send("/start")
    consent = await english.press("English")
    assert "your name as Telegram gives it" in consent.text
    chinese = harness.user(607, language_code="zh-hans")
    await chinese.send("/start")
    consent = await chinese.press("中文")
    assert "您在 Telegram 上的名字" in consent.text
