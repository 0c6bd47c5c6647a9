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

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal, NamedTuple

from bot.domain.dates import add_months, completed_months
from bot.domain.quiet_hours import QuietHours
from bot.domain.schedule_model import Checkins, Event, Rung, Schedule, Tier
from bot.domain.stages import StageLike, stage_candidates

FULL_TERM_DAYS = 280


@dataclass(frozen=True)
class PriorityRule:
    """Who is in the priority group (content/triage/risk_colours.toml holds the sets)."""

    colours: frozenset[str]
    gestation_days: int


# Person, History and Occurrence are NamedTuples: a scan builds one of each per person
# (and several occurrences), and a tuple is built several times faster than a frozen
# dataclass.
class Person(NamedTuple):
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


class History(NamedTuple):
    """What the planner needs from the database about her."""

    sent: frozenset[str] = frozenset()  # keys already stored whose window is still open
    ladder_open: bool = False  # an unanswered check-in is still climbing its ladder
    in_conversation: bool = False
    asked_today: bool = False  # a check-in or dialog (something with buttons) went out today


class Occurrence(NamedTuple):
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
    # Will never go, and why (SKIP_REASONS): recorded so that nothing silently never fires.
    skipped: tuple[tuple[Occurrence, str], ...] = field(default=())


# Why an occurrence never went out. Late joiners skip what fell due before they came;
# quiet hours or a conversation that last until its window ends make it stale; the rest
# are written when follow-up is cancelled (bot/followup/cancel.py).
SKIP_REASONS = (
    "late_joiner",
    "quiet_hours",
    "in_conversation",
    "cancelled_birth",
    "cancelled_loss",
    "cancelled_stop",
)
# A conversation is checked on each scan (every 5 minutes): an item held by one whose
# window ends sooner than that is given up as skipped.
LAST_CHANCE = timedelta(minutes=5)


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


def _index(stages: Sequence[StageLike] | StageIndex) -> StageIndex:
    return stages if isinstance(stages, StageIndex) else StageIndex(stages)


# Occurrence times are local hours stored in UTC: comparing them with `now` (UTC) is then
# a plain comparison, not a time-zone conversion each time (a scan makes millions).
def _at(day: date, hour: int, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


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


# The calendar arithmetic below depends on dates shared by many people (a due date, a
# day), never on the person: cached, a 100,000-person scan is mostly dictionary look-ups.
_CACHE = 65536


@functools.lru_cache(maxsize=_CACHE)
def _checkin_on(tier: Tier, day: date, checkins: Checkins, zone: tzinfo) -> Occurrence:
    if tier == "priority":
        first, last = day, day + timedelta(days=1)
    else:
        first = day - timedelta(days=(day.weekday() - checkins.weekly_on) % 7)
        last = first + timedelta(days=checkins.routine.every_days)
    nominal = _at(first, checkins.hour, zone)
    return Occurrence(
        f"checkin:{first.isoformat()}", "checkin", "checkin", tier, nominal, _midnight(last, zone)
    )


def _stage_occurrences(
    person: Person, event: Event, day: date, stages: StageIndex, hour: int, zone: tzinfo
) -> list[Occurrence]:
    found: list[Occurrence] = []
    if event.anchor == "due_date" and person.due_date is not None:
        occurrence = _pregnancy_stage(stages, event, person.due_date, day, hour, zone)
        if occurrence is not None:
            found.append(occurrence)
    elif event.anchor == "birth_date":
        for birth in sorted(person.child_births, reverse=True):
            occurrence = _child_stage(stages, event, birth, day, hour, zone)
            if occurrence is not None and all(o.key != occurrence.key for o in found):
                found.append(occurrence)
    return found


@functools.lru_cache(maxsize=_CACHE)
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


@functools.lru_cache(maxsize=_CACHE)
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
        _at(start, hour, zone),
        _midnight(end, zone),
    )


def _anchor(person: Person, event: Event) -> date | None:
    return person.due_date if event.anchor == "due_date" else person.newest_birth


def _timed(person: Person, event: Event, day: date, hour: int, zone: tzinfo) -> Occurrence | None:
    anchor = _anchor(person, event)
    if anchor is None or event.window_days is None:
        return None
    return _timed_on(event, anchor, day, hour, zone)


@functools.lru_cache(maxsize=_CACHE)
def _timed_on(event: Event, anchor: date, day: date, hour: int, zone: tzinfo) -> Occurrence | None:
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
        _at(first, hour, zone),
        _midnight(last, zone),
    )


def occurrences_on(
    person: Person,
    day: date,
    schedule: Schedule,
    stages: Sequence[StageLike] | StageIndex,
    priority: PriorityRule,
    zone: tzinfo,
) -> list[Occurrence]:
    """Every occurrence whose window holds local `day`, from the calendar alone."""
    if person.paused:
        return []
    found = list(_calendar(_facts(person, day, priority), day, schedule, _index(stages), zone))
    if found and found[0].action == "checkin" and _joined_after(person, found[0]):
        del found[0]  # late joiners never get what fell due before they came
    return found


# What the calendar of a person depends on: tier, pregnant, due date, outcome, births.
# Many people share it (a due date, a birth date), so the calendar is computed once each.
_Facts = tuple[Tier, bool, date | None, str | None, tuple[date, ...]]


def _facts(person: Person, day: date, priority: PriorityRule) -> _Facts:
    tier = tier_of(person, day, priority)
    return (tier, person.pregnant, person.due_date, person.outcome, person.child_births)


def _joined_after(person: Person, checkin: Occurrence) -> bool:
    return person.joined is not None and checkin.nominal_at < person.joined


@functools.lru_cache(maxsize=_CACHE)
def _calendar(
    facts: _Facts, day: date, schedule: Schedule, index: StageIndex, zone: tzinfo
) -> tuple[Occurrence, ...]:
    """The occurrences of `day` for these facts; a check-in, if any, comes first."""
    tier, pregnant, due_date, outcome, births = facts
    person = Person(0, pregnant=pregnant, due_date=due_date, outcome=outcome, child_births=births)
    found: list[Occurrence] = []
    if pregnant or births:
        found.append(_checkin_on(tier, day, schedule.checkins, zone))
    audiences = {a for a in ("pregnant", "postpartum", "parent") if in_audience(person, a)}
    for event, hour in _events(schedule):
        if event.audience not in audiences:
            continue
        if event.action == "stage":
            found += _stage_occurrences(person, event, day, index, hour, zone)
        else:
            timed = _timed(person, event, day, hour, zone)
            if timed is not None:
                found.append(timed)
    return tuple(found)


@functools.lru_cache(maxsize=_CACHE)
def _timely(
    facts: _Facts, day: date, now: datetime, schedule: Schedule, index: StageIndex, zone: tzinfo
) -> tuple[Occurrence, ...]:
    """The calendar's occurrences inside their window at `now` (shared by many people)."""
    return tuple(
        o
        for o in _calendar(facts, day, schedule, index, zone)
        if o.nominal_at <= now < o.expires_at
    )


@functools.lru_cache(maxsize=8)
def _events(schedule: Schedule) -> tuple[tuple[Event, int], ...]:
    """Each event with its send hour (its own, else the check-in hour)."""
    default = schedule.checkins.hour
    return tuple((e, default if e.hour is None else e.hour) for e in schedule.events)


@functools.lru_cache(maxsize=64)
def _moment(now: datetime, zone: tzinfo, quiet: QuietHours) -> tuple[date, datetime | None]:
    """Her local day, and when quiet hours end if `now` is inside them (else None)."""
    local = now.astimezone(zone)
    if quiet.contains(local.time().replace(tzinfo=None)):
        return local.date(), quiet.release(now, zone)
    return local.date(), None


def plan(
    person: Person,
    history: History,
    now: datetime,
    schedule: Schedule,
    stages: Sequence[StageLike] | StageIndex,
    priority: PriorityRule,
    zone: tzinfo,
    quiet: QuietHours,
    last_chance: timedelta = LAST_CHANCE,
) -> Plan:
    """What may be sent to her right now, what is due but held (and until when), and what
    will never go (skipped, with its reason)."""
    if person.paused:
        return Plan()
    day, release = _moment(now, zone, quiet)
    timely = _timely(_facts(person, day, priority), day, now, schedule, _index(stages), zone)
    if not timely:
        return Plan()
    skipped: list[tuple[Occurrence, str]] = []
    if timely[0].action == "checkin" and _joined_after(person, timely[0]):
        skipped.append((timely[0], "late_joiner"))
        timely = timely[1:]
    sent = history.sent
    due = _one_question([o for o in timely if o.key not in sent] if sent else list(timely), history)
    if not due:
        return Plan(skipped=tuple(skipped))
    if release is not None:
        skipped += [(o, "quiet_hours") for o in due if release >= o.expires_at]
        return Plan(held=tuple((o, "quiet_hours", release) for o in due), skipped=tuple(skipped))
    if history.in_conversation:
        skipped += [(o, "in_conversation") for o in due if o.expires_at - now <= last_chance]
        held = tuple((o, "in_conversation", None) for o in due)
        return Plan(held=held, skipped=tuple(skipped))
    return Plan(send=tuple(due), skipped=tuple(skipped))


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
