"""A mother or parent types a date the way she writes it; the bot reads it or says why not."""

from __future__ import annotations

import ast
import inspect
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.domain import dates
from bot.domain.dates import DateInputError, add_months, completed_months, parse_date
from bot.domain.locales import SUPPORTED_LOCALES
from bot.domain.validation_text import (
    InputError,
    explain,
    load_validation_texts,
    pick_locale,
)

TODAY = date(2026, 3, 10)


def codes_raised_in(module: object) -> set[str]:
    """Every literal code passed to an *InputError(...) in a module's source."""
    tree = ast.parse(inspect.getsource(module))
    codes = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id.endswith("InputError")
        ):
            first = node.args[0]
            assert isinstance(first, ast.Constant), "error codes must be literal strings"
            codes.add(first.value)
    return codes


@pytest.fixture(scope="module")
def texts() -> dict[str, dict[str, str]]:
    return load_validation_texts()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-03-05", date(2026, 3, 5)),
        ("2026/3/5", date(2026, 3, 5)),
        ("2026.3.5", date(2026, 3, 5)),
        ("2026 - 03 - 05", date(2026, 3, 5)),
        ("20260305", date(2026, 3, 5)),
        ("2026年3月5日", date(2026, 3, 5)),
        ("2026年03月05号", date(2026, 3, 5)),
        ("2026 年 3 月 5 日", date(2026, 3, 5)),
        ("２０２６－０３－０５", date(2026, 3, 5)),  # full-width keyboard
        ("２０２６年３月５日", date(2026, 3, 5)),
        ("２０２６／３／５", date(2026, 3, 5)),
        ("  2026-03-05\n", date(2026, 3, 5)),
        ("\u30002026-03-05\u3000", date(2026, 3, 5)),  # ideographic spaces
        ("2026-03-05。", date(2026, 3, 5)),
        ("5 March 2026", date(2026, 3, 5)),
        ("March 5 2026", date(2026, 3, 5)),
        ("March 5, 2026", date(2026, 3, 5)),
        ("5 Mar 2026", date(2026, 3, 5)),
        ("5 mar. 2026", date(2026, 3, 5)),
        ("5th of March 2026", date(2026, 3, 5)),
        ("MARCH 5TH 2026", date(2026, 3, 5)),
        ("5-Mar-2026", date(2026, 3, 5)),
        ("Sept 30 2026", date(2026, 9, 30)),
        ("1 december 2025", date(2025, 12, 1)),
        # Day and month without a leading year, read only when unambiguous.
        ("25/3/2026", date(2026, 3, 25)),
        ("3/25/2026", date(2026, 3, 25)),
        ("25.3.2026", date(2026, 3, 25)),
        ("3/3/2026", date(2026, 3, 3)),
        ("31-12-2025", date(2025, 12, 31)),
        ("today", TODAY),
        ("Today", TODAY),
        ("今天", TODAY),
        ("今日", TODAY),
        ("yesterday", date(2026, 3, 9)),
        ("昨天", date(2026, 3, 9)),
        ("明天", date(2026, 3, 11)),
        ("2024-02-29", date(2024, 2, 29)),
    ],
)
def test_typed_forms_are_read(typed: str, expected: date) -> None:
    assert parse_date(typed, TODAY) == expected


@pytest.mark.parametrize(
    ("typed", "today", "prefer", "leeway", "expected"),
    [
        # A due date without a year is the next one...
        ("3月5日", TODAY, "future", 0, date(2027, 3, 5)),
        ("3月10日", TODAY, "future", 0, date(2026, 3, 10)),  # today counts as the future
        ("3月11日", TODAY, "future", 0, date(2026, 3, 11)),
        # ...unless it passed within the leeway (an overdue mother).
        ("3月5日", TODAY, "future", 14, date(2026, 3, 5)),
        ("2月24日", TODAY, "future", 14, date(2026, 2, 24)),  # exactly 14 days ago
        ("2月23日", TODAY, "future", 14, date(2027, 2, 23)),  # 15 days ago: next year
        # A last period or a birth date is the most recent one.
        ("3月11日", TODAY, "past", 0, date(2025, 3, 11)),
        ("3月10日", TODAY, "past", 0, date(2026, 3, 10)),  # today counts as the past
        ("3月9日", TODAY, "past", 0, date(2026, 3, 9)),
        ("3月11日", TODAY, "past", 1, date(2026, 3, 11)),  # one day of time-zone leeway
        ("3月12日", TODAY, "past", 1, date(2025, 3, 12)),
        # Across the new year.
        ("1月5日", date(2026, 12, 30), "future", 0, date(2027, 1, 5)),
        ("12月30日", date(2026, 1, 2), "past", 0, date(2025, 12, 30)),
        ("1月5日", date(2026, 12, 30), "nearest", 0, date(2027, 1, 5)),
        ("12月30日", date(2026, 1, 2), "nearest", 0, date(2025, 12, 30)),
        ("9月1日", TODAY, "nearest", 0, date(2026, 9, 1)),  # 175 days ahead, 190 back
        ("11月1日", TODAY, "nearest", 0, date(2025, 11, 1)),  # 129 days back, 236 ahead
        # 29 February exists only in leap years.
        ("2月29日", date(2026, 3, 1), "future", 0, date(2028, 2, 29)),
        ("2月29日", date(2026, 3, 1), "past", 0, date(2024, 2, 29)),
        ("2月29日", date(2026, 3, 1), "nearest", 0, date(2028, 2, 29)),  # 730 vs 731 days
        ("2月29日", date(2028, 2, 29), "past", 0, date(2028, 2, 29)),
        # Other year-less forms follow the same rule.
        ("5 March", TODAY, "future", 0, date(2027, 3, 5)),
        ("March 5", TODAY, "past", 0, date(2026, 3, 5)),
        ("3月5号", TODAY, "past", 0, date(2026, 3, 5)),
        ("25/3", TODAY, "future", 0, date(2026, 3, 25)),
        ("3/25", TODAY, "past", 0, date(2025, 3, 25)),
        # A written year wins over `prefer`.
        ("2026年3月5日", TODAY, "future", 0, date(2026, 3, 5)),
        ("2027-03-11", TODAY, "past", 0, date(2027, 3, 11)),
    ],
)
def test_a_date_without_a_year_takes_the_year_the_field_implies(
    typed: str, today: date, prefer: dates.Prefer, leeway: int, expected: date
) -> None:
    assert parse_date(typed, today, prefer, leeway_days=leeway) == expected


def test_nearest_breaks_a_tie_towards_the_past() -> None:
    # From 2028-03-02, 1 September is 183 days back and 183 days ahead.
    today = date(2028, 3, 2)
    assert (today - date(2027, 9, 1)).days == (date(2028, 9, 1) - today).days
    assert parse_date("9月1日", today, "nearest") == date(2027, 9, 1)


BAD_DATES = [
    ("", "empty_date"),
    ("   ", "empty_date"),
    ("\u3000", "empty_date"),
    ("。", "empty_date"),
    ("hello", "unrecognised"),
    ("预产期", "unrecognised"),
    ("三月五日", "unrecognised"),  # Chinese numerals are not read
    ("2026-03", "unrecognised"),
    ("2026年3月", "unrecognised"),
    ("March 2026", "unrecognised"),
    ("26/3/5", "unrecognised"),  # two-digit year
    ("2026-3/5", "unrecognised"),  # mixed separators
    ("5 Ma 2026", "unrecognised"),  # too short to be a month
    ("5 Marchh 2026", "unrecognised"),
    ("Foo 5 2026", "unrecognised"),
    ("32+4", "unrecognised"),  # a week, not a date
    ("2026-03-05 2026-03-06", "unrecognised"),
    ("1" * 41, "unrecognised"),
    ("2026-03-05" + " " * 50 + "x", "unrecognised"),
    ("2026-02-30", "impossible_date"),
    ("2026-02-29", "impossible_date"),  # 2026 is not a leap year
    ("2100-02-29", "impossible_date"),  # nor is 2100
    ("2026/13/01", "impossible_date"),
    ("2026-00-10", "impossible_date"),
    ("2026-04-31", "impossible_date"),
    ("0000-01-01", "impossible_date"),
    ("2月30日", "impossible_date"),
    ("4月31号", "impossible_date"),
    ("13月1日", "impossible_date"),
    ("0月1日", "impossible_date"),
    ("31 February 2026", "impossible_date"),
    ("13/13/2026", "impossible_date"),
    ("32/5/2026", "impossible_date"),
    ("30/2/2026", "impossible_date"),
    ("0/5/2026", "impossible_date"),
    ("5/3/2026", "ambiguous_date"),
    ("3/5/2026", "ambiguous_date"),
    ("5.3.2026", "ambiguous_date"),
    ("12-11-2026", "ambiguous_date"),
    ("5/3", "ambiguous_date"),
    ("3.5", "ambiguous_date"),
]


@pytest.mark.parametrize(("typed", "code"), BAD_DATES)
def test_bad_dates_raise_their_code(typed: str, code: str) -> None:
    with pytest.raises(DateInputError) as caught:
        parse_date(typed, TODAY, "future")
    assert caught.value.code == code
    assert isinstance(caught.value, InputError)


def test_an_ambiguous_date_carries_both_readings() -> None:
    with pytest.raises(DateInputError) as caught:
        parse_date("5/3/2026", TODAY)
    assert caught.value.params["day_first"] == date(2026, 3, 5)
    assert caught.value.params["month_first"] == date(2026, 5, 3)


def test_an_ambiguous_year_less_date_resolves_both_readings_with_prefer() -> None:
    with pytest.raises(DateInputError) as caught:
        parse_date("5/3", TODAY, "future")
    assert caught.value.params["day_first"] == date(2027, 3, 5)
    assert caught.value.params["month_first"] == date(2026, 5, 3)


def test_an_unknown_prefer_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="prefer"):
        parse_date("3月5日", TODAY, "later")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2026, 1, 31), 2, date(2026, 3, 31)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 5, 31), 1, date(2026, 6, 30)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
        (date(2026, 1, 15), -1, date(2025, 12, 15)),
        (date(2026, 3, 10), -72, date(2020, 3, 10)),
        (date(2026, 3, 10), 0, date(2026, 3, 10)),
        (date(2024, 1, 15), 1, date(2024, 2, 15)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 11, 30), 3, date(2025, 2, 28)),
    ],
)
def test_add_months_keeps_the_day_inside_short_months(
    start: date, months: int, expected: date
) -> None:
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("birth", "on", "expected"),
    [
        (date(2024, 1, 31), date(2024, 2, 28), 0),
        (date(2024, 1, 31), date(2024, 2, 29), 1),  # the short month's last day counts
        (date(2024, 1, 31), date(2024, 3, 30), 1),
        (date(2024, 1, 31), date(2024, 3, 31), 2),
        (date(2024, 5, 10), date(2025, 5, 9), 11),
        (date(2024, 5, 10), date(2025, 5, 10), 12),
        (date(2024, 2, 29), date(2025, 2, 28), 12),
        (date(2024, 5, 10), date(2024, 5, 10), 0),
        (date(2024, 5, 10), date(2024, 5, 9), None),  # not yet born
    ],
)
def test_completed_months_counts_whole_calendar_months(
    birth: date, on: date, expected: int | None
) -> None:
    assert completed_months(birth, on) == expected


def test_completed_months_agrees_with_add_months_every_day_for_six_years() -> None:
    """The n-th month is complete exactly from add_months(birth, n) on."""
    for birth in (date(2024, 1, 31), date(2024, 2, 29), date(2023, 8, 30)):
        day, months = birth, 0
        while day <= add_months(birth, 72):
            if day >= add_months(birth, months + 1):
                months += 1
            assert completed_months(birth, day) == months, (birth, day)
            day += timedelta(days=1)


# --- explanations -----------------------------------------------------------


def test_every_date_error_code_has_a_text_in_both_locales(texts: dict) -> None:
    codes = codes_raised_in(dates)
    assert codes == {"empty_date", "unrecognised", "impossible_date", "ambiguous_date"}
    for code in codes:
        for locale in SUPPORTED_LOCALES:
            assert texts[code][locale].strip()


@pytest.mark.parametrize(("typed", "code"), BAD_DATES)
@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_bad_date_can_be_explained(typed: str, code: str, locale: str, texts: dict) -> None:
    with pytest.raises(DateInputError) as caught:
        parse_date(typed, TODAY, "future")
    text = explain(caught.value.code, locale, texts, **caught.value.params)
    assert text and "{" not in text and "}" not in text


def test_an_explanation_says_what_is_allowed_with_a_real_example(texts: dict) -> None:
    with pytest.raises(DateInputError) as caught:
        parse_date("hello", TODAY)
    zh = explain(caught.value.code, "zh_Hans", texts, **caught.value.params)
    en = explain(caught.value.code, "en", texts, **caught.value.params)
    assert "2026-03-10" in zh and "3月10日" in zh
    assert "2026-03-10" in en


def test_an_ambiguous_date_is_explained_with_both_readings(texts: dict) -> None:
    with pytest.raises(DateInputError) as caught:
        parse_date("5/3/2026", TODAY)
    zh = explain("ambiguous_date", "zh_Hans", texts, **caught.value.params)
    assert "3月5日" in zh and "5月3日" in zh
    en = explain("ambiguous_date", "en", texts, **caught.value.params)
    assert "2026-03-05" in en and "2026-05-03" in en


@pytest.mark.parametrize(
    ("asked", "chosen"),
    [
        ("zh_Hans", "zh_Hans"),
        ("en", "en"),
        ("en-GB", "en"),
        ("en_US", "en"),
        ("zh-hans", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("fr", "zh_Hans"),
        ("", "zh_Hans"),
        (None, "zh_Hans"),
    ],
)
def test_telegram_language_codes_map_to_a_content_locale(asked: str | None, chosen: str) -> None:
    assert pick_locale(asked) == chosen


def test_explain_fills_placeholders_and_rejects_unknown_codes() -> None:
    texts = {"x": {"zh_Hans": "从{min}到{max}", "en": "{min} to {max}", "source": "test"}}
    assert explain("x", "en-US", texts, min=4, max=44) == "4 to 44"
    assert explain("x", "zh_Hans", texts, min=4, max=44) == "从4到44"
    with pytest.raises(KeyError):
        explain("missing", "en", texts)
    with pytest.raises(KeyError):
        explain("x", "en", texts, min=4)


def test_every_content_entry_names_a_source_and_both_locales(texts: dict) -> None:
    for code, entry in texts.items():
        assert entry["source"].strip(), code
        assert all(entry[locale].strip() for locale in SUPPORTED_LOCALES), code


@pytest.mark.parametrize(
    ("toml", "problem"),
    [
        ('[a]\nzh_Hans = "x"\nen = "y"\n', "source"),
        ('[a]\nzh_Hans = "x"\nsource = "s"\n', "en"),
        ('[a]\nzh_Hans = ""\nen = "y"\nsource = "s"\n', "zh_Hans"),
        ('a = "not a table"\n', "table"),
    ],
)
def test_the_loader_refuses_incomplete_entries(tmp_path: Path, toml: str, problem: str) -> None:
    path = tmp_path / "validation.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ValueError, match=problem):
        load_validation_texts(path)
