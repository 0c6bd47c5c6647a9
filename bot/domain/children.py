"""A child's birth date, age, age band and nickname, as a parent reports them.

The service covers children from birth to six years (the seed notice's
"0–6 岁儿童"). Decisions:

- A birth date is accepted from exactly six years ago (the sixth birthday is
  today) up to one day ahead of `today`: the extra day absorbs a parent whose
  phone is a time zone ahead of the server, never a baby not yet born.
- Ages use calendar months. A birthday missing from a month falls on its last
  day: a child born on 31 January is one month old on 28 February, and one
  born on 29 February turns one on 28 February of a common year.
- Age bands start at their lower bound inclusive and end before the next one;
  the last band, "3-6y", also holds the sixth birthday itself, so every child
  that passes validation has a band. From the day after the sixth birthday
  the band is None.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from bot.domain.dates import add_months, completed_months, parse_date
from bot.domain.validation_text import InputError

MAX_AGE_YEARS = 6
BIRTH_DATE_LEEWAY_DAYS = 1
NICKNAME_MAX_LENGTH = 20

AgeBand = Literal["0-1m", "1-6m", "6-12m", "1-3y", "3-6y"]
# (band, first month of the band); a band runs until the next one starts.
AGE_BANDS: tuple[tuple[AgeBand, int], ...] = (
    ("0-1m", 0),
    ("1-6m", 1),
    ("6-12m", 6),
    ("1-3y", 12),
    ("3-6y", 36),
)

# Characters that reorder or hide text: in a staff ledger they could make one
# child's name look like another's.
_BIDI_CONTROLS = frozenset(
    chr(code) for code in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
)


class ChildInputError(InputError):
    """A birth date or nickname we cannot accept."""


@dataclass(frozen=True)
class ChildAge:
    """Completed age, each field counted on its own from birth.

    `days` is days since birth, `months` completed calendar months, `years`
    completed years: a child of 1 year, 2 months and 5 days has years=1,
    months=14 and days about 430. Thresholds read whichever unit they speak
    ("under 3 months", "under 28 days").
    """

    days: int
    months: int
    years: int


def sixth_birthday(birth: date) -> date:
    """The last day a child belongs to the 0-6 service."""
    return add_months(birth, MAX_AGE_YEARS * 12)


def earliest_birth_date(today: date) -> date:
    """The earliest birth date whose sixth birthday is not yet past."""
    candidate = add_months(today, -MAX_AGE_YEARS * 12)
    # On 29 February, six years back clamps to 28 February, whose birthday was yesterday.
    if sixth_birthday(candidate) < today:
        candidate += timedelta(days=1)
    return candidate


def validate_child_birth_date(birth: date, today: date) -> date:
    """Accept a child aged 0 up to and including her sixth birthday."""
    latest = today + timedelta(days=BIRTH_DATE_LEEWAY_DAYS)
    earliest = earliest_birth_date(today)
    if birth > latest:
        raise ChildInputError("birth_date_in_future", earliest=earliest, latest=today)
    if birth < earliest:
        raise ChildInputError(
            "birth_date_too_old", earliest=earliest, latest=today, max_years=MAX_AGE_YEARS
        )
    return birth


def parse_birth_date(text: str, today: date) -> date:
    """A typed birth date; without a year it is the most recent such day."""
    return parse_date(text, today, prefer="past", leeway_days=BIRTH_DATE_LEEWAY_DAYS)


def child_age(birth: date, on: date) -> ChildAge:
    """Age on a given day; a birth date after `on` (time-zone leeway) counts as zero."""
    months = completed_months(birth, on)
    if months is None:
        return ChildAge(0, 0, 0)
    return ChildAge(days=(on - birth).days, months=months, years=months // 12)


def age_band(birth: date, on: date) -> AgeBand | None:
    """The content band for a child's age, or None after her sixth birthday."""
    if on > sixth_birthday(birth):
        return None
    months = child_age(birth, on).months
    current: AgeBand = AGE_BANDS[0][0]
    for band, first_month in AGE_BANDS:
        if months >= first_month:
            current = band
    return current


def parse_nickname(text: str) -> str:
    """What the parent calls the child, trimmed, 1-20 characters, printable.

    The length counts Unicode code points, so an emoji built from several
    (a family, a flag) counts as several.
    """
    name = unicodedata.normalize("NFC", text).strip()
    if any(_is_forbidden(char) for char in name):
        raise ChildInputError("nickname_invalid_chars", max_length=NICKNAME_MAX_LENGTH)
    name = " ".join(name.split())
    if not any(_is_visible(char) for char in name):
        raise ChildInputError("nickname_empty", max_length=NICKNAME_MAX_LENGTH)
    if len(name) > NICKNAME_MAX_LENGTH:
        raise ChildInputError("nickname_too_long", max_length=NICKNAME_MAX_LENGTH, length=len(name))
    return name


def _is_forbidden(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cs") or char in _BIDI_CONTROLS


def _is_visible(char: str) -> bool:
    return unicodedata.category(char) not in ("Zs", "Zl", "Zp", "Cf", "Mn", "Me")
