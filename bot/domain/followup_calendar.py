"""The calendar of follow-up occurrences: each one's key, local hour and window. Pure.

Split from bot/domain/followup_plan.py (which decides what is due, held or skipped for
a person): here only dates, shared by many people and so cached.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal, NamedTuple

from bot.domain.dates import add_months, completed_months
from bot.domain.schedule_model import Checkins, Event, Tier
from bot.domain.stages import StageLike, stage_candidates

FULL_TERM_DAYS = 280


def gestation_days(due_date: date, on: date) -> int:
    return FULL_TERM_DAYS - (due_date - on).days


class Occurrence(NamedTuple):
    key: str
    event: str  # "checkin" or the schedule event's id
    action: str  # "checkin" | "stage" | "topic" | "dialog"
    ref: str  # the tier of a check-in, the stage id, the topic id or the dialog
    nominal_at: datetime  # its hour on its first day (aware, UTC)
    expires_at: datetime  # the end of its window: after this it is stale


class StageIndex:
    """The most specific stage for each week or month, worked out once for all people.

    `stage_candidates` sorts the whole list on each call; a schedule run asks the
    same 40 weeks and 72 months a hundred thousand times.
    """

    def __init__(self, stages: Iterable[StageLike]) -> None:
        self.stages = tuple(stages)
        self._cache: dict[tuple[str, int], StageLike | None] = {}

    def at(self, age: int, kind: Literal["pregnancy", "child"]) -> StageLike | None:
        key = (kind, age)
        if key not in self._cache:
            found = stage_candidates(age, kind, self.stages)
            self._cache[key] = found[0] if found else None
        return self._cache[key]


def as_index(stages: Sequence[StageLike] | StageIndex) -> StageIndex:
    return stages if isinstance(stages, StageIndex) else StageIndex(stages)


# Occurrence times are local hours stored in UTC: comparing them with `now` (UTC) is then
# a plain comparison, not a time-zone conversion each time (a scan makes millions).
def at_hour(day: date, hour: int, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)


def midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


# The calendar arithmetic below depends on dates shared by many people (a due date, a
# day), never on the person: cached, a 100,000-person scan is mostly dictionary look-ups.
CACHE = 65536


@functools.lru_cache(maxsize=CACHE)
def checkin_on(tier: Tier, day: date, checkins: Checkins, zone: tzinfo) -> Occurrence:
    if tier == "priority":
        first, last = day, day + timedelta(days=1)
    else:
        first = day - timedelta(days=(day.weekday() - checkins.weekly_on) % 7)
        last = first + timedelta(days=checkins.routine.every_days)
    nominal = at_hour(first, checkins.hour, zone)
    return Occurrence(
        f"checkin:{first.isoformat()}", "checkin", "checkin", tier, nominal, midnight(last, zone)
    )


def stage_occurrences(
    due_date: date | None,
    births: tuple[date, ...],
    event: Event,
    day: date,
    stages: StageIndex,
    hour: int,
    zone: tzinfo,
) -> list[Occurrence]:
    """The stage message covering `day` of the pregnancy, or of each child."""
    found: list[Occurrence] = []
    if event.anchor == "due_date" and due_date is not None:
        occurrence = _pregnancy_stage(stages, event, due_date, day, hour, zone)
        if occurrence is not None:
            found.append(occurrence)
    elif event.anchor == "birth_date":
        for birth in sorted(births, reverse=True):
            occurrence = _child_stage(stages, event, birth, day, hour, zone)
            if occurrence is not None and all(o.key != occurrence.key for o in found):
                found.append(occurrence)
    return found


@functools.lru_cache(maxsize=CACHE)
def _pregnancy_stage(
    stages: StageIndex, event: Event, due_date: date, day: date, hour: int, zone: tzinfo
) -> Occurrence | None:
    stage = stages.at(gestation_days(due_date, day) // 7, "pregnancy")
    if stage is None:
        return None
    conception = due_date - timedelta(days=FULL_TERM_DAYS)
    start = conception + timedelta(weeks=stage.age_from)
    end = conception + timedelta(weeks=stage.age_until)
    return _stage(event, stage, start, end, hour, zone)


@functools.lru_cache(maxsize=CACHE)
def _child_stage(
    stages: StageIndex, event: Event, birth: date, day: date, hour: int, zone: tzinfo
) -> Occurrence | None:
    months = completed_months(birth, day)
    stage = stages.at(months, "child") if months is not None else None
    if stage is None:
        return None
    start, end = add_months(birth, stage.age_from), add_months(birth, stage.age_until)
    return _stage(event, stage, start, end, hour, zone)


def _stage(
    event: Event, stage: StageLike, start: date, end: date, hour: int, zone: tzinfo
) -> Occurrence:
    return Occurrence(
        f"stage:{stage.id}",
        event.id,
        "stage",
        stage.id,
        at_hour(start, hour, zone),
        midnight(end, zone),
    )


@functools.lru_cache(maxsize=CACHE)
def timed_on(event: Event, anchor: date, day: date, hour: int, zone: tzinfo) -> Occurrence | None:
    assert event.window_days is not None
    start = anchor + timedelta(days=event.offset_days)
    end = start + timedelta(days=event.window_days)
    if not start <= day < end:
        return None
    n = (day - start).days // event.every_days if event.every_days else 0
    first = start + timedelta(days=n * (event.every_days or 0))
    last = min(end, first + timedelta(days=event.every_days)) if event.every_days else end
    ref = event.topic if event.action == "topic" else event.dialog
    return Occurrence(
        f"{event.id}:{n}",
        event.id,
        event.action,
        ref or "",
        at_hour(first, hour, zone),
        midnight(last, zone),
    )
