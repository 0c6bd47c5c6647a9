"""Danger words in free text get the emergency answer first, even in the middle of a
dialog, while questions *about* danger signs are left to the health guide."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot import dialogs
from bot.devtools.harness import BotHarness
from bot.domain.danger_words import (
    DangerWordsError,
    default_danger_words,
    find_danger_signs,
    load_danger_words,
)
from bot.domain.triage import Level, assess
from bot.domain.triage_model import Report, Subject
from bot.reports import triage_rules
from storage.db import Database
from tests import factories

CONTENT = Path(__file__).resolve().parents[1] / "content" / "danger_words.toml"


@pytest.mark.parametrize(
    ("text", "signs"),
    [
        ("出血了", {"bleeding"}),
        ("我下面流血了怎么办", {"bleeding"}),
        ("羊水破了", {"waters"}),
        ("好像破水了，没有宫缩", {"waters"}),
        ("宝宝抽搐", {"fit"}),
        ("孩子惊厥了！", {"fit"}),
        ("喘不上气", {"breathing"}),
        ("宝宝叫不醒", {"unresponsive"}),
        ("感觉不到胎动了", {"fetal_movement"}),
        ("我不想活了", {"self_harm"}),
        ("bleeding", {"bleeding"}),
        ("I'm bleeding, is this a danger sign?", {"bleeding"}),
        ("My waters broke an hour ago", {"waters"}),
        ("baby is having a fit", {"fit"}),
        ("Baby is having a FIT!!", {"fit"}),
        ("can't breathe", {"breathing"}),
        ("she can\u2019t breathe", {"breathing"}),  # a phone's curly apostrophe
        ("the baby hasn't moved since this morning", {"fetal_movement"}),
        ("my son is floppy and won't wake up", {"unresponsive"}),
        ("I want to kill myself", {"self_harm"}),
        ("宝宝 seizure 了", {"fit"}),  # mixed languages
        ("bleeding and can't breathe", {"bleeding", "breathing"}),
    ],
)
def test_danger_signs_are_found(text: str, signs: set[str]) -> None:
    assert set(find_danger_signs(text)) == signs


@pytest.mark.parametrize(
    "text",
    [
        "what are the danger signs",
        "What are the danger signs in pregnancy, like bleeding?",
        "Is bleeding a warning sign?",
        "symptoms of a seizure in children",
        "孕期危险信号有哪些",
        "出血是危险信号吗",
        "宝宝抽搐的原因有哪些",
        "没有出血，只是有点咳嗽",
        "I am not bleeding, just a cough",
        "no bleeding",
        "牙龈出血正常吗",
        "my gums are bleeding when I brush",
        "小腿抽筋怎么办",
        "how do I do a mask fit test",
        "hello",
    ],
)
def test_education_questions_and_look_alikes_are_not_emergencies(text: str) -> None:
    assert find_danger_signs(text) == ()


def test_every_sign_cites_known_sources_and_maps_to_checklist_symptoms() -> None:
    words = default_danger_words()
    rules = triage_rules()
    for sign in words.signs:
        assert sign.sources and set(sign.sources) <= set(rules.sources), sign.id
        for code in sign.symptoms.values():
            assert code in rules.symptoms, (sign.id, code)
        if sign.urgent:
            for locale in ("zh_Hans", "en"):
                assert "{emergency_number}" not in sign.answer(locale, "120")


def test_a_broken_word_list_fails_at_load(tmp_path: Path) -> None:
    broken = tmp_path / "danger_words.toml"
    text = CONTENT.read_text(encoding="utf-8")
    broken.write_text(
        text.replace("请立即就医，或拨打{emergency_number}。", "请立即就医，或拨打{number}。"),
        encoding="utf-8",
    )
    with pytest.raises(DangerWordsError, match="only \\{emergency_number\\}"):
        load_danger_words(broken)
    broken.write_text(text.replace('symptoms = { child = "stiff_neck" }', ""), encoding="utf-8")
    with pytest.raises(DangerWordsError, match="symptoms maps"):
        load_danger_words(broken)


@pytest.mark.parametrize(
    ("locale", "language_code", "text", "expected"),
    [
        ("zh_Hans", "zh-hans", "出血了", "阴道出血是孕期的危险信号"),
        ("zh_Hans", "zh-hans", "羊水破了", "可能是破水的信号"),
        ("en", "en", "my baby is having a fit", "Lay your child on their side"),
        ("en", "en", "I'm pregnant and can't breathe", "short of breath even at rest"),
    ],
)
async def test_the_emergency_answer_comes_with_the_emergency_number(
    harness: BotHarness, locale: str, language_code: str, text: str, expected: str
) -> None:
    reply = await harness.user(501, language_code=language_code).send(text)
    message = reply.messages[0]
    rules = triage_rules()
    assert message.text.startswith("🚨")
    assert (
        rules.levels[max(rules.levels)]["user"].get(locale).format(emergency_number="120")
        in message.text
    )
    assert expected in message.text and "120" in message.text


async def test_the_emergency_number_is_configuration(harness: BotHarness) -> None:
    harness.runtime.settings.emergency_number = "999"
    reply = await harness.user(502, language_code="en").send("I'm bleeding")
    assert "call 999" in reply.text and "120" not in reply.text


async def test_a_danger_word_in_the_middle_of_onboarding_is_answered_and_keeps_the_dialog(
    harness: BotHarness,
) -> None:
    mom = harness.user(503, language_code="en")
    await mom.send("/start")
    await mom.press("English")
    await mom.press("I agree")  # now asked whether she is pregnant or a parent
    async with harness.runtime.db.session() as session:
        before = await dialogs.load(session, 503)
    assert before is not None and before.step == "role"

    reply = await mom.send("my baby is having a fit")
    assert "call 120" in reply.messages[0].text
    assert "carry on where you left off" in reply.text
    async with harness.runtime.db.session() as session:
        assert await dialogs.load(session, 503) == before
    after = await mom.press("I am pregnant")  # and she carries on
    assert "How far along is your pregnancy?" in after.text


async def test_a_danger_word_in_the_middle_of_a_report_keeps_every_answer(
    harness: BotHarness, db: Database
) -> None:
    await factories.community(db)
    await factories.mother(db, 504)
    mom = harness.user(504, language_code="zh-hans")
    await mom.send("/report")
    await mom.press("咳嗽")
    await mom.press("✅")
    reply = await mom.send("我喘不上气了")
    assert reply.messages[0].text.startswith("🚨") and "120" in reply.messages[0].text
    async with harness.runtime.db.session() as session:
        state = await dialogs.load(session, 504)
    assert state is not None and state.step == "p_temp" and state.data["symptoms"] == ["cough"]
    await mom.send("38.6")
    async with harness.runtime.db.session() as session:
        state = await dialogs.load(session, 504)
    assert state is not None and state.data["temperature_c"] == 38.6


@pytest.mark.parametrize(
    ("language_code", "text"),
    [("en", "what are the danger signs"), ("zh-hans", "孕期危险信号有哪些")],
)
async def test_asking_about_danger_signs_gets_no_emergency_answer(
    harness: BotHarness, language_code: str, text: str
) -> None:
    reply = await harness.user(505, language_code=language_code).send(text)
    assert reply.messages and not reply.text.startswith("🚨")
    assert "120" not in reply.messages[0].text.split("\n")[0]


@pytest.mark.parametrize(
    "subject",
    [
        Subject("pregnancy", due_date=date(2026, 3, 1)),
        Subject("postpartum"),
        Subject("child", birth_date=date(2025, 12, 15)),  # an infant of 6 weeks
        Subject("child", birth_date=date(2023, 1, 15)),
    ],
    ids=lambda s: s.kind if s.kind != "child" else f"child-{s.birth_date}",
)
def test_every_checklist_emergency_has_words(subject: Subject) -> None:
    """A checklist symptom that is an emergency alone is a danger sign with words: a typed
    phrase of it is answered at once, and so is its tick on a form no longer open
    (bot/handlers/danger.py `danger_pressed` finds it through these words)."""
    rules, words, today = triage_rules(), default_danger_words(), date(2026, 1, 30)
    mapped = {s.symptoms[subject.kind] for s in words.signs if subject.kind in s.symptoms}

    def level(code: str) -> Level:
        alone = Report(reported_on=today, symptoms=frozenset({code}))
        return assess(subject, alone, (), rules, today).level

    checklist = rules.checklist(subject.kind)
    emergencies = {s.code for s in checklist if level(s.code) == Level.EMERGENCY}
    assert emergencies, "no emergency on the checklist: the subject is wrong"
    assert emergencies <= mapped
