"""Opening hours: at 01:00 on a Monday a parent must be told which clinic is really open."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clinics_import import MESSAGES_PATH
from bot.domain import opening_hours
from bot.domain.opening_hours import (
    DEFAULT_TZ,
    Interval,
    OpeningHoursError,
    is_open,
    next_closing,
    next_opening,
    parse_opening_hours,
)
from bot.domain.validation_text import explain, load_validation_texts

SHANGHAI = ZoneInfo("Asia/Shanghai")

# 2024-06-03 is a Monday.
MON, TUE, WED, THU, FRI, SAT, SUN = (datetime(2024, 6, 3 + i).date() for i in range(7))


def at(day, hhmm: str, tz=SHANGHAI) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=tz)


def test_the_test_calendar_starts_on_a_monday():
    assert MON.weekday() == 0 and SUN.weekday() == 6


# --- parsing ---------------------------------------------------------------------------------


def minutes(text: str) -> list[list[tuple[int, int]]]:
    return [[(i.start, i.end) for i in day] for day in parse_opening_hours(text).days]


WEEKDAY_OFFICE = [[(480, 1050)]] * 5 + [[(480, 720)], []]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24h", [[(0, 1440)]] * 7),
        ("24/7", [[(0, 1440)]] * 7),
        ("Mo-Fr 08:00-17:30; Sa 08:00-12:00", WEEKDAY_OFFICE),
        ("Mo-Su 20:00-02:00", [[(1200, 1560)]] * 7),
        ("Mo-Fr 08:00-12:00,14:00-17:30", [[(480, 720), (840, 1050)]] * 5 + [[], []]),
        ("Mo-Sa 08:00-17:00; Su off", [[(480, 1020)]] * 6 + [[]]),
        ("Sa,Su 24h", [[]] * 5 + [[(0, 1440)]] * 2),
        ("08:00-20:00", [[(480, 1200)]] * 7),
        ("Fr-Mo 10:00-12:00", [[(600, 720)], [], [], [], [(600, 720)], [(600, 720)], [(600, 720)]]),
        ("Mo 08:00-24:00", [[(480, 1440)]] + [[]] * 6),
        ("Mo 8:00-9:30", [[(480, 570)]] + [[]] * 6),
        # ranges on one day are kept in time order whatever order they were typed in
        ("Mo 14:00-17:00,08:00-12:00", [[(480, 720), (840, 1020)]] + [[]] * 6),
    ],
)
def test_parses_the_compact_format(text, expected):
    assert minutes(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "周一至周五 8:00-17:30；周六 8:00-12:00",
        "星期一-星期五 08:00~17:30; 星期六 08:00-12:00",
        "Monday-Friday 08:00-17:30; Saturday 08:00-12:00",
        "mo-fr 08:00 - 17:30 ;  SA 08:00-12:00",
        "工作日 08：00－17：30；周六 08:00至12:00",
    ],
)
def test_spellings_from_published_lists_mean_the_same(text):
    assert parse_opening_hours(text) == parse_opening_hours("Mo-Fr 08:00-17:30; Sa 08:00-12:00")


def test_round_the_clock_spellings_and_flag():
    for text in ("24h", "24/7", "24小时", "每天 全天", "Mo-Su 00:00-24:00"):
        assert parse_opening_hours(text).is_always_open, text
    assert not parse_opening_hours("Mo-Sa 24h").is_always_open


def test_hours_keep_the_original_text_but_compare_by_schedule():
    hours = parse_opening_hours("  周末 休息; 工作日 24h ")
    assert hours.text == "周末 休息; 工作日 24h"
    assert hours == parse_opening_hours("Mo-Fr 24h")
    assert hours.days[0] == (Interval(0, 1440),)


@pytest.mark.parametrize(
    ("text", "code", "fragment"),
    [
        ("", "hours_empty", ""),
        (" ; ", "hours_empty", ""),
        ("Mo-Fr", "hours_missing_times", "mo-fr"),
        ("Xx 08:00-09:00", "hours_unknown_day", "xx"),
        ("PH off", "hours_unknown_day", "ph"),
        ("Mo 25:00-26:00", "hours_bad_time", "25:00"),
        ("Mo 08:60-09:00", "hours_bad_time", "08:60"),
        ("Mo 24:00-02:00", "hours_bad_time", "24:00"),
        ("Mo 8.00-9.00", "hours_bad_time", "8.00"),
        ("Mo 08:00", "hours_bad_range", "08:00"),
        ("Mo 08:00-09:00-10:00", "hours_bad_range", "08:00-09:00-10:00"),
        ("Mo 08:00-08:00", "hours_zero_length", "08:00-08:00"),
        ("Mo 08:00-12:00,11:00-13:00", "hours_overlap", "08:00-12:00,11:00-13:00"),
        ("Mo-Fr 08:00-17:30, Sa 08:00-12:00", "hours_bad_separator", "sa 08:00-12:00"),
        ("Mo 08:00-12:00; Mo 14:00-17:00", "hours_day_repeated", "Mo"),
        ("Mo-Su 08:00-20:00; Su off", "hours_day_repeated", "Su"),
        ("24h; Sa off", "hours_day_repeated", "Sa"),
        ("Mo-Su off", "hours_never_open", "Mo-Su off"),
    ],
)
def test_bad_hours_say_what_is_wrong(text, code, fragment):
    with pytest.raises(OpeningHoursError) as caught:
        parse_opening_hours(text)
    assert caught.value.code == code
    assert caught.value.params == {"fragment": fragment}


def test_every_hours_error_code_has_a_text_in_both_locales():
    source = Path(opening_hours.__file__).read_text(encoding="utf-8")
    codes = set(re.findall(r'"(hours_[a-z_]+)"', source))
    assert len(codes) >= 10
    texts = load_validation_texts(MESSAGES_PATH)
    for code in codes:
        for locale in ("zh_Hans", "en"):
            assert explain(code, locale, texts, fragment="x").strip(), (code, locale)


# --- open or closed at a moment ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "moment", "expected"),
    [
        # weekday office hours: start included, end excluded
        ("Mo-Fr 08:00-17:30", at(MON, "07:59"), False),
        ("Mo-Fr 08:00-17:30", at(MON, "08:00"), True),
        ("Mo-Fr 08:00-17:30", at(MON, "17:29"), True),
        ("Mo-Fr 08:00-17:30", at(MON, "17:30"), False),
        # closed day
        ("Mo-Sa 08:00-17:00; Su off", at(SAT, "12:00"), True),
        ("Mo-Sa 08:00-17:00; Su off", at(SUN, "12:00"), False),
        # lunch break
        ("Mo-Fr 08:00-11:30,13:30-17:00", at(TUE, "12:00"), False),
        ("Mo-Fr 08:00-11:30,13:30-17:00", at(TUE, "13:30"), True),
        # around midnight for a round-the-clock place
        ("24h", at(MON, "00:00"), True),
        ("24h", at(SUN, "23:59"), True),
        # a range running past midnight belongs to the day it starts on
        ("Su 20:00-02:00", at(MON, "01:00"), True),
        ("Su 20:00-02:00", at(MON, "02:00"), False),
        ("Su 20:00-02:00", at(SUN, "01:00"), False),
        ("Su 20:00-02:00", at(SUN, "23:59"), True),
        ("Mo-Su 20:00-02:00", at(WED, "00:00"), True),
        ("Mo-Su 20:00-02:00", at(WED, "19:59"), False),
        ("Fr 22:00-06:00; Sa off", at(SAT, "05:59"), True),
        ("Mo 08:00-24:00", at(MON, "23:59"), True),
        ("Mo 08:00-24:00", at(TUE, "00:00"), False),
    ],
)
def test_is_open(hours, moment, expected):
    assert is_open(parse_opening_hours(hours), moment) is expected


def test_the_moment_is_read_in_the_configured_zone():
    hours = parse_opening_hours("Mo-Fr 08:00-17:30")
    # 00:30 UTC on Monday is 08:30 in Shanghai: open there, closed in London.
    moment = datetime(2024, 6, 3, 0, 30, tzinfo=UTC)
    assert is_open(hours, moment)
    assert not is_open(hours, moment, ZoneInfo("Europe/London"))
    # Sunday 23:30 UTC is Monday 07:30 in Shanghai.
    assert not is_open(hours, datetime(2024, 6, 2, 23, 30, tzinfo=UTC))
    assert is_open(hours, datetime(2024, 6, 3, 0, 0, tzinfo=UTC))


def test_a_naive_datetime_is_refused():
    hours = parse_opening_hours("24h")
    for function in (is_open, next_opening, next_closing):
        with pytest.raises(ValueError, match="timezone-aware"):
            function(hours, datetime(2024, 6, 3, 12, 0))


# --- next opening and closing ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "moment", "expected"),
    [
        # over a weekend
        ("Mo-Fr 08:00-17:30", at(FRI, "17:30"), at(MON + timedelta(7), "08:00")),
        ("Mo-Fr 08:00-17:30", at(SAT, "09:00"), at(MON + timedelta(7), "08:00")),
        ("Mo-Fr 08:00-17:30", at(SUN, "23:59"), at(MON + timedelta(7), "08:00")),
        ("Mo-Sa 08:00-17:00; Su off", at(SAT, "17:00"), at(MON + timedelta(7), "08:00")),
        # later the same day, after a lunch break
        ("Mo-Fr 08:00-11:30,13:30-17:00", at(TUE, "11:30"), at(TUE, "13:30")),
        # before opening on the same day; seconds do not push it to the next day
        ("Mo-Fr 08:00-17:30", at(MON, "07:59").replace(second=30), at(MON, "08:00")),
        # a late-night range: after it closes, next opening is that evening
        ("Mo-Su 20:00-02:00", at(TUE, "02:00"), at(TUE, "20:00")),
        # open only on Sunday night: from Monday 03:00 the next opening is six days later
        ("Su 20:00-02:00", at(MON, "03:00"), at(SUN, "20:00")),
        # only one day a week, and that day's hours are already over
        ("We 09:00-10:00", at(WED, "10:00"), at(WED + timedelta(7), "09:00")),
    ],
)
def test_next_opening(hours, moment, expected):
    opens = next_opening(parse_opening_hours(hours), moment)
    assert opens == expected
    assert opens.tzinfo is not None and opens.utcoffset() == timedelta(hours=8)


def test_next_opening_of_an_open_place_is_now_in_the_configured_zone():
    moment = datetime(2024, 6, 3, 1, 0, tzinfo=UTC)  # 09:00 Monday in Shanghai
    opens = next_opening(parse_opening_hours("Mo-Fr 08:00-17:30"), moment)
    assert opens == moment
    assert opens.tzinfo == DEFAULT_TZ


def test_next_opening_is_given_in_the_zone_asked_for():
    london = ZoneInfo("Europe/London")
    opens = next_opening(parse_opening_hours("Mo-Fr 08:00-17:30"), at(SAT, "12:00", london), london)
    assert opens == at(MON + timedelta(7), "08:00", london)
    assert opens.utcoffset() == timedelta(hours=1)  # British Summer Time


@pytest.mark.parametrize(
    ("hours", "moment", "expected"),
    [
        ("Mo-Fr 08:00-17:30", at(MON, "09:00"), at(MON, "17:30")),
        ("Mo-Fr 08:00-11:30,13:30-17:00", at(TUE, "10:00"), at(TUE, "11:30")),
        ("Mo-Su 20:00-02:00", at(THU, "23:00"), at(FRI, "02:00")),
        ("Su 20:00-02:00", at(MON, "01:00"), at(MON, "02:00")),
        # back-to-back ranges over midnight are one opening
        ("Mo 20:00-24:00; Tu 00:00-08:00", at(MON, "22:00"), at(TUE, "08:00")),
        ("Mo-Sa 24h; Su off", at(WED, "10:00"), at(SUN, "00:00")),
        # round the clock: nothing to close
        ("24h", at(WED, "10:00"), None),
        # closed now: no closing time
        ("Mo-Fr 08:00-17:30", at(SUN, "10:00"), None),
    ],
)
def test_next_closing(hours, moment, expected):
    assert next_closing(parse_opening_hours(hours), moment) == expected
