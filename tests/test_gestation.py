"""A mother tells the bot her due date, her last period or her week; it stores a due date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.domain import gestation
from bot.domain.dates import DateInputError
from bot.domain.gestation import (
    DatingMethod,
    GestationalAge,
    GestationInputError,
    PregnancyDating,
    is_term,
    parse_due_date,
    parse_gestational_age,
    parse_last_period,
    pregnancy_from_age,
    pregnancy_from_due_date,
    pregnancy_from_last_period,
    trimester,
    validate_gestational_age,
)
from bot.domain.locales import SUPPORTED_LOCALES
from bot.domain.validation_text import explain, load_validation_texts
from tests.test_dates import codes_raised_in

TODAY = date(2026, 3, 10)
GA = GestationalAge


def days(n: int) -> timedelta:
    return timedelta(days=n)


@pytest.fixture(scope="module")
def texts() -> dict[str, dict[str, str]]:
    return load_validation_texts()


# --- reading a reported week ------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("32+4", GA(32, 4)),
        ("32 + 4", GA(32, 4)),
        ("32周4天", GA(32, 4)),
        ("32 周 4 天", GA(32, 4)),
        ("32周", GA(32, 0)),
        ("孕32周4天", GA(32, 4)),
        ("孕32周", GA(32, 0)),
        ("怀孕32周", GA(32, 0)),
        ("孕32+4周", GA(32, 4)),
        ("32周+4天", GA(32, 4)),
        ("32周零4天", GA(32, 4)),
        ("32周4", GA(32, 4)),
        ("32w4d", GA(32, 4)),
        ("32W4D", GA(32, 4)),
        ("32w+4d", GA(32, 4)),
        ("32w 4d", GA(32, 4)),
        ("32w", GA(32, 0)),
        ("32 weeks 4 days", GA(32, 4)),
        ("32 weeks and 4 days", GA(32, 4)),
        ("32 weeks, 4 days", GA(32, 4)),
        ("1 week 1 day", GA(1, 1)),
        ("32 weeks", GA(32, 0)),
        ("32 wks", GA(32, 0)),
        ("32", GA(32, 0)),
        ("３２＋４", GA(32, 4)),  # full-width keyboard
        ("３２周４天", GA(32, 4)),
        ("  32+4\n", GA(32, 4)),
        ("32+0", GA(32, 0)),
        ("32+6", GA(32, 6)),
        ("8", GA(8, 0)),
        ("0", GA(0, 0)),  # read; refused later by the range check
        ("50周", GA(50, 0)),
    ],
)
def test_reported_weeks_are_read(typed: str, expected: GestationalAge) -> None:
    assert parse_gestational_age(typed) == expected


BAD_WEEKS = [
    ("", "gestation_empty"),
    ("   ", "gestation_empty"),
    ("\u3000", "gestation_empty"),
    ("hello", "gestation_unrecognised"),
    ("四周", "gestation_unrecognised"),
    ("4天", "gestation_unrecognised"),  # days alone
    ("32.5", "gestation_unrecognised"),
    ("32,5", "gestation_unrecognised"),
    ("32-4", "gestation_unrecognised"),
    ("32 4", "gestation_unrecognised"),
    ("32+", "gestation_unrecognised"),
    ("+4", "gestation_unrecognised"),
    ("-3", "gestation_unrecognised"),
    ("32周4天5", "gestation_unrecognised"),
    ("32 months", "gestation_unrecognised"),
    ("1000", "gestation_unrecognised"),
    ("32+100", "gestation_unrecognised"),
    ("2026-03-05", "gestation_unrecognised"),  # a date in the week field
    ("3" * 41, "gestation_unrecognised"),
    ("32+7", "gestation_days_invalid"),
    ("32周7天", "gestation_days_invalid"),
    ("32w9d", "gestation_days_invalid"),
    ("32 weeks 10 days", "gestation_days_invalid"),
    ("32+99", "gestation_days_invalid"),
]


@pytest.mark.parametrize(("typed", "code"), BAD_WEEKS)
def test_unreadable_weeks_raise_their_code(typed: str, code: str) -> None:
    with pytest.raises(GestationInputError) as caught:
        parse_gestational_age(typed)
    assert caught.value.code == code


# --- accepted ranges, both sides of every boundary --------------------------


@pytest.mark.parametrize(
    ("age", "code"),
    [
        (GA(0, 0), "gestation_too_early"),
        (GA(3, 6), "gestation_too_early"),
        (GA(4, 0), None),
        (GA(20, 3), None),
        (GA(44, 0), None),
        (GA(44, 1), "gestation_too_late"),
        (GA(50, 0), "gestation_too_late"),
    ],
)
def test_a_reported_week_must_be_4_to_44_weeks(age: GestationalAge, code: str | None) -> None:
    if code is None:
        assert validate_gestational_age(age) == age
        dating = pregnancy_from_age(age, TODAY)
        assert dating.age_today == age
        assert gestation.gestational_age(dating.due_date, TODAY) == age
    else:
        with pytest.raises(GestationInputError) as caught:
            pregnancy_from_age(age, TODAY)
        assert caught.value.code == code
        assert caught.value.params == {"min_age": GA(4, 0), "max_age": GA(44, 0)}


@pytest.mark.parametrize(
    ("due", "code", "age_today"),
    [
        (TODAY - days(15), "due_date_too_far_past", None),
        (TODAY - days(14), None, GA(42, 0)),
        (TODAY, None, GA(40, 0)),
        (TODAY + days(1), None, GA(39, 6)),
        (TODAY + days(252), None, GA(4, 0)),  # 36 weeks ahead: gestation 4+0
        (TODAY + days(253), "due_date_too_far_ahead", None),
        # The "44 weeks ahead" would be a pregnancy not yet begun.
        (TODAY + days(44 * 7), "due_date_too_far_ahead", None),
    ],
)
def test_a_due_date_must_be_14_days_ago_to_36_weeks_ahead(
    due: date, code: str | None, age_today: GestationalAge | None
) -> None:
    if code is None:
        assert pregnancy_from_due_date(due, TODAY) == PregnancyDating(
            due, age_today, DatingMethod.DUE_DATE
        )
    else:
        with pytest.raises(GestationInputError) as caught:
            pregnancy_from_due_date(due, TODAY)
        assert caught.value.code == code
        assert caught.value.params == {
            "earliest": date(2026, 2, 24),
            "latest": date(2026, 11, 17),
        }


@pytest.mark.parametrize(
    ("last_period", "code", "age_today"),
    [
        (TODAY + days(1), "last_period_in_future", None),
        (TODAY, "last_period_too_recent", None),
        (TODAY - days(27), "last_period_too_recent", None),  # 3+6
        (TODAY - days(28), None, GA(4, 0)),
        (TODAY - days(100), None, GA(14, 2)),
        (TODAY - days(308), None, GA(44, 0)),
        (TODAY - days(309), "last_period_too_long_ago", None),  # 44+1
    ],
)
def test_a_last_period_must_give_4_to_44_weeks(
    last_period: date, code: str | None, age_today: GestationalAge | None
) -> None:
    if code is None:
        dating = pregnancy_from_last_period(last_period, TODAY)
        assert dating == PregnancyDating(
            last_period + days(280), age_today, DatingMethod.LAST_PERIOD
        )
    else:
        with pytest.raises(GestationInputError) as caught:
            pregnancy_from_last_period(last_period, TODAY)
        assert caught.value.code == code
        assert caught.value.params["earliest"] == TODAY - days(308)
        assert caught.value.params["latest"] == TODAY - days(28)


def test_the_three_ways_agree_on_one_pregnancy() -> None:
    due = date(2026, 5, 1)
    by_due = pregnancy_from_due_date(due, TODAY)
    by_lmp = pregnancy_from_last_period(due - days(280), TODAY)
    by_week = pregnancy_from_age(str(by_due.age_today), TODAY)
    assert by_due.due_date == by_lmp.due_date == by_week.due_date == due
    assert by_due.age_today == by_lmp.age_today == by_week.age_today == GA(32, 4)
    assert {by_due.method, by_lmp.method, by_week.method} == {
        "due_date",
        "last_period",
        "gestational_age",
    }


def test_a_typed_week_is_dated_from_today() -> None:
    dating = pregnancy_from_age("孕32周4天", TODAY)
    assert dating == PregnancyDating(date(2026, 5, 1), GA(32, 4), DatingMethod.GESTATIONAL_AGE)


# --- typed due dates and last periods ----------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("5月1日", date(2026, 5, 1)),
        ("3月5日", date(2026, 3, 5)),  # five days overdue, still this year
        ("2月24日", date(2026, 2, 24)),  # fourteen days overdue
        ("2月23日", date(2027, 2, 23)),  # then next year (and refused as too far ahead)
        ("2026-05-01", date(2026, 5, 1)),
    ],
)
def test_a_due_date_without_a_year_is_the_coming_one(typed: str, expected: date) -> None:
    assert parse_due_date(typed, TODAY) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1月5日", date(2026, 1, 5)),
        ("3月10日", date(2026, 3, 10)),
        ("3月11日", date(2025, 3, 11)),
        ("2025年8月1日", date(2025, 8, 1)),
    ],
)
def test_a_last_period_without_a_year_is_the_latest_one(typed: str, expected: date) -> None:
    assert parse_last_period(typed, TODAY) == expected


def test_a_bad_typed_date_raises_the_date_code() -> None:
    with pytest.raises(DateInputError) as caught:
        parse_due_date("2026-02-30", TODAY)
    assert caught.value.code == "impossible_date"


# --- what the week means -----------------------------------------------------


@pytest.mark.parametrize(
    ("age", "term", "which"),
    [
        (GA(4, 0), False, 1),
        (GA(13, 6), False, 1),
        (GA(14, 0), False, 2),
        (GA(27, 6), False, 2),
        (GA(28, 0), False, 3),
        (GA(36, 6), False, 3),
        (GA(37, 0), True, 3),
        (GA(41, 6), True, 3),
        (GA(42, 0), False, 3),
        (GA(44, 0), False, 3),
    ],
)
def test_term_and_trimester(age: GestationalAge, term: bool, which: int) -> None:
    # The priority group's 37-week line is configuration (content/triage/risk_colours.toml),
    # tested in test_triage.py.
    assert is_term(age) is term
    assert trimester(age) == which


def test_the_existing_api_is_unchanged() -> None:
    assert gestation.gestational_age(date(2026, 5, 1), TODAY) == GA(32, 4)
    assert gestation.due_date_from_lmp(date(2025, 7, 25)) == date(2026, 5, 1)
    assert gestation.due_date_from_age(GA(32, 4), TODAY) == date(2026, 5, 1)
    assert str(GA(32, 4)) == "32+4"


# --- explanations -------------------------------------------------------------

RANGE_FAILURES = [
    (lambda: pregnancy_from_age("3+6", TODAY), "gestation_too_early"),
    (lambda: pregnancy_from_age("44+1", TODAY), "gestation_too_late"),
    (lambda: pregnancy_from_due_date(TODAY - days(15), TODAY), "due_date_too_far_past"),
    (lambda: pregnancy_from_due_date(TODAY + days(253), TODAY), "due_date_too_far_ahead"),
    (lambda: pregnancy_from_last_period(TODAY + days(1), TODAY), "last_period_in_future"),
    (lambda: pregnancy_from_last_period(TODAY, TODAY), "last_period_too_recent"),
    (lambda: pregnancy_from_last_period(TODAY - days(309), TODAY), "last_period_too_long_ago"),
]
ALL_FAILURES = [
    *((lambda typed=typed: parse_gestational_age(typed), code) for typed, code in BAD_WEEKS),
    *RANGE_FAILURES,
]


def test_every_gestation_error_code_is_exercised_and_has_texts(texts: dict) -> None:
    raised = codes_raised_in(gestation)
    assert raised == {code for _, code in ALL_FAILURES}
    for code in raised:
        for locale in SUPPORTED_LOCALES:
            assert texts[code][locale].strip(), (code, locale)


@pytest.mark.parametrize(("attempt", "code"), ALL_FAILURES)
@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_gestation_error_can_be_explained(
    attempt, code: str, locale: str, texts: dict
) -> None:
    with pytest.raises(GestationInputError) as caught:
        attempt()
    assert caught.value.code == code
    text = explain(code, locale, texts, **caught.value.params)
    assert text and "{" not in text and "}" not in text


def test_a_range_explanation_names_the_allowed_range(texts: dict) -> None:
    with pytest.raises(GestationInputError) as caught:
        pregnancy_from_age("45周", TODAY)
    assert "4+0" in explain(caught.value.code, "zh_Hans", texts, **caught.value.params)
    assert "44+0" in explain(caught.value.code, "en", texts, **caught.value.params)
    with pytest.raises(GestationInputError) as caught:
        pregnancy_from_due_date(date(2027, 3, 5), TODAY)
    zh = explain(caught.value.code, "zh_Hans", texts, **caught.value.params)
    assert "2026年2月24日" in zh and "2026年11月17日" in zh
    en = explain(caught.value.code, "en", texts, **caught.value.params)
    assert "2026-02-24" in en and "2026-11-17" in en
