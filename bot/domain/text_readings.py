"""Numbers written inside a message: temperature, SpO2, breathing rate, a child's age, a week.

"my two-month-old has a fever of 38.3", "my 6 week old has 38.2", "20 weeks pregnant,
the baby moves less" (and the same typed in Chinese): the age, the reading
and the week in the message decide the level as much as the words do, so triage gets
them as numbers.
Each reading goes through the same checks as a typed answer (bot/domain/measurements.py),
so an impossible number never reaches triage.

Only what is written in a recognisable frame counts: a bare "38" could be a week, an age
or a house number. Where a text is ambiguous, nothing is read and triage falls back to the
profile (or to the rule's `if_unknown`, which errs on the safe side).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain.measurements import MeasurementError, parse_spo2, parse_temperature

_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_CN_DIGITS |= {"七": 7, "八": 8, "九": 9}
_CN = "零一二两三四五六七八九十"
NUM = rf"(?:\d{{1,2}}|[{_CN}]{{1,3}})"

# A temperature: a number with a unit after it, or "体温"/"temp" before it.
_UNIT = r"°\s*[cf]|摄氏度|华氏度|度|°|deg(?:rees?)?(?:\s*[cf](?![a-z]))?|[cf](?![a-z])"
_READING = re.compile(
    r"(?P<label>(?:体温|温度|发烧|发热|烧到|temperature|temp|fever|has|of)\s*"
    r"(?:is|of|was|at|reached|是|有|达到|到|:)?\s*)?"
    r"(?P<reading>(?<![\d.])\d{2,3}(?:\.\d{1,2})?(?![\d.])\s*(?P<unit>" + _UNIT + r")?)"
)
_SPOKEN_DECIMAL = re.compile(r"(?<![\d.])(\d{2})\s*度\s*(\d)(?!\d)")  # 38度5 is 38.5 °C
_SPO2 = re.compile(
    r"(?:血氧(?:饱和度)?|spo2|sats?|oxygen(?:\s+(?:level|saturation|sat))?)"
    r"\s*(?:is|of|at|was|only|just|是|只有|才|有|:)*\s*(?P<n>\d{2,3})\s*%?"
)
_BREATHING = re.compile(
    r"(?:呼吸\s*(?:每分钟|一分钟|每分)?\s*(?:有|是|达到|:)?\s*(?P<a>\d{2,3})\s*(?:次|下)"
    r"|(?P<b>\d{2,3})\s*(?:breaths?|次呼吸)"
    r"|breathing(?:\s+rate)?\s*(?:is|of|at|:)?\s*(?P<c>\d{2,3}))"
)
_CHILD_NOUN = r"(?:宝宝|宝贝|孩子|小孩|婴儿|儿子|女儿|娃|闺女|新生儿|小宝)"
_AGE_ZH = re.compile(
    rf"(?<![孕怀])(?:出生|月龄|才|刚)?\s*(?P<n>{NUM})(?P<half>个半|半)?\s*(?:个)?\s*(?:多)?\s*"
    rf"(?P<unit>个月|月|天|周|星期|岁)(?P<half2>半)?(?:大|的|龄)"
    rf"|{_CHILD_NOUN}\s*(?:才|刚|刚满|满)?\s*(?P<n2>{NUM})(?P<h3>个半)?\s*(?:个)?\s*"
    rf"(?P<unit2>个月|月|天|周|星期|岁)(?P<h4>半)?"
    rf"|出生\s*(?:才|刚)?\s*(?P<n3>{NUM})\s*(?:个)?\s*(?P<unit3>个月|月|天|周|星期)"
)
_AGE_EN = re.compile(
    r"(?P<n>\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven)"
    r"[\s-]*(?P<unit>day|week|month|year)s?[\s-]*old"
)
_DAYS = re.compile(
    rf"(?:烧|发烧|发热|吐|呕吐|拉|拉肚子|腹泻|持续)了?\s*(?P<n>{NUM}|几)\s*天"
    rf"|(?P<n2>{NUM})\s*天了"
    r"|(?:for|over|since)\s+(?P<n3>\d{1,2}|two|three|four|five|six|seven)\s+days"
    r"|(?P<n4>\d{1,2}|two|three|four|five|six|seven)\s+days\s+(?:now|already|straight|in a row)"
)
_NEWBORN = re.compile(r"新生儿|刚出生|newborn|new-born|just born")
_GESTATION = re.compile(
    rf"(?:孕|怀孕|怀了)\s*(?P<w>{NUM})\s*(?:周|w)(?:\s*(?:\+|又|零)?\s*(?P<d>\d)\s*天)?"
    r"|(?<![\d.])(?P<w2>\d{1,2})\s*\+\s*(?P<d2>[0-6])(?![\d])"
    r"|(?P<w3>\d{1,2})\s*weeks?(?:\s*(?:and\s*)?(?P<d3>\d)\s*days?)?\s*pregnant"
    r"|(?:pregnant|gestation)\D{0,12}?(?P<w4>\d{1,2})\s*weeks?"
)
_EN_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_EN_NUMBERS |= {"eight": 8, "nine": 9, "ten": 10, "eleven": 11}
_DAYS_PER = {"天": 1, "day": 1, "周": 7, "星期": 7, "week": 7}
_MONTHS_PER = {"个月": 1, "月": 1, "month": 1, "岁": 12, "year": 12}


@dataclass(frozen=True)
class TextReadings:
    temperature_c: float | None = None
    spo2: float | None = None
    breathing_rate: int | None = None
    age_days: int | None = None  # a child's age, in days (months count as 30.44)
    gestation_days: int | None = None
    days: int | None = None  # "发烧5天了", "for 3 days": how long the symptoms have lasted

    def any(self) -> bool:
        return any(
            v is not None
            for v in (self.temperature_c, self.spo2, self.breathing_rate, self.age_days)
        )

    def birth_date(self, today: date) -> date | None:
        """A birth date that gives today's age in the message (for triage's age rules)."""
        return None if self.age_days is None else today - timedelta(days=self.age_days)


def chinese_number(text: str) -> int | None:
    """'两' -> 2, '十一' -> 11, '二十' -> 20, '7' -> 7."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        high = _CN_DIGITS.get(tens, 1) if tens else 1
        low = _CN_DIGITS.get(ones, 0) if ones else 0
        return high * 10 + low
    if len(text) == 1 and text in _CN_DIGITS:
        return _CN_DIGITS[text]
    return None


def temperatures_celsius(text: str) -> list[float]:
    """Every plausible body temperature written in the (folded) text, in °C."""
    text = _SPOKEN_DECIMAL.sub(r"\1.\2度", text)
    readings = []
    for match in _READING.finditer(text):
        if match["label"] is None and match["unit"] is None:
            continue  # a bare number is a week, an age, a phone number...
        try:
            readings.append(parse_temperature(match["reading"]))
        except MeasurementError:
            continue  # "101℃" or "20度": not a body temperature
    return readings


def _temperature(text: str, normal_from: float) -> float | None:
    """The reading that matters: the highest, unless every reading is below normal."""
    readings = temperatures_celsius(text)
    if not readings:
        return None
    return min(readings) if max(readings) < normal_from else max(readings)


def _age_days(text: str) -> int | None:
    if _NEWBORN.search(text):
        return 7  # a newborn is in its first weeks: every young-infant rule applies
    match = _AGE_EN.search(text)
    if match is not None:
        n = int(match["n"]) if match["n"].isdigit() else _EN_NUMBERS[match["n"]]
        return _to_days(n, match["unit"], half=False)
    match = _AGE_ZH.search(text)
    if match is None:
        return None
    raw = match["n"] or match["n2"] or match["n3"]
    unit = match["unit"] or match["unit2"] or match["unit3"]
    n = chinese_number(raw)
    if n is None:
        return None
    half = any(match[g] for g in ("half", "half2", "h3", "h4"))
    return _to_days(n, unit, half=half)


def _to_days(n: int, unit: str, *, half: bool) -> int:
    if unit in _DAYS_PER:
        return n * _DAYS_PER[unit]
    months = n * _MONTHS_PER[unit] + ((_MONTHS_PER[unit] / 2) if half else 0)
    return round(months * 30.44)


def _gestation_days(text: str) -> int | None:
    match = _GESTATION.search(text)
    if match is None:
        return None
    weeks = chinese_number(match["w"] or match["w2"] or match["w3"] or match["w4"])
    days = match["d"] or match["d2"] or match["d3"] or "0"
    if weeks is None or not 4 <= weeks <= 44:
        return None
    return weeks * 7 + int(days)


def _days(text: str) -> int | None:
    match = _DAYS.search(text)
    if match is None:
        return None
    raw = match["n"] or match["n2"] or match["n3"] or match["n4"]
    if raw == "几":
        return 3  # "好几天", "几天": several, counted as the least that "several" means
    number = _EN_NUMBERS.get(raw) if raw in _EN_NUMBERS else chinese_number(raw)
    return number if number is not None and 0 < number <= 60 else None


def _spo2(text: str) -> float | None:
    match = _SPO2.search(text)
    if match is None:
        return None
    try:
        return parse_spo2(match["n"])
    except MeasurementError:
        return None


def _breathing(text: str) -> int | None:
    match = _BREATHING.search(text)
    if match is None:
        return None
    value = int(match["a"] or match["b"] or match["c"])
    return value if 5 <= value <= 120 else None


def readings_in_text(text: str, *, normal_from_celsius: float) -> TextReadings:
    """The numbers in a message already folded (NFKC, lower case). `normal_from_celsius`
    comes from content/intents.toml ([temperature] normal_from_celsius)."""
    return TextReadings(
        temperature_c=_temperature(text, normal_from_celsius),
        spo2=_spo2(text),
        breathing_rate=_breathing(text),
        age_days=_age_days(text),
        gestation_days=_gestation_days(text),
        days=_days(text),
    )
