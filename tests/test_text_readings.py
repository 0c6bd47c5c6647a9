"""Numbers inside a message: the age, reading and week that decide a typed sign's level."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.domain.danger_words import normalise, recognise
from bot.domain.intents import default_lexicon
from bot.domain.text_readings import chinese_number, readings_in_text
from bot.domain.triage import Level, load_rules
from bot.domain.triage_text import Person, triage_text

TODAY = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("宝宝发烧38.3度", "temperature_c", 38.3),
        ("烧到38度5", "temperature_c", 38.5),
        ("temp of 101.3F", "temperature_c", 38.5),
        ("fever of 38.4", "temperature_c", 38.4),
        ("体温35.2", "temperature_c", 35.2),
        ("38 weeks pregnant", "temperature_c", None),  # a bare number is not a reading
        ("我两个月的宝宝", "age_days", 61),
        ("宝宝出生20天", "age_days", 20),
        ("一岁半的孩子", "age_days", 548),
        ("my 6 week old", "age_days", 42),
        ("my 2-month-old", "age_days", 61),
        ("newborn", "age_days", 7),
        ("孕20周", "gestation_days", 140),
        ("怀孕32周3天", "gestation_days", 227),
        ("I'm 34 weeks pregnant", "gestation_days", 238),
        ("血氧92", "spo2", 92.0),
        ("oxygen level is 94%", "spo2", 94.0),
        ("呼吸每分钟60次", "breathing_rate", 60),
        ("发烧5天了", "days", 5),
        ("fever for three days", "days", 3),
    ],
)
def test_numbers_are_read_from_the_frame_they_are_written_in(
    text: str, field: str, value: float | None
) -> None:
    normal = default_lexicon().normal_from_celsius
    assert getattr(readings_in_text(normalise(text), normal_from_celsius=normal), field) == value


def test_chinese_numbers() -> None:
    assert [chinese_number(n) for n in ("两", "十", "十一", "二十", "7")] == [2, 10, 11, 20, 7]


NOBODY = Person()


def _level(text: str, person: Person = NOBODY) -> Level:
    result = triage_text(recognise(text), person, load_rules(), TODAY)
    return Level.ROUTINE if result is None else result.level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # NICE red under 3 months at 38 °C, both sides of the age and the reading.
        ("我两个月的宝宝发烧38度", Level.EMERGENCY),
        ("我两个月的宝宝体温37.9度", Level.ROUTINE),  # 2 months: past IMCI's 0-2 months
        ("我三个月的宝宝发烧38度", Level.ROUTINE),
        ("我一个月的宝宝体温37.5度", Level.EMERGENCY),  # IMCI: under 2 months from 37.5
        ("我一个月的宝宝体温37.4度", Level.ROUTINE),
        # RCOG: reduced movement before 24 weeks is "see a doctor today", from 24 an emergency.
        ("孕23周，胎动少了", Level.SEE_DOCTOR_TODAY),
        ("孕24周，胎动少了", Level.EMERGENCY),
    ],
)
def test_the_age_and_week_in_the_text_decide_the_level(text: str, level: Level) -> None:
    assert _level(text) == level


def test_the_profile_decides_when_the_text_has_no_age() -> None:
    infant = Person(children=((1, TODAY - timedelta(days=40)),))
    toddler = Person(children=((1, TODAY - timedelta(days=800)),))
    assert _level("宝宝发烧了38.3度", infant) == Level.EMERGENCY
    assert _level("宝宝发烧了38.3度", toddler) == Level.ROUTINE
    # A bare reading from someone unknown is about nobody in particular.
    assert _level("38.5") == Level.ROUTINE
