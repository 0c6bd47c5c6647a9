"""A parent registers a child aged 0-6: birth date, age, age band and nickname."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.domain import children
from bot.domain.children import (
    ChildAge,
    ChildInputError,
    age_band,
    child_age,
    earliest_birth_date,
    parse_birth_date,
    parse_nickname,
    validate_child_birth_date,
)
from bot.domain.dates import DateInputError
from bot.domain.locales import SUPPORTED_LOCALES
from bot.domain.validation_text import explain, load_validation_texts
from tests.test_dates import codes_raised_in

TODAY = date(2026, 3, 10)


@pytest.fixture(scope="module")
def texts() -> dict[str, dict[str, str]]:
    return load_validation_texts()


# --- birth date: from the sixth birthday today to one day ahead -----------


@pytest.mark.parametrize(
    ("birth", "today", "code"),
    [
        (TODAY + timedelta(days=2), TODAY, "birth_date_in_future"),
        (TODAY + timedelta(days=1), TODAY, None),  # a phone one time zone ahead
        (TODAY, TODAY, None),
        (date(2023, 7, 1), TODAY, None),
        (date(2020, 3, 10), TODAY, None),  # sixth birthday is today: still in
        (date(2020, 3, 9), TODAY, "birth_date_too_old"),  # one day more
        (date(2010, 1, 1), TODAY, "birth_date_too_old"),
        # A 29 February child has her sixth birthday on 28 February of a common year.
        (date(2024, 2, 29), date(2030, 2, 28), None),
        (date(2024, 2, 29), date(2030, 3, 1), "birth_date_too_old"),
        (date(2024, 2, 28), date(2030, 2, 28), None),
        (date(2024, 2, 27), date(2030, 2, 28), "birth_date_too_old"),
        # On 29 February, six years back has no 29th: the 28th turned six yesterday.
        (date(2022, 3, 1), date(2028, 2, 29), None),
        (date(2022, 2, 28), date(2028, 2, 29), "birth_date_too_old"),
        # Month ends.
        (date(2020, 3, 31), date(2026, 3, 31), None),
        (date(2020, 3, 30), date(2026, 3, 31), "birth_date_too_old"),
    ],
)
def test_birth_dates_from_birth_to_the_sixth_birthday_are_accepted(
    birth: date, today: date, code: str | None
) -> None:
    if code is None:
        assert validate_child_birth_date(birth, today) == birth
        assert age_band(birth, today) is not None
    else:
        with pytest.raises(ChildInputError) as caught:
            validate_child_birth_date(birth, today)
        assert caught.value.code == code
        assert caught.value.params["latest"] == today


@pytest.mark.parametrize(
    ("today", "earliest"),
    [
        (TODAY, date(2020, 3, 10)),
        (date(2030, 2, 28), date(2024, 2, 28)),
        (date(2028, 2, 29), date(2022, 3, 1)),
        (date(2026, 12, 31), date(2020, 12, 31)),
    ],
)
def test_the_earliest_birth_date_is_the_one_whose_sixth_birthday_is_today(
    today: date, earliest: date
) -> None:
    assert earliest_birth_date(today) == earliest
    validate_child_birth_date(earliest, today)
    with pytest.raises(ChildInputError):
        validate_child_birth_date(earliest - timedelta(days=1), today)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2025-06-15", date(2025, 6, 15)),
        ("3月9日", date(2026, 3, 9)),
        ("3月11日", date(2026, 3, 11)),  # within a day's leeway
        ("3月12日", date(2025, 3, 12)),  # otherwise last year's
        ("15 June 2025", date(2025, 6, 15)),
    ],
)
def test_a_birth_date_without_a_year_is_the_latest_one(typed: str, expected: date) -> None:
    assert parse_birth_date(typed, TODAY) == expected


# --- age with exact month arithmetic ----------------------------------------


@pytest.mark.parametrize(
    ("birth", "on", "expected"),
    [
        (TODAY, TODAY, ChildAge(0, 0, 0)),
        (TODAY + timedelta(days=1), TODAY, ChildAge(0, 0, 0)),  # time-zone leeway
        (date(2026, 2, 10), TODAY, ChildAge(28, 1, 0)),
        (date(2026, 2, 11), TODAY, ChildAge(27, 0, 0)),
        # Born on the 31st: a month later is the month's last day.
        (date(2026, 1, 31), date(2026, 2, 27), ChildAge(27, 0, 0)),
        (date(2026, 1, 31), date(2026, 2, 28), ChildAge(28, 1, 0)),
        (date(2026, 1, 31), date(2026, 3, 30), ChildAge(58, 1, 0)),
        (date(2026, 1, 31), date(2026, 3, 31), ChildAge(59, 2, 0)),
        (date(2025, 8, 31), date(2025, 9, 30), ChildAge(30, 1, 0)),
        # Born on 29 February.
        (date(2024, 2, 29), date(2025, 2, 27), ChildAge(364, 11, 0)),
        (date(2024, 2, 29), date(2025, 2, 28), ChildAge(365, 12, 1)),
        (date(2024, 2, 29), date(2028, 2, 28), ChildAge(1460, 47, 3)),
        (date(2024, 2, 29), date(2028, 2, 29), ChildAge(1461, 48, 4)),
        # Across the new year.
        (date(2025, 12, 15), date(2026, 1, 14), ChildAge(30, 0, 0)),
        (date(2025, 12, 15), date(2026, 1, 15), ChildAge(31, 1, 0)),
        (date(2025, 3, 10), TODAY, ChildAge(365, 12, 1)),
        (date(2025, 3, 11), TODAY, ChildAge(364, 11, 0)),
        (date(2020, 3, 10), TODAY, ChildAge(2191, 72, 6)),
    ],
)
def test_child_age_counts_calendar_months(birth: date, on: date, expected: ChildAge) -> None:
    assert child_age(birth, on) == expected


BIRTH = date(2025, 6, 15)


@pytest.mark.parametrize(
    ("on", "band"),
    [
        (BIRTH - timedelta(days=1), "0-1m"),  # birth date a day ahead
        (BIRTH, "0-1m"),
        (date(2025, 7, 14), "0-1m"),
        (date(2025, 7, 15), "1-6m"),
        (date(2025, 12, 14), "1-6m"),
        (date(2025, 12, 15), "6-12m"),
        (date(2026, 6, 14), "6-12m"),
        (date(2026, 6, 15), "1-3y"),
        (date(2028, 6, 14), "1-3y"),
        (date(2028, 6, 15), "3-6y"),
        (date(2031, 6, 14), "3-6y"),
        (date(2031, 6, 15), "3-6y"),  # the sixth birthday itself
        (date(2031, 6, 16), None),
        (date(2040, 1, 1), None),
    ],
)
def test_age_bands_start_at_their_lower_bound(on: date, band: str | None) -> None:
    assert age_band(BIRTH, on) == band


@pytest.mark.parametrize(
    ("birth", "on", "band"),
    [
        (date(2024, 2, 29), date(2030, 2, 28), "3-6y"),
        (date(2024, 2, 29), date(2030, 3, 1), None),
        (date(2026, 1, 31), date(2026, 2, 27), "0-1m"),
        (date(2026, 1, 31), date(2026, 2, 28), "1-6m"),
        (date(2025, 8, 31), date(2026, 2, 28), "6-12m"),
    ],
)
def test_age_bands_at_month_ends(birth: date, on: date, band: str | None) -> None:
    assert age_band(birth, on) == band


# --- nickname ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("小米", "小米"),
        ("  小米  ", "小米"),
        ("\u3000大宝\u3000", "大宝"),
        ("小米\n", "小米"),
        ("Mia Rose", "Mia Rose"),
        ("Mia   Rose", "Mia Rose"),
        ("小\u3000米", "小 米"),
        ("X", "X"),
        ("a" * 20, "a" * 20),
        ("小" * 20, "小" * 20),
        ("👶", "👶"),
        ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),  # an emoji joined by ZWJ
        ("Zoe\u0301", "Zoé"),  # composed to one character
    ],
)
def test_nicknames_are_trimmed_and_kept(typed: str, expected: str) -> None:
    assert parse_nickname(typed) == expected


BAD_NICKNAMES = [
    ("", "nickname_empty"),
    ("   ", "nickname_empty"),
    ("\u3000", "nickname_empty"),
    ("\n\t", "nickname_empty"),
    ("\u200b", "nickname_empty"),  # invisible
    ("\u200b \u200d", "nickname_empty"),
    ("a" * 21, "nickname_too_long"),
    ("小" * 21, "nickname_too_long"),
    (" " + "a" * 21 + " ", "nickname_too_long"),
    ("小\n米", "nickname_invalid_chars"),
    ("a\tb", "nickname_invalid_chars"),
    ("mia\x00", "nickname_invalid_chars"),
    ("\x1b[31mmia", "nickname_invalid_chars"),
    ("mia\x7f", "nickname_invalid_chars"),
    ("\u202eaim", "nickname_invalid_chars"),  # right-to-left override
    ("mia\u2066", "nickname_invalid_chars"),
    ("mia\ud800", "nickname_invalid_chars"),  # lone surrogate
]


@pytest.mark.parametrize(("typed", "code"), BAD_NICKNAMES)
def test_bad_nicknames_raise_their_code(typed: str, code: str) -> None:
    with pytest.raises(ChildInputError) as caught:
        parse_nickname(typed)
    assert caught.value.code == code


def test_too_long_says_how_long() -> None:
    with pytest.raises(ChildInputError) as caught:
        parse_nickname("小" * 23)
    assert caught.value.params == {"max_length": 20, "length": 23}


# --- bad birth dates end to end and their explanations ------------------------

BAD_BIRTH_DATES = [
    ("2020-03-09", "birth_date_too_old"),
    ("2019-12-31", "birth_date_too_old"),
    ("2000年1月1日", "birth_date_too_old"),
    ("9 March 2020", "birth_date_too_old"),
    ("2026-03-12", "birth_date_in_future"),
    ("2027-01-01", "birth_date_in_future"),
    ("12 March 2026", "birth_date_in_future"),
]


def register_birth(typed: str) -> date:
    return validate_child_birth_date(parse_birth_date(typed, TODAY), TODAY)


@pytest.mark.parametrize(("typed", "code"), BAD_BIRTH_DATES)
def test_bad_birth_dates_raise_their_code(typed: str, code: str) -> None:
    with pytest.raises(ChildInputError) as caught:
        register_birth(typed)
    assert caught.value.code == code


def test_an_unreadable_birth_date_raises_the_date_code() -> None:
    with pytest.raises(DateInputError) as caught:
        register_birth("2024-02-30")
    assert caught.value.code == "impossible_date"


ALL_FAILURES = [
    *((lambda typed=typed: parse_nickname(typed), code) for typed, code in BAD_NICKNAMES),
    *((lambda typed=typed: register_birth(typed), code) for typed, code in BAD_BIRTH_DATES),
]


def test_every_child_error_code_is_exercised_and_has_texts(texts: dict) -> None:
    raised = codes_raised_in(children)
    assert raised == {code for _, code in ALL_FAILURES}
    for code in raised:
        for locale in SUPPORTED_LOCALES:
            assert texts[code][locale].strip(), (code, locale)


@pytest.mark.parametrize(("attempt", "code"), ALL_FAILURES)
@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_child_error_can_be_explained(attempt, code: str, locale: str, texts: dict) -> None:
    with pytest.raises(ChildInputError) as caught:
        attempt()
    assert caught.value.code == code
    text = explain(code, locale, texts, **caught.value.params)
    assert text and "{" not in text and "}" not in text


def test_a_too_old_explanation_names_the_allowed_dates(texts: dict) -> None:
    with pytest.raises(ChildInputError) as caught:
        register_birth("2019-01-01")
    zh = explain(caught.value.code, "zh_Hans", texts, **caught.value.params)
    assert "2020年3月10日" in zh and "2026年3月10日" in zh
    en = explain(caught.value.code, "en", texts, **caught.value.params)
    assert "2020-03-10" in en and "2026-03-10" in en


def test_every_content_code_is_raised_somewhere(texts: dict) -> None:
    """No orphan texts: every entry in validation.toml belongs to a raised code."""
    from bot.domain import dates, gestation

    raised = set().union(*(codes_raised_in(m) for m in (dates, gestation, children)))
    assert set(texts) == raised
