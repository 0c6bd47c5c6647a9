"""The follow-up programme as typed data: check-in tiers, their ladders, and events.

Loaded once and never copied, so the classes compare and hash by identity
(eq=False): the planner caches its calendar arithmetic by event, and hashing a
dataclass field by field on each of a million look-ups would cost more than it saves.

Read from content/schedules/*.toml by bot.domain.schedule_load; the planner
(bot.domain.followup_plan) turns it into what is due for one person. Modelled
on RapidPro's campaign events (an anchor date, an offset, a delivery hour) and
Medic CHT's schedules (a due window; what is past for a late joiner is skipped).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Anchor = Literal["due_date", "birth_date"]
Audience = Literal["pregnant", "postpartum", "parent"]
Action = Literal["stage", "topic", "dialog"]
LadderStep = Literal["nudge", "reask", "task"]
Tier = Literal["priority", "routine"]

ANCHORS: frozenset[str] = frozenset({"due_date", "birth_date"})
AUDIENCES: frozenset[str] = frozenset({"pregnant", "postpartum", "parent"})
ACTIONS: frozenset[str] = frozenset({"stage", "topic", "dialog"})
DIALOGS: frozenset[str] = frozenset({"phq2", "arrived", "postpartum"})
LADDER_STEPS: frozenset[str] = frozenset({"nudge", "reask", "task"})
CANCELLERS: frozenset[str] = frozenset({"loss", "birth", "stop", "delete"})
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ScheduleError(ValueError):
    """A schedule file that must not run; `problems` names each one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__(
            f"{len(problems)} problem(s) in the schedule:\n" + "\n".join(f"- {p}" for p in problems)
        )


@dataclass(frozen=True)
class Rung:
    """One step of the non-response ladder, `after_hours` after the check-in went out."""

    after_hours: float
    step: LadderStep


@dataclass(frozen=True, eq=False)
class CheckinTier:
    every_days: int
    ladder: tuple[Rung, ...]


@dataclass(frozen=True, eq=False)
class Checkins:
    hour: int
    digest_hour: int
    infection_days: int
    fever_from_c: float
    weekly_on: int  # 0 = Monday, as date.weekday()
    priority: CheckinTier
    routine: CheckinTier

    def tier(self, name: Tier) -> CheckinTier:
        return self.priority if name == "priority" else self.routine


@dataclass(frozen=True, eq=False)
class Event:
    """A scheduled message or dialog, relative to a date in her profile."""

    id: str
    anchor: Anchor
    audience: Audience
    action: Action
    offset_days: int = 0
    window_days: int | None = None  # None: as long as the anchor's stages last (stage events)
    every_days: int | None = None
    hour: int | None = None  # None: the check-in hour
    topic: str | None = None
    dialog: str | None = None
    cancelled_by: frozenset[str] = frozenset({"stop", "delete"})


@dataclass(frozen=True, eq=False)
class Schedule:
    version: str
    checkins: Checkins
    events: tuple[Event, ...]

    def event(self, event_id: str) -> Event:
        for event in self.events:
            if event.id == event_id:
                return event
        raise KeyError(event_id)
