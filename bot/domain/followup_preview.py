"""What one person would receive over the next days: the runner's planner run forward.

Used by `python -m bot schedule preview`. Pure, like bot/domain/followup_plan.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta, tzinfo

from bot.domain.followup_plan import (
    INTERACTIVE,
    History,
    Occurrence,
    Person,
    PriorityRule,
    StageIndex,
    plan,
)
from bot.domain.quiet_hours import QuietHours
from bot.domain.schedule_model import Schedule
from bot.domain.stages import StageLike


def preview(
    person: Person,
    history: History,
    start: datetime,
    days: int,
    schedule: Schedule,
    stages: Sequence[StageLike] | StageIndex,
    priority: PriorityRule,
    zone: tzinfo,
    quiet: QuietHours,
) -> list[tuple[datetime, Occurrence, str]]:
    """What she would receive over `days`, hour by hour, if she answered every question:
    (when, occurrence, "") for each send, (when, occurrence, reason) for each skip.

    The same planner the runner uses, so the preview cannot drift from what is sent;
    silence (the ladder) and conversations are left out: they depend on her.
    """
    stages = stages if isinstance(stages, StageIndex) else StageIndex(stages)
    sent = set(history.sent)
    asked_on: set[date] = set()
    found: list[tuple[datetime, Occurrence, str]] = []
    skipped: set[str] = set()
    moment = start.replace(minute=0, second=0, microsecond=0)
    while moment < start + timedelta(days=days):
        day = moment.astimezone(zone).date()
        now_history = History(frozenset(sent), asked_today=day in asked_on)
        planned = plan(person, now_history, moment, schedule, stages, priority, zone, quiet)
        for occurrence, reason in planned.skipped:
            if occurrence.key not in skipped:
                skipped.add(occurrence.key)
                found.append((moment, occurrence, reason))
        for occurrence in planned.send:
            found.append((moment, occurrence, ""))
            sent.add(occurrence.key)
            if occurrence.action in INTERACTIVE:
                asked_on.add(day)
        moment += timedelta(hours=1)
    return found
