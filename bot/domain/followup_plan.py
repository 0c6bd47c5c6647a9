"""Which follow-up items are due for one person, and when each may go out. Pure.

Given a person's facts, what she has already been sent (keys whose window is
still open), whether she is mid-conversation, and `now`, the planner answers
three questions the runner must never get wrong:

- what is due: each occurrence has a key unique for her (`checkin:2026-12-02`,
  `stage:pregnancy_w28_31`, `phq2_trimester_3:0`), so storing the key before
  sending makes a second send impossible, whatever restarts or workers do;
- what is stale: an occurrence lives in a window (today for a daily check-in,
  the stage's weeks for a stage message); once it has passed it is dropped,
  never sent late, so after downtime each missed item goes once, yesterday's
  check-in is replaced by today's, and a late joiner starts where she is;
- when: never during quiet hours (held until they end, as CommCare does) and
  never into a conversation in progress (it waits until she finishes).

Check-ins skip what fell due before she joined (Medic CHT); the stage covering
today is "where she is" and so is sent to a late joiner.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from bot.domain.dates import add_months, completed_months
from bot.domain.quiet_hours import QuietHours
from bot.domain.schedule_model import Event, Rung, Schedule, Tier
from bot.domain.stages import StageLike, stage_candidates

FULL_TERM_DAYS = 280


@dataclass(frozen=True)
class PriorityRule:
    """Who is in the priority group (content/triage/risk_colours.toml holds the sets)."""

    colours: frozenset[str]
    gestation_days: int


@dataclass(frozen=True)
class Person:
    user_id: int
    pregnant: bool = False
    due_date: date | None = None
    colour: str | None = None
    outcome: str | None = None  # "birth" | "loss"
    child_births: tuple[date, ...] = ()
    recent_infection: bool = False  # a positive test or a fever within infection_days
    joined: datetime | None = None
    paused: bool = False

    @property
    def newest_birth(self) -> date | None:
        return max(self.child_births) if self.child_births else None


@dataclass(frozen=True)
class History:
    """What the planner needs from the database about her."""

    sent: frozenset[str] = frozenset()  # keys already stored whose window is still open
    ladder_open: bool = False  # an unanswered check-in is still climbing its ladder
    in_conversation: bool = False
    asked_today: bool = False  # a check-in or dialog (something with buttons) went out today


@dataclass(frozen=True)
class Occurrence:
    key: str
    event: str  # "checkin" or the schedule event's id
    action: str  # "checkin" | "stage" | "topic" | "dialog"
    ref: str  # the tier of a check-in, the stage id, the topic id or the dialog
    nominal_at: datetime  # its hour on its first day (aware, UTC)
    expires_at: datetime  # the end of its window: after this it is stale


@dataclass(frozen=True)
class Plan:
    send: tuple[Occurrence, ...] = ()
    # Due but held: (occurrence, "quiet_hours" | "in_conversation", earliest release).
    held: tuple[tuple[Occurrence, str, datetime | None], ...] = field(default=())


def _at(day: date, hour: int, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=zone)


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def gestation_days(due_date: date, on: date) -> int:
    return FULL_TERM_DAYS - (due_date - on).days


def tier_of(person: Person, on: date, priority: PriorityRule) -> Tier:
    """Orange, red, purple, >= 37+0 weeks, or a recent positive test or fever."""
    if person.recent_infection:
        return "priority"
    if person.pregnant and person.colour in priority.colours:
        return "priority"
    if person.pregnant and person.due_date is not None:
        if gestation_days(person.due_date, on) >= priority.gestation_days:
            return "priority"
    return "routine"


def in_audience(person: Person, audience: str) -> bool:
    if audience == "pregnant":
        return person.pregnant and person.due_date is not None
    if audience == "postpartum":
        return person.outcome == "birth" and not person.pregnant and bool(person.child_births)
    return bool(person.child_births)


def _checkin(
    person: Person, day: date, schedule: Schedule, priority: PriorityRule, zone: tzinfo
) -> Occurrence | None:
    if not (person.pregnant or person.child_births):
        return None
    tier = tier_of(person, day, priority)
    checkins = schedule.checkins
    if tier == "priority":
        first, last = day, day + timedelta(days=1)
    else:
        first = day - timedelta(days=(day.weekday() - checkins.weekly_on) % 7)
        last = first + timedelta(days=checkins.routine.every_days)
    nominal = _at(first, checkins.hour, zone)
    if person.joined is not None and nominal < person.joined:
        return None  # late joiners never get what fell due before they came
    return Occurrence(
        f"checkin:{first.isoformat()}", "checkin", "checkin", tier, nominal, _midnight(last, zone)
    )


def _stage_occurrences(
    person: Person, event: Event, day: date, stages: Sequence[StageLike], hour: int, zone: tzinfo
) -> list[Occurrence]:
    found: list[Occurrence] = []
    if event.anchor == "due_date" and person.due_date is not None:
        weeks = gestation_days(person.due_date, day) // 7
        candidates = stage_candidates(weeks, "pregnancy", stages)
        if candidates:
            stage = candidates[0]
            conception = person.due_date - timedelta(days=FULL_TERM_DAYS)
            start = conception + timedelta(weeks=stage.age_from)
            end = conception + timedelta(weeks=stage.age_until)
            found.append(_stage(event, stage, start, end, hour, zone))
    elif event.anchor == "birth_date":
        for birth in sorted(person.child_births, reverse=True):
            months = completed_months(birth, day)
            candidates = stage_candidates(months, "child", stages) if months is not None else []
            if candidates:
                stage = candidates[0]
                start, end = add_months(birth, stage.age_from), add_months(birth, stage.age_until)
                if all(o.key != f"stage:{stage.id}" for o in found):
                    found.append(_stage(event, stage, start, end, hour, zone))
    return found


def _stage(
    event: Event, stage: StageLike, start: date, end: date, hour: int, zone: tzinfo
) -> Occurrence:
    return Occurrence(
        f"stage:{stage.id}",
        event.id,
        "stage",
        stage.id,
        _at(start, hour, zone),
        _midnight(end, zone),
    )


def _anchor(person: Person, event: Event) -> date | None:
    return person.due_date if event.anchor == "due_date" else person.newest_birth


def _timed(person: Person, event: Event, day: date, hour: int, zone: tzinfo) -> Occurrence | None:
    anchor = _anchor(person, event)
    if anchor is None or event.window_days is None:
        return None
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
        _at(first, hour, zone),
        _midnight(last, zone),
    )


def occurrences_on(
    person: Person,
    day: date,
    schedule: Schedule,
    stages: Sequence[StageLike],
    priority: PriorityRule,
    zone: tzinfo,
) -> list[Occurrence]:
    """Every occurrence whose window holds local `day`, from the calendar alone."""
    if person.paused:
        return []
    found: list[Occurrence] = []
    checkin = _checkin(person, day, schedule, priority, zone)
    if checkin is not None:
        found.append(checkin)
    for event in schedule.events:
        if not in_audience(person, event.audience):
            continue
        hour = schedule.checkins.hour if event.hour is None else event.hour
        if event.action == "stage":
            found += _stage_occurrences(person, event, day, stages, hour, zone)
        else:
            timed = _timed(person, event, day, hour, zone)
            if timed is not None:
                found.append(timed)
    return found


def plan(
    person: Person,
    history: History,
    now: datetime,
    schedule: Schedule,
    stages: Sequence[StageLike],
    priority: PriorityRule,
    zone: tzinfo,
    quiet: QuietHours,
) -> Plan:
    """What may be sent to her right now, and what is due but held (and until when)."""
    day = now.astimezone(zone).date()
    due = [
        o
        for o in occurrences_on(person, day, schedule, stages, priority, zone)
        if o.nominal_at <= now < o.expires_at and o.key not in history.sent
    ]
    due = _one_question(due, history)
    if not due:
        return Plan()
    if quiet.contains(now.astimezone(zone).time().replace(tzinfo=None)):
        release = quiet.release(now, zone)
        return Plan(held=tuple((o, "quiet_hours", release) for o in due))
    if history.in_conversation:
        return Plan(held=tuple((o, "in_conversation", None) for o in due))
    return Plan(send=tuple(due))


INTERACTIVE = ("dialog", "checkin")  # dialogs first: rare, and a contact in themselves


def _one_question(due: list[Occurrence], history: History) -> list[Occurrence]:
    """At most one message with buttons a day, and none while a ladder climbs.

    Two questions at once would each bury the other's buttons. The re-ask of an
    unanswered check-in stands in for today's check-in. What waits stays due inside
    its window (a mood check a day later), and goes after the plain messages so its
    buttons are the last ones she sees.
    """
    plain = [o for o in due if o.action not in INTERACTIVE]
    if history.ladder_open or history.asked_today:
        return plain
    asks = sorted(
        (o for o in due if o.action in INTERACTIVE), key=lambda o: INTERACTIVE.index(o.action)
    )
    return plain + asks[:1]


def next_rung(ladder: Sequence[Rung], steps_done: int) -> Rung | None:
    """The ladder's next step after `steps_done` of them, or None at its end."""
    return ladder[steps_done] if steps_done < len(ladder) else None


def rung_at(rung: Rung, sent_at: datetime) -> datetime:
    return sent_at + timedelta(hours=rung.after_hours)


def recent_infection(reports: Iterable[tuple[date, bool]], today: date, days: int) -> bool:
    """Whether any (reported_on, positive test or fever) falls within the last `days`."""
    return any(flag and (today - on).days < days for on, flag in reports)


def preview(
    person: Person,
    history: History,
    start: datetime,
    days: int,
    schedule: Schedule,
    stages: Sequence[StageLike],
    priority: PriorityRule,
    zone: tzinfo,
    quiet: QuietHours,
) -> list[tuple[datetime, Occurrence]]:
    """What she would receive over `days`, hour by hour, if she answered every question.

    The same planner the runner uses, so the preview cannot drift from what is sent;
    silence (the ladder) and conversations are left out: they depend on her.
    """
    sent = set(history.sent)
    asked_on: set[date] = set()
    found: list[tuple[datetime, Occurrence]] = []
    moment = start.replace(minute=0, second=0, microsecond=0)
    while moment < start + timedelta(days=days):
        day = moment.astimezone(zone).date()
        now_history = History(frozenset(sent), asked_today=day in asked_on)
        for occurrence in plan(
            person, now_history, moment, schedule, stages, priority, zone, quiet
        ).send:
            found.append((moment, occurrence))
            sent.add(occurrence.key)
            if occurrence.action in INTERACTIVE:
                asked_on.add(day)
        moment += timedelta(hours=1)
    return found
