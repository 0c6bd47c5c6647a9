"""Compact opening hours for the clinic list, and whether a place is open at a moment.

The format is a small, strict subset of OpenStreetMap's ``opening_hours`` that an
admin can type into one spreadsheet cell:

    24h                                   open round the clock (also "24/7")
    Mo-Fr 08:00-17:30; Sa 08:00-12:00     days not named are closed
    Mo-Fr 08:00-12:00,14:00-17:30         several ranges on one day
    Mo-Su 20:00-02:00                     a range may run past midnight
    Mo-Sa 08:00-17:00; Su off             "off"/"closed" says so explicitly
    Sa,Su 24h                             round the clock on some days only
    08:00-20:00                           no days = every day

Chinese spellings that appear in published lists are accepted too (周一至周五 8:00-17:30,
星期六 8:00-12:00, 工作日, 周末, 每天, 24小时, full-width punctuation, "~" or "至" for ranges).

Unlike OSM, a day may be named in one rule only: a later rule silently overriding an
earlier one is how a typo becomes wrong hours shown to a parent at night, so it is an
error here instead.

Times are wall-clock times in the zone the caller configures (default Asia/Shanghai);
a range that runs past midnight belongs to the day it starts on, so "Su 20:00-02:00"
means open on Monday at 01:00 even if Monday has no rule of its own.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from bot.domain.validation_text import InputError

DEFAULT_TZ = ZoneInfo("Asia/Shanghai")

MINUTES_PER_DAY = 24 * 60
DAY_CODES = ("mo", "tu", "we", "th", "fr", "sa", "su")


class OpeningHoursError(InputError):
    """The hours text cannot be understood.

    ``code`` is one of the ``hours_*`` codes below (content/clinics/import_messages.toml
    explains each in every locale); ``params["fragment"]`` is the part that was wrong.
    """

    def __init__(self, code: str, fragment: str = "") -> None:
        super().__init__(code, fragment=fragment)
        self.fragment = fragment

    def __str__(self) -> str:
        return f"{self.code}: {self.fragment!r}" if self.fragment else self.code


@dataclass(frozen=True, order=True)
class Interval:
    """Minutes after the local midnight of the day the range starts on.

    ``end`` is above 1440 when the range runs past midnight (20:00-02:00 is 1200..1560).
    """

    start: int
    end: int


@dataclass(frozen=True)
class OpeningHours:
    """Open intervals per weekday, Monday first."""

    days: tuple[tuple[Interval, ...], ...]
    text: str = field(default="", compare=False)

    @property
    def is_always_open(self) -> bool:
        return all(Interval(0, MINUTES_PER_DAY) in day for day in self.days)


# --- parsing ---------------------------------------------------------------------------------

_DASHES = str.maketrans({"–": "-", "—": "-", "~": "-", "〜": "-", "、": ","})
_ZH_DAY = {
    "一": "mo",
    "二": "tu",
    "三": "we",
    "四": "th",
    "五": "fr",
    "六": "sa",
    "日": "su",
    "天": "su",
}
_ZH_DAY_RE = re.compile(r"(?:周|星期|礼拜)([一二三四五六日天])")
_ZH_DAY_GROUPS = {"工作日": "mo-fr", "周末": "sa-su", "每天": "mo-su", "每日": "mo-su"}
_EN_LONG_DAYS = re.compile(r"\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*\b")
_ROUND_THE_CLOCK = {"24h", "24/7", "24小时", "全天", "00:00-24:00", "0:00-24:00"}
_CLOSED = {"off", "closed", "休息", "停诊", "关闭"}
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})$")


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().translate(_DASHES)
    return text.replace("至", "-").replace("到", "-")


def _parse_minutes(token: str, *, is_end: bool) -> int:
    match = _TIME_RE.match(token)
    if not match:
        raise OpeningHoursError("hours_bad_time", token)
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not is_end)):
        raise OpeningHoursError("hours_bad_time", token)
    return hours * 60 + minutes


def _parse_range(token: str) -> Interval:
    parts = [p.strip() for p in token.split("-")]
    if len(parts) != 2:
        raise OpeningHoursError("hours_bad_range", token)
    start = _parse_minutes(parts[0], is_end=False)
    end = _parse_minutes(parts[1], is_end=True)
    if end == start:
        raise OpeningHoursError("hours_zero_length", token)
    if end < start:  # runs past midnight into the next day
        end += MINUTES_PER_DAY
    return Interval(start, end)


def _parse_times(text: str) -> tuple[Interval, ...]:
    if text in _CLOSED:
        return ()
    if text in _ROUND_THE_CLOCK:
        return (Interval(0, MINUTES_PER_DAY),)
    tokens = [token.strip() for token in text.split(",")]
    for token in tokens:
        if any(char.isalpha() for char in token):
            # "Mo-Fr 08:00-17:30, Sa 08:00-12:00": a comma where a semicolon was meant.
            raise OpeningHoursError("hours_bad_separator", token)
    ranges = sorted(_parse_range(token) for token in tokens)
    for earlier, later in itertools.pairwise(ranges):
        if later.start < earlier.end:
            raise OpeningHoursError("hours_overlap", text)
    return tuple(ranges)


def _day_index(code: str) -> int:
    try:
        return DAY_CODES.index(code)
    except ValueError:
        raise OpeningHoursError("hours_unknown_day", code) from None


def _parse_days(text: str) -> list[int]:
    text = _ZH_DAY_RE.sub(lambda m: _ZH_DAY[m[1]], text)
    for word, days in _ZH_DAY_GROUPS.items():
        text = text.replace(word, days)
    text = _EN_LONG_DAYS.sub(lambda m: m[1][:2], text)
    text = re.sub(r"\s+", "", text)
    if not text:
        return list(range(7))
    days: list[int] = []
    for token in text.split(","):
        first, sep, last = token.partition("-")
        if not sep:
            days.append(_day_index(first))
            continue
        start, stop = _day_index(first), _day_index(last)
        span = (stop - start) % 7  # Fr-Mo wraps over the weekend
        days.extend((start + offset) % 7 for offset in range(span + 1))
    return days


# The times of a rule begin at its first digit or at a word such as "off" or 全天.
_RULE_RE = re.compile(
    r"^(?P<days>.*?)(?P<times>\d.*|(?:" + "|".join(sorted(_CLOSED | {"全天"})) + r")\s*)$"
)


def parse_opening_hours(text: str) -> OpeningHours:
    """Parse the compact format, or raise OpeningHoursError with one of these codes:

    hours_empty, hours_missing_times (days without times), hours_unknown_day,
    hours_bad_time (not HH:MM or no such time), hours_bad_range (not start-end),
    hours_zero_length (start equals end), hours_overlap (ranges of one day overlap),
    hours_bad_separator (a comma between rules), hours_day_repeated, hours_never_open.
    """
    rules = [rule.strip() for rule in _normalise(text).split(";")]
    rules = [rule for rule in rules if rule]
    if not rules:
        raise OpeningHoursError("hours_empty")
    week: list[tuple[Interval, ...] | None] = [None] * 7
    for rule in rules:
        match = _RULE_RE.match(rule)
        if not match:
            raise OpeningHoursError("hours_missing_times", rule)
        intervals = _parse_times(match["times"].strip())
        for day in _parse_days(match["days"]):
            if week[day] is not None:
                raise OpeningHoursError("hours_day_repeated", DAY_CODES[day].title())
            week[day] = intervals
    days = tuple(day or () for day in week)
    if not any(days):
        raise OpeningHoursError("hours_never_open", text.strip())
    return OpeningHours(days=days, text=text.strip())


# --- evaluation ------------------------------------------------------------------------------


def _local_wall(at: datetime, tz: tzinfo) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("opening hours need a timezone-aware datetime")
    return at.astimezone(tz).replace(tzinfo=None)


def _wall_intervals(
    hours: OpeningHours, today: date, first: int = -1, last: int = 8
) -> list[tuple[datetime, datetime]]:
    """Open intervals as naive wall-clock datetimes for days today+first .. today+last-1.

    Starting one day back catches a range that began yesterday and runs past midnight.
    """
    spans = []
    for offset in range(first, last):
        day = today + timedelta(days=offset)
        midnight = datetime.combine(day, time())
        for interval in hours.days[day.weekday()]:
            spans.append(
                (
                    midnight + timedelta(minutes=interval.start),
                    midnight + timedelta(minutes=interval.end),
                )
            )
    spans.sort()
    return spans


def _aware(wall: datetime, tz: tzinfo) -> datetime:
    return wall.replace(tzinfo=tz)


def is_open(hours: OpeningHours, at: datetime, tz: tzinfo = DEFAULT_TZ) -> bool:
    """Whether the place is open at ``at`` (a range includes its start, not its end)."""
    now = _local_wall(at, tz)
    return any(start <= now < end for start, end in _wall_intervals(hours, now.date(), -1, 1))


def next_opening(hours: OpeningHours, at: datetime, tz: tzinfo = DEFAULT_TZ) -> datetime | None:
    """The earliest moment at or after ``at`` when the place is open, in ``tz``.

    Returns ``at`` itself (converted to ``tz``) when already open; None only for hours
    that are never open, which the parser refuses.
    """
    now = _local_wall(at, tz)
    spans = _wall_intervals(hours, now.date())
    if any(start <= now < end for start, end in spans):
        return at.astimezone(tz)
    upcoming = [start for start, _ in spans if start >= now]
    return _aware(min(upcoming), tz) if upcoming else None


def next_closing(hours: OpeningHours, at: datetime, tz: tzinfo = DEFAULT_TZ) -> datetime | None:
    """When the place open at ``at`` next closes, in ``tz``.

    None when it is closed at ``at`` or open without a break for the whole week ahead
    (a 24 h clinic has no closing time to show).
    """
    now = _local_wall(at, tz)
    spans = _wall_intervals(hours, now.date())
    horizon = datetime.combine(now.date() + timedelta(days=7), time())
    merged: list[list[datetime]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in merged:
        if start <= now < end:
            return None if end >= horizon else _aware(end, tz)
    return None


# --- describing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayGroup:
    """Consecutive weekdays (0 = Monday) that share the same hours, for showing to a reader.

    The stored text ("Mo-Sa 08:00-17:00; Su off") is the admin's spelling; a reader sees
    the groups in her own language (bot/handlers/clinic_text.py renders them).
    """

    first: int
    last: int
    intervals: tuple[Interval, ...]  # empty: closed on these days


def day_groups(hours: OpeningHours) -> list[DayGroup]:
    """The week from Monday, runs of days with identical hours merged."""
    groups: list[DayGroup] = []
    for index, intervals in enumerate(hours.days):
        if groups and groups[-1].intervals == intervals and groups[-1].last == index - 1:
            groups[-1] = DayGroup(groups[-1].first, index, intervals)
        else:
            groups.append(DayGroup(index, index, intervals))
    return groups


def clock(minutes: int) -> str:
    """Minutes after midnight as HH:MM on a 24-hour clock (a range past midnight wraps)."""
    minutes %= MINUTES_PER_DAY
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
