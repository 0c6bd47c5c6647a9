"""A parent asks about tuina for a feverish child: the bot says it does not treat fever and
offers the way to a fever clinic. A pregnant woman asking about massage for back pain gets a
gentle answer instead of the fever warning. Through the real bot, in Chinese and English."""

from __future__ import annotations

import pytest

from bot import clinics
from bot.clinics_import import CONTENT_DIR, parse_clinic_file
from bot.devtools.harness import BotHarness, Reply

REDIRECT = {
    "zh-hans": [
        "宝宝发烧了，可以去推拿吗？",
        "孩子39度，能去做小儿推拿退烧吗",
        "娃烧到38.5，捏脊有用吗",
        "小儿推拿能退烧吗",
        "孩子高烧不退，听说清天河水管用",
        "发热的时候刮痧能降温吗",
        "儿子低烧两天了，附近哪里有推拿店",
        "女儿额头烫，去推拿馆捏捏脊行吗？",
        "孩子咳嗽，小儿推拿有用吗",
        "体温38度5，按摩一下会不会好点",
    ],
    "en": [
        "My son has a fever, can I take him for tuina?",
        "Is tui-na good for a toddler's high temp?",
        "baby is 102F, would massage help bring it down",
        "Can spine pinching lower my daughter's fever?",
        "my kid is feverish, is gua sha ok",
        "Where can I get paediatric massage for my child",
        "temperature 38.8 — is cupping safe?",
    ],
}
GENTLE = {
    "zh-hans": ["怀孕腰疼可以按摩吗", "孕晚期脚肿，能做足底按摩吗", "肩膀酸痛，想去推拿"],
    "en": [
        "is prenatal massage safe for back pain",
        "no fever, just a sore back: is massage ok?",
        "Is acupressure safe in the third trimester?",
    ],
}
FEVER_SCRIPT = {
    "zh-hans": ["推拿按摩治不了发烧", "发热门诊"],
    "en": ["does not treat a fever", "fever clinic"],
}
LOCATION_BUTTON = {"zh-hans": "📍 发送我的位置", "en": "📍 Share my location"}


@pytest.fixture
async def city(harness: BotHarness) -> BotHarness:
    runtime = harness.runtime
    sample = parse_clinic_file(CONTENT_DIR / "sample.csv").accepted
    await clinics.publish(
        runtime.db, sample, published=None, source_name="sample.csv", now=runtime.clock.now()
    )
    return harness


def location_buttons(reply: Reply) -> list[str]:
    return [b["text"] for c in reply.calls for b in c.keyboard_buttons if b.get("request_location")]


def test_there_are_enough_phrasings() -> None:
    assert sum(len(v) for v in REDIRECT.values()) >= 15
    assert sum(len(v) for v in GENTLE.values()) >= 5


@pytest.mark.parametrize("language", ["zh-hans", "en"])
async def test_massage_for_a_feverish_or_young_child_is_redirected_to_a_fever_clinic(
    city: BotHarness, language: str
) -> None:
    parent = city.user(501 if language == "en" else 502, language_code=language)
    missed = []
    for text in REDIRECT[language]:
        reply = await parent.send(text)
        ok = (
            all(phrase in reply.text for phrase in FEVER_SCRIPT[language])
            and location_buttons(reply) == [LOCATION_BUTTON[language]]
            and len(reply.buttons) == 3  # the three sample districts
        )
        if not ok:
            missed.append(text)
    assert missed == []


async def test_the_redirect_explains_why_and_leads_to_the_nearest_clinics(
    city: BotHarness,
) -> None:
    parent = city.user(503, language_code="zh-hans")
    reply = await parent.send("宝宝发烧了，可以去推拿吗？")
    text = reply.texts[0]
    assert "没有证据能退烧" in text
    assert "推拿按摩场所不得接待发热" in text  # the city notice
    assert "不坐公共交通" in text
    assert "拨打 120" in text
    answer = await parent.share_location(31.23, 121.47)
    assert "离您最近的发热门诊" in answer.texts[0]
    assert [c.method for c in answer.messages] == ["sendMessage", "sendVenue"]


async def test_the_redirect_in_english_names_the_notice_and_the_number(city: BotHarness) -> None:
    reply = await city.user(504, language_code="en").send("my kid is feverish, is gua sha ok")
    text = reply.texts[0]
    assert "no evidence that they bring it down" in text
    assert "massage venues must not receive anyone with a fever" in text
    assert "call 120 now" in text


@pytest.mark.parametrize("language", ["zh-hans", "en"])
async def test_massage_without_fever_or_child_gets_the_gentle_answer(
    city: BotHarness, language: str
) -> None:
    person = city.user(505 if language == "en" else 506, language_code=language)
    for text in GENTLE[language]:
        reply = await person.send(text)
        assert len(reply.messages) == 1, text
        assert not any(phrase in reply.text for phrase in FEVER_SCRIPT[language]), text
        assert "发热" not in reply.text and "fever" not in reply.text.lower(), text
        assert location_buttons(reply) == [] and reply.buttons == [], text
        assert ("医生" if language == "zh-hans" else "doctor") in reply.text, text


async def test_a_pregnant_woman_asking_about_massage_is_told_to_ask_her_midwife(
    city: BotHarness,
) -> None:
    reply = await city.user(507, language_code="zh-hans").send("怀孕腰疼可以按摩吗")
    assert "助产士" in reply.text
    assert "胎动减少" in reply.text and "拨打 120" in reply.text
    reply = await city.user(508, language_code="en").send("is prenatal massage safe for back pain")
    assert "midwife" in reply.text and "tell them you are pregnant" in reply.text


async def test_fever_words_alone_lead_to_the_clinic_question(city: BotHarness) -> None:
    cases = [
        ("zh-hans", "宝宝发烧了", "发热门诊"),
        ("zh-hans", "体温高，怎么办", "发热门诊"),
        ("zh-hans", "孩子发热三天", "发热门诊"),
        ("en", "He has a fever", "fever clinic"),
        ("en", "her temperature is up", "fever clinic"),
    ]
    for number, (language, text, expected) in enumerate(cases):
        reply = await city.user(520 + number, language_code=language).send(text)
        assert expected in reply.text, text
        assert "推拿按摩治不了发烧" not in reply.text and "does not treat" not in reply.text
        assert location_buttons(reply), text
        assert "/report" in reply.text


async def test_no_fever_is_not_a_fever(city: BotHarness) -> None:
    reply = await city.user(511, language_code="zh-hans").send("宝宝没发烧，就是咳嗽")
    assert location_buttons(reply) == []


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("zh-hans", "孩子不发烧…可以推拿吗", "孩子没有发烧时"),
        ("zh-hans", "孩子不发烧，可以推拿吗", "孩子没有发烧时"),
        ("en", "my child has no fever, can I take him for tuina?", "Without a fever"),
    ],
)
async def test_a_denied_fever_is_not_answered_with_the_fever_script(
    city: BotHarness, language: str, text: str, expected: str
) -> None:
    reply = await city.user(507, language_code=language).send(text)
    assert len(reply.messages) == 1
    assert expected in reply.text
    assert FEVER_SCRIPT[language][0] not in reply.text  # "massage does not treat a fever"
    assert not location_buttons(reply)
