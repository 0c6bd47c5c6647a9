"""Reading the dates people type.

Mothers and parents type a date the way they would write it on paper or in a
phone: 2026-03-05, 2026/3/5, 3月5日, 5 March 2026, often with full-width digits
from a Chinese keyboard. One parser for every date field keeps the accepted
forms the same everywhere and the error codes stable, so that the texts in
content/validation.toml can say exactly what is allowed.

Decisions a reader should know:

- Year-first numbers (2026-03-05, 2026/3/5, 2026.3.5, 20260305) are always
  year, month, day; nobody writes year, day, month.
- Day and month without a leading year (5/3/2026, 5.3, 3-5) are read only when
  they cannot be misread: 25/3/2026 and 3/25/2026 are both 25 March, and 3/3 is
  3 March. When both numbers could be the month (5/3/2026) the parser refuses
  with "ambiguous_date" instead of guessing: Chinese and US users write the
  month first, British and most other users the day first, and a wrong guess
  silently moves a due date by months.
- A year has four digits; "26/3/5" is not read.
- Chinese numerals (三月五日) are not read; phone keyboards give digits.
- A date without a year takes the year its field implies (see `parse_date`).

Error codes (`DateInputError.code`): "empty_date", "unrecognised",
"impossible_date" (2026-02-30, 13/13/2026), "ambiguous_date".
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable
from datetime import date, timedelta
from typing import Literal

from bot.domain.validation_text import InputError

Prefer = Literal["future", "past", "nearest"]

MAX_INPUT_LENGTH = 40

_RELATIVE_DAYS = {
    "today": 0,
    "今天": 0,
    "今日": 0,
    "yesterday": -1,
    "昨天": -1,
    "tomorrow": 1,
    "明天": 1,
}
_MONTH_NAMES = tuple(name.lower() for name in calendar.month_name[1:])
# A year whose calendar has every (month, day) pair, Feb 29 included.
_LEAP_YEAR = 2000

_ORDINAL = r"(?:st|nd|rd|th)?"
_GAP = r"[\s,./-]*"
_YEAR_FIRST = re.compile(r"(\d{4})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})")
_YEAR_FIRST_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_CHINESE = re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*[日号號]?")
_DAY_MONTH_NUMBERS = re.compile(r"(\d{1,2})\s*([-/.])\s*(\d{1,2})(?:\s*\2\s*(\d{4}))?")
_DAY_NAME = re.compile(rf"(\d{{1,2}}){_ORDINAL}{_GAP}(?:of\s+)?([a-z]+)\.?(?:{_GAP}(\d{{4}}))?")
_NAME_DAY = re.compile(rf"([a-z]+)\.?{_GAP}(\d{{1,2}}){_ORDINAL}(?:{_GAP}(\d{{4}}))?")


class DateInputError(InputError):
    """A typed date that cannot be read as exactly one calendar day."""


def parse_date(
    text: str,
    today: date,
    prefer: Prefer = "nearest",
    *,
    leeway_days: int = 0,
) -> date:
    """Read one calendar date from what a user typed.

    `today` is the user's local date; it anchors "today"/"今天" and dates typed
    without a year. For those, `prefer` says which occurrence the field means:
    "future" (a due date) takes the first one on or after today, "past" (a last
    period, a birth date) the last one on or before today, "nearest" the closest
    either way (the earlier on a tie). `leeway_days` widens "future" backwards
    and "past" forwards, so a due date typed a few days after it passed, or a
    birth date one time zone ahead, still lands in the right year. A date that
    names its year is returned as typed; range checks belong to the field.
    """
    if prefer not in ("future", "past", "nearest"):
        raise ValueError(f"prefer must be 'future', 'past' or 'nearest', not {prefer!r}")
    cleaned = _normalise(text)
    if not cleaned:
        raise DateInputError("empty_date", example=today)
    if len(cleaned) > MAX_INPUT_LENGTH:
        raise DateInputError("unrecognised", example=today)

    if cleaned in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[cleaned])

    def resolve(year: str | None, month: int, day: int) -> date:
        if year is not None:
            return _exact(int(year), month, day, today)
        return _resolve_year(month, day, today, prefer, leeway_days)

    if match := _YEAR_FIRST.fullmatch(cleaned):
        year, _, month, day = match.groups()
        return resolve(year, int(month), int(day))
    if match := _YEAR_FIRST_COMPACT.fullmatch(cleaned):
        year, month, day = match.groups()
        return resolve(year, int(month), int(day))
    if match := _CHINESE.fullmatch(cleaned):
        year, month, day = match.groups()
        return resolve(year, int(month), int(day))
    if match := _DAY_MONTH_NUMBERS.fullmatch(cleaned):
        first, _, second, year = match.groups()
        day, month = _day_and_month(int(first), int(second), year, resolve, today)
        return resolve(year, month, day)
    for pattern, day_group, name_group in ((_DAY_NAME, 1, 2), (_NAME_DAY, 2, 1)):
        if match := pattern.fullmatch(cleaned):
            month = _month_from_name(match.group(name_group))
            if month is not None:
                return resolve(match.group(3), month, int(match.group(day_group)))
    raise DateInputError("unrecognised", example=today)


def add_months(start: date, months: int) -> date:
    """The same day `months` later (or earlier), kept inside short months.

    A day the target month lacks becomes its last day: 31 January plus one
    month is 28 (or 29) February, and a child born on 29 February has her
    birthday on 28 February in common years.
    """
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def completed_months(birth: date, on: date) -> int | None:
    """Whole calendar months from ``birth`` to ``on``; None before the birth date.

    A month is complete on the same day of a later month, or on its last day when
    that month is shorter (see `add_months`): born 31 January, one month old on
    29 February 2024 and two months old on 31 March.
    """
    if on < birth:
        return None
    months = (on.year - birth.year) * 12 + on.month - birth.month
    if add_months(birth, months) > on:
        months -= 1
    return months


def _normalise(text: str) -> str:
    """Fold full-width forms to ASCII and tidy spaces, case and end punctuation."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return " ".join(folded.split()).strip(" 。.!")


def _exact(year: int, month: int, day: int, today: date) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateInputError("impossible_date", example=today) from None


def _resolve_year(month: int, day: int, today: date, prefer: Prefer, leeway_days: int) -> date:
    _exact(_LEAP_YEAR, month, day, today)  # rejects 2月30日 and 13月1日 in any year
    candidates: list[date] = []
    # Eight years either side always holds a 29 February on each side.
    for year in range(today.year - 8, today.year + 9):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    if prefer == "future":
        start = today - timedelta(days=leeway_days)
        return min(c for c in candidates if c >= start)
    if prefer == "past":
        end = today + timedelta(days=leeway_days)
        return max(c for c in candidates if c <= end)
    return min(candidates, key=lambda c: (abs((c - today).days), c > today))


def _day_and_month(
    first: int,
    second: int,
    year: str | None,
    resolve: Callable[[str | None, int, int], date],
    today: date,
) -> tuple[int, int]:
    """Decide which of two numbers is the day, refusing when both could be."""
    first_is_month = 1 <= first <= 12
    second_is_month = 1 <= second <= 12
    if first_is_month and second_is_month and first != second:
        raise DateInputError(
            "ambiguous_date",
            day_first=resolve(year, second, first),
            month_first=resolve(year, first, second),
            example=today,
        )
    if second_is_month:
        return first, second
    if first_is_month:
        return second, first
    raise DateInputError("impossible_date", example=today)


def _month_from_name(word: str) -> int | None:
    """January..December, or any unambiguous start of one ("mar", "sept")."""
    if len(word) < 3:
        return None
    for number, name in enumerate(_MONTH_NAMES, start=1):
        if name.startswith(word):
            return number
    return None
