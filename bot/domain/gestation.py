"""Gestation arithmetic.

The due date is the one value we store: the week is always computed on the
day it is needed, so a mother who reported once never sees a stale week
(MomConnect's lesson, BRIEF section 7). Day 0 of a pregnancy is 280 days
before the due date (BRIEF section 4).

At onboarding a mother may give her due date, her last period or her current
week; the second half of this module reads and range-checks each and turns it
into the due date to store (`PregnancyDating`). Errors are `GestationInputError`
codes explained in content/validation.toml.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from bot.domain.dates import parse_date
from bot.domain.validation_text import InputError

PREGNANCY_DAYS = 280


@dataclass(frozen=True, order=True)
class GestationalAge:
    """Completed weeks and extra days, e.g. 32+4."""

    weeks: int
    days: int

    @classmethod
    def from_days(cls, total_days: int) -> GestationalAge:
        return cls(total_days // 7, total_days % 7)

    @property
    def total_days(self) -> int:
        return self.weeks * 7 + self.days

    def __str__(self) -> str:
        return f"{self.weeks}+{self.days}"


def gestational_age(due_date: date, on: date) -> GestationalAge:
    """Gestational age on a given day for a pregnancy with this due date."""
    return GestationalAge.from_days(PREGNANCY_DAYS - (due_date - on).days)


def due_date_from_lmp(last_period: date) -> date:
    """Naegele's rule: the due date is 280 days after the last period began."""
    return last_period + timedelta(days=PREGNANCY_DAYS)


def due_date_from_age(age: GestationalAge, on: date) -> date:
    """The due date implied by a gestational age reported on a given day."""
    return on + timedelta(days=PREGNANCY_DAYS - age.total_days)


# --- Reading and checking what a mother reports at onboarding -------------
#
# She may give her due date, the first day of her last period, or her current
# week; whichever she gives becomes a due date (the value we store). Each way
# has an accepted range, chosen so that typos are caught while real, unusual
# pregnancies still fit:
#
# - gestation 4+0 to 44+0 inclusive: a pregnancy is rarely known before 4
#   weeks, and nobody is still pregnant at 44 weeks (post-term is 42+0,
#   BRIEF section 4), so anything outside is a slip of the keyboard;
# - a due date from 14 days ago (gestation 42+0) to 36 weeks ahead (gestation
#   4+0). The onboarding issue said "44 weeks ahead", but a due date more than
#   40 weeks ahead would mean a pregnancy that has not begun, so the upper end
#   follows the 4+0 floor instead: one constant, DUE_DATE_MAX_AHEAD_DAYS.

MIN_GESTATION = GestationalAge(4, 0)
MAX_GESTATION = GestationalAge(44, 0)
DUE_DATE_MAX_PAST_DAYS = 14
DUE_DATE_MAX_AHEAD_DAYS = PREGNANCY_DAYS - MIN_GESTATION.total_days  # 252 days = 36 weeks
MAX_EXTRA_DAYS = 6

# BRIEF section 4: term is 37+0 to 41+6; the seed notice makes gestation >= 37
# weeks a priority group. Trimesters: first to 13+6, second 14+0 to 27+6, third
# from 28+0 (the usual clinical split, also used in China's 早/中/晚孕期).
TERM_START = GestationalAge(37, 0)
TERM_END = GestationalAge(41, 6)
SECOND_TRIMESTER_FROM = GestationalAge(14, 0)
THIRD_TRIMESTER_FROM = GestationalAge(28, 0)

_WEEK_WORD = r"(?:周|w|wks?|weeks?)"
_DAY_WORD = r"(?:天|日|d|days?)"
_AGE_PATTERN = re.compile(
    r"(?:怀孕|孕|妊娠)?\s*(?P<weeks>\d{1,3})\s*"
    r"(?:"
    rf"\+\s*(?P<plus_days>\d{{1,2}})\s*(?:{_WEEK_WORD}|{_DAY_WORD})?"  # 32+4, 孕32+4周
    rf"|{_WEEK_WORD}\s*(?:(?:零|又|\+|and|,)\s*)?"  # 32周, 32 weeks and
    rf"(?:(?P<days>\d{{1,2}})\s*{_DAY_WORD}?)?"  # 4天, 4 days
    r")?"
)
_MAX_AGE_INPUT_LENGTH = 40


class DatingMethod(StrEnum):
    """How the due date was obtained; kept so later corrections can be judged."""

    DUE_DATE = "due_date"
    LAST_PERIOD = "last_period"
    GESTATIONAL_AGE = "gestational_age"


@dataclass(frozen=True)
class PregnancyDating:
    """The due date to store, and the week it gives on the day she told us."""

    due_date: date
    age_today: GestationalAge
    method: DatingMethod


class GestationInputError(InputError):
    """A reported week, due date or last period outside what we can accept."""


def parse_gestational_age(text: str) -> GestationalAge:
    """Read "32+4", "32周4天", "孕32周", "32w4d", "32 weeks 4 days", "32" and the like.

    Only the form is checked here (days 0-6); whether the week is plausible is
    `validate_gestational_age`'s job, so the reply can name the allowed range.
    """
    cleaned = " ".join(unicodedata.normalize("NFKC", text).lower().split()).strip(" 。.!")
    if not cleaned:
        raise GestationInputError("gestation_empty")
    match = _AGE_PATTERN.fullmatch(cleaned) if len(cleaned) <= _MAX_AGE_INPUT_LENGTH else None
    if match is None:
        raise GestationInputError("gestation_unrecognised")
    extra = match.group("plus_days") or match.group("days") or "0"
    if int(extra) > MAX_EXTRA_DAYS:
        raise GestationInputError("gestation_days_invalid", max_days=MAX_EXTRA_DAYS)
    return GestationalAge(int(match.group("weeks")), int(extra))


def validate_gestational_age(age: GestationalAge) -> GestationalAge:
    """Accept 4+0 to 44+0 inclusive."""
    if age < MIN_GESTATION:
        raise GestationInputError("gestation_too_early", **_age_range())
    if age > MAX_GESTATION:
        raise GestationInputError("gestation_too_late", **_age_range())
    return age


def validate_due_date(due: date, today: date) -> date:
    """Accept a due date from 14 days ago to 36 weeks ahead, both ends included."""
    earliest = today - timedelta(days=DUE_DATE_MAX_PAST_DAYS)
    latest = today + timedelta(days=DUE_DATE_MAX_AHEAD_DAYS)
    if due < earliest:
        raise GestationInputError("due_date_too_far_past", earliest=earliest, latest=latest)
    if due > latest:
        raise GestationInputError("due_date_too_far_ahead", earliest=earliest, latest=latest)
    return due


def validate_last_period(last_period: date, today: date) -> date:
    """Accept a last period that puts today between 4+0 and 44+0 weeks."""
    earliest = today - timedelta(days=MAX_GESTATION.total_days)
    latest = today - timedelta(days=MIN_GESTATION.total_days)
    allowed = {"earliest": earliest, "latest": latest, **_age_range()}
    if last_period > today:
        raise GestationInputError("last_period_in_future", today=today, **allowed)
    if last_period > latest:
        raise GestationInputError("last_period_too_recent", **allowed)
    if last_period < earliest:
        raise GestationInputError("last_period_too_long_ago", **allowed)
    return last_period


def parse_due_date(text: str, today: date) -> date:
    """A typed due date; without a year it is the next one, or one just passed."""
    return parse_date(text, today, prefer="future", leeway_days=DUE_DATE_MAX_PAST_DAYS)


def parse_last_period(text: str, today: date) -> date:
    """A typed last-period date; without a year it is the most recent one."""
    return parse_date(text, today, prefer="past")


def pregnancy_from_due_date(due: date, today: date) -> PregnancyDating:
    validate_due_date(due, today)
    return PregnancyDating(due, gestational_age(due, today), DatingMethod.DUE_DATE)


def pregnancy_from_last_period(last_period: date, today: date) -> PregnancyDating:
    validate_last_period(last_period, today)
    due = due_date_from_lmp(last_period)
    return PregnancyDating(due, gestational_age(due, today), DatingMethod.LAST_PERIOD)


def pregnancy_from_age(reported: str | GestationalAge, today: date) -> PregnancyDating:
    """Date a pregnancy from the week she reports today ("32+4" or a parsed age)."""
    age = parse_gestational_age(reported) if isinstance(reported, str) else reported
    validate_gestational_age(age)
    return PregnancyDating(due_date_from_age(age, today), age, DatingMethod.GESTATIONAL_AGE)


def is_term(age: GestationalAge) -> bool:
    return TERM_START <= age <= TERM_END


def trimester(age: GestationalAge) -> int:
    """1, 2 or 3."""
    if age < SECOND_TRIMESTER_FROM:
        return 1
    if age < THIRD_TRIMESTER_FROM:
        return 2
    return 3


def _age_range() -> dict[str, GestationalAge]:
    return {"min_age": MIN_GESTATION, "max_age": MAX_GESTATION}
