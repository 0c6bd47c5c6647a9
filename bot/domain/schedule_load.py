"""Reading content/schedules/*.toml into a checked `Schedule`.

Every problem is collected and reported together (a file with three typos says
three things), so a health authority's edit fails at start and in the tests,
never as an event that silently never fires (RapidPro's most common complaint).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any, cast

from bot.domain.schedule_model import (
    ACTIONS,
    ANCHORS,
    AUDIENCES,
    CANCELLERS,
    DIALOGS,
    LADDER_STEPS,
    WEEKDAYS,
    Action,
    Anchor,
    Audience,
    Checkins,
    CheckinTier,
    Event,
    LadderStep,
    Rung,
    Schedule,
    ScheduleError,
)

SCHEDULES_DIR = Path(__file__).resolve().parents[2] / "content" / "schedules"
_ID = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_TOP_KEYS = {"version", "sources", "checkins", "events"}
_CHECKIN_KEYS = {"hour", "digest_hour", "infection_days", "fever_from_c", "weekly_on"}
_CHECKIN_KEYS |= {"priority", "routine"}
_TIER_KEYS = {"every_days", "ladder"}
_EVENT_KEYS = {
    "id",
    "anchor",
    "offset_days",
    "window_days",
    "every_days",
    "hour",
    "audience",
    "action",
    "topic",
    "dialog",
    "cancelled_by",
}


class _Problems(list[str]):
    def unknown(self, raw: dict[str, Any], allowed: set[str], where: str) -> None:
        for key in sorted(set(raw) - allowed):
            self.append(f"{where}: unknown key {key!r}")

    def integer(
        self, raw: dict[str, Any], key: str, where: str, low: int, high: int, default: int | None
    ) -> int | None:
        value = raw.get(key, default)
        if value is None and default is None and key not in raw:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.append(f"{where}: {key} must be a whole number from {low} to {high}")
            return None
        return value

    def choice(self, raw: dict[str, Any], key: str, where: str, allowed: Collection[str]) -> str:
        value = raw.get(key)
        if value not in allowed:
            self.append(f"{where}: {key} must be one of {', '.join(sorted(allowed))}")
            return ""
        return str(value)


def _tier(raw: Any, where: str, problems: _Problems) -> CheckinTier:
    if not isinstance(raw, dict):
        problems.append(f"{where}: missing")
        return CheckinTier(1, ())
    problems.unknown(raw, _TIER_KEYS, where)
    every = problems.integer(raw, "every_days", where, 1, 28, None) or 1
    rungs: list[Rung] = []
    ladder = raw.get("ladder", [])
    if not isinstance(ladder, list):
        problems.append(f"{where}: ladder must be a list")
        ladder = []
    for n, rung in enumerate(ladder, 1):
        at = f"{where}.ladder[{n}]"
        if not isinstance(rung, dict):
            problems.append(f"{at}: must be a table")
            continue
        problems.unknown(rung, {"after_hours", "step"}, at)
        hours = rung.get("after_hours")
        if not isinstance(hours, int | float) or isinstance(hours, bool) or not 0 < hours <= 240:
            problems.append(f"{at}: after_hours must be a number of hours from 1 to 240")
            continue
        step = problems.choice(rung, "step", at, LADDER_STEPS)
        if rungs and hours <= rungs[-1].after_hours:
            problems.append(f"{at}: after_hours must grow along the ladder")
        if step:
            rungs.append(Rung(float(hours), cast(LadderStep, step)))
    if rungs and rungs[-1].step != "task":
        problems.append(f"{where}: a ladder must end with a task for staff, or be empty")
    if any(r.step == "task" for r in rungs[:-1]):
        problems.append(f"{where}: only the last step of a ladder may be a task")
    return CheckinTier(every, tuple(rungs))


def _checkins(raw: Any, problems: _Problems) -> Checkins:
    where = "checkins"
    if not isinstance(raw, dict):
        problems.append("checkins: missing")
        raw = {}
    problems.unknown(raw, _CHECKIN_KEYS, where)
    weekday = raw.get("weekly_on", "monday")
    if weekday not in WEEKDAYS:
        problems.append(f"checkins: weekly_on must be one of {', '.join(WEEKDAYS)}")
        weekday = "monday"
    fever = raw.get("fever_from_c", 37.3)
    if not isinstance(fever, int | float) or isinstance(fever, bool) or not 36.5 <= fever <= 39:
        problems.append("checkins: fever_from_c must be a temperature from 36.5 to 39")
        fever = 37.3
    return Checkins(
        fever_from_c=float(fever),
        hour=problems.integer(raw, "hour", where, 0, 23, 10) or 0,
        digest_hour=problems.integer(raw, "digest_hour", where, 0, 23, 9) or 0,
        infection_days=problems.integer(raw, "infection_days", where, 1, 60, 14) or 14,
        weekly_on=WEEKDAYS.index(weekday),
        priority=_tier(raw.get("priority"), "checkins.priority", problems),
        routine=_tier(raw.get("routine"), "checkins.routine", problems),
    )


def _event(raw: Any, n: int, problems: _Problems, topics: Collection[str] | None) -> Event | None:
    where = f"events[{n}]"
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a table")
        return None
    event_id = raw.get("id")
    if not isinstance(event_id, str) or not _ID.match(event_id):
        problems.append(f"{where}: id must be lower_case_with_underscores, at most 32 characters")
        event_id = ""
    else:
        where = f"events[{n}] {event_id!r}"
    before = len(problems)
    problems.unknown(raw, _EVENT_KEYS, where)
    anchor = problems.choice(raw, "anchor", where, ANCHORS)
    audience = problems.choice(raw, "audience", where, AUDIENCES)
    action = problems.choice(raw, "action", where, ACTIONS)
    offset = problems.integer(raw, "offset_days", where, -300, 400, 0)
    window = problems.integer(raw, "window_days", where, 1, 400, None)
    every = problems.integer(raw, "every_days", where, 1, 90, None)
    hour = problems.integer(raw, "hour", where, 0, 23, None)
    topic, dialog = raw.get("topic"), raw.get("dialog")
    if action == "topic" and (not isinstance(topic, str) or (topics and topic not in topics)):
        problems.append(f"{where}: topic must name a file in content/topics")
    if action == "dialog" and dialog not in DIALOGS:
        problems.append(f"{where}: dialog must be one of {', '.join(sorted(DIALOGS))}")
    if action != "stage" and window is None:
        problems.append(f"{where}: window_days is needed (how long it may still go out)")
    if action == "stage" and (window is not None or every is not None or offset):
        problems.append(f"{where}: a stage event follows content/stages; no offset or window")
    cancelled = raw.get("cancelled_by", ["stop", "delete"])
    if not isinstance(cancelled, list) or not set(cancelled) <= CANCELLERS:
        problems.append(f"{where}: cancelled_by may only hold {', '.join(sorted(CANCELLERS))}")
        cancelled = []
    elif not {"stop", "delete"} <= set(cancelled):
        problems.append(f"{where}: cancelled_by must include stop and delete")
    if audience == "pregnant" and not {"loss", "birth"} <= set(cancelled):
        problems.append(f"{where}: pregnancy content must be cancelled by loss and birth")
    if len(problems) > before:
        return None
    return Event(
        id=event_id,
        anchor=cast(Anchor, anchor),
        audience=cast(Audience, audience),
        action=cast(Action, action),
        offset_days=offset or 0,
        window_days=window,
        every_days=every,
        hour=hour,
        topic=topic if action == "topic" else None,
        dialog=dialog if action == "dialog" else None,
        cancelled_by=frozenset(cancelled),
    )


def parse_schedule(
    raw: dict[str, Any], *, where: str = "schedule", topics: Collection[str] | None = None
) -> Schedule:
    """Check one parsed file; raise ScheduleError naming every problem."""
    problems = _Problems()
    problems.unknown(raw, _TOP_KEYS, where)
    version = raw.get("version")
    if not isinstance(version, str) or not version:
        problems.append(f"{where}: version is missing")
    sources = raw.get("sources")
    if not isinstance(sources, list) or not sources:
        problems.append(f"{where}: name at least one source ([[sources]] with a title)")
    elif any(not isinstance(s, dict) or not s.get("title") for s in sources):
        problems.append(f"{where}: every source needs a title")
    checkins = _checkins(raw.get("checkins"), problems)
    events: list[Event] = []
    raw_events = raw.get("events", [])
    for n, item in enumerate(raw_events if isinstance(raw_events, list) else [], 1):
        event = _event(item, n, problems, topics)
        if event is not None:
            events.append(event)
    seen: set[str] = set()
    for event in events:
        if event.id in seen:
            problems.append(f"{where}: event id {event.id!r} is used twice")
        seen.add(event.id)
    if problems:
        raise ScheduleError([p if p.startswith(where) else f"{where}: {p}" for p in problems])
    return Schedule(str(version), checkins, tuple(events))


def load_schedule(
    paths: Iterable[Path] | None = None, *, topics: Collection[str] | None = None
) -> Schedule:
    """The programme from content/schedules (one file today; several files must agree)."""
    files = sorted(paths if paths is not None else SCHEDULES_DIR.glob("*.toml"))
    if len(files) != 1:
        raise ScheduleError([f"expected exactly one schedule file, found {len(files)}"])
    path = files[0]
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ScheduleError([f"{path.name}: not valid TOML ({error})"]) from error
    return parse_schedule(raw, where=path.name, topics=topics)
