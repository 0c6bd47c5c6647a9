"""Questions typed in free text find their topic, in the asker's language."""

from __future__ import annotations

import pytest

from bot.app import FEATURES
from bot.devtools.harness import BotHarness
from bot.guide import catalog
from bot.handlers.basic import unknown
from bot.handlers.guide import answer_question
from bot.handlers.router import Router


def topic_text(topic_id: str, locale: str) -> str:
    return catalog().topic(topic_id).render(locale, emergency_number="120")


@pytest.mark.parametrize(
    ("language", "question", "topic_id"),
    [
        ("zh-hans", "口罩怎么戴", "masks"),
        ("zh-hans", "开窗通风多久", "ventilation"),
        ("zh-hans", "七步洗手法是什么", "hand_washing"),
        ("zh-hans", "体温计怎么用", "home_monitoring"),
        ("zh-hans", "待产包要准备什么", "labour_preparation"),
        ("zh-hans", "我阳了还能喂奶吗", "newborn_care_when_ill"),
        ("en", "how do I wash hands", "hand_washing"),
        ("en", "Which MASK should I wear?", "masks"),
        ("en", "how long should I open the windows", "ventilation"),
        ("en", "what should I pack in my hospital bag", "labour_preparation"),
        ("en", "I feel anxious and can't sleep", "stress_and_mood"),
    ],
)
async def test_a_question_with_one_matching_topic_gets_that_topic(
    harness: BotHarness, language: str, question: str, topic_id: str
) -> None:
    user = harness.user(501, language_code=language)
    reply = await user.send(question)
    [message] = reply.messages
    locale = "zh_Hans" if language == "zh-hans" else "en"
    assert message.text.startswith(topic_text(topic_id, locale))
    assert ("<i>来源：" if language == "zh-hans" else "<i>Sources:") in message.text
    assert [b["text"] for b in message.inline_buttons] == [
        "⬅ 返回话题列表" if language == "zh-hans" else "⬅ Back to topics"
    ]


@pytest.mark.parametrize(
    ("language", "question", "choices", "pick", "title"),
    [
        (
            "en",
            "should I wear a mask in the supermarket",
            ["Wearing masks", "Crowded places", "📖 All topics"],
            "Crowded places",
            topic_text("crowded_places", "en"),
        ),
        (
            "zh-hans",
            "坐地铁要洗手吗",
            ["正确洗手", "少去人多密闭处", "📖 全部话题"],
            "正确洗手",
            topic_text("hand_washing", "zh_Hans"),
        ),
    ],
)
async def test_a_question_matching_several_topics_offers_the_best_first(
    harness: BotHarness,
    language: str,
    question: str,
    choices: list[str],
    pick: str,
    title: str,
) -> None:
    user = harness.user(502, language_code=language)
    reply = await user.send(question)
    assert reply.buttons == choices
    topic = await user.press(pick)
    assert topic.text.startswith(title)
    menu = await user.press("⬅")
    assert any(b.startswith("✓ ") for b in menu.buttons)  # back to the topic menu


@pytest.mark.parametrize(
    ("language", "question", "sorry", "button", "tab"),
    [
        ("zh-hans", "今天天气怎么样", "抱歉，我没有理解您的意思", "📖 全部话题", "✓ 👪 所有人"),
        (
            "en",
            "what a lovely day",
            "Sorry, I did not understand",
            "📖 All topics",
            "✓ 👪 Everyone",
        ),
        # Keywords are per language: English words in a Chinese chat are not guessed at.
        (
            "zh-hans",
            "how do I wash hands",
            "抱歉，我没有理解您的意思",
            "📖 全部话题",
            "✓ 👪 所有人",
        ),
    ],
)
async def test_no_match_falls_back_to_help_and_the_topic_list(
    harness: BotHarness, language: str, question: str, sorry: str, button: str, tab: str
) -> None:
    user = harness.user(503, language_code=language)
    reply = await user.send(question)
    assert sorry in reply.text and "/guide" in reply.text
    assert reply.buttons == [button]
    menu = await user.press(button)
    assert tab in menu.buttons


async def test_the_fallback_for_unknown_commands_offers_the_topics_too(
    harness: BotHarness,
) -> None:
    reply = await harness.user(504, language_code="en").send("/nonsense")
    assert "did not understand" in reply.text and reply.buttons == ["📖 All topics"]


async def test_the_menu_button_label_opens_the_menu_rather_than_a_search(
    harness: BotHarness,
) -> None:
    reply = await harness.user(505, language_code="zh-hans").send("📖 健康指导")
    assert "孕期危险信号" not in reply.text  # not a topic text ...
    assert any(b.startswith("✓ ") for b in reply.buttons)  # ... but the menu


async def test_topics_answer_only_what_no_other_free_text_handler_claimed() -> None:
    router = Router(FEATURES, fallback=unknown)
    assert router.free_text[-1] is answer_question
