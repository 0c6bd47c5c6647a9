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
from datetime import date, datetime, timedelta, tzinfo
from typing import NamedTuple

from bot.domain.followup_calendar import (
    CACHE,
    FULL_TERM_DAYS,
    Occurrence,
    StageIndex,
    as_index,
    checkin_on,
    gestation_days,
    stage_occurrences,
    timed_on,
)
from bot.domain.quiet_hours import QuietHours
from bot.domain.schedule_model import Event, Rung, Schedule, Tier
from bot.domain.stages import StageLike

__all__ = ["FULL_TERM_DAYS", "Occurrence", "StageIndex", "gestation_days"]


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


def _anchor(person: Person, event: Event) -> date | None:
    return person.due_date if event.anchor == "due_date" else person.newest_birth


def _timed(person: Person, event: Event, day: date, hour: int, zone: tzinfo) -> Occurrence | None:
    anchor = _anchor(person, event)
    if anchor is None or event.window_days is None:
        return None
    return timed_on(event, anchor, day, hour, zone)


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
    found = list(_calendar(_facts(person, day, priority), day, schedule, as_index(stages), zone))
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


@functools.lru_cache(maxsize=CACHE)
def _calendar(
    facts: _Facts, day: date, schedule: Schedule, index: StageIndex, zone: tzinfo
) -> tuple[Occurrence, ...]:
    """The occurrences of `day` for these facts; a check-in, if any, comes first."""
    tier, pregnant, due_date, outcome, births = facts
    person = Person(0, pregnant=pregnant, due_date=due_date, outcome=outcome, child_births=births)
    found: list[Occurrence] = []
    if pregnant or births:
        found.append(checkin_on(tier, day, schedule.checkins, zone))
    audiences = {a for a in ("pregnant", "postpartum", "parent") if in_audience(person, a)}
    for event, hour in _events(schedule):
        if event.audience not in audiences:
            continue
        if event.action == "stage":
            found += stage_occurrences(due_date, births, event, day, index, hour, zone)
        else:
            timed = _timed(person, event, day, hour, zone)
            if timed is not None:
                found.append(timed)
    return tuple(found)


@functools.lru_cache(maxsize=CACHE)
def _timely(
    facts: _Facts, day: date, now: datetime, schedule: Schedule, index: StageIndex, zone: tzinfo
) -> tuple[tuple[Occurrence, ...], tuple[Occurrence, ...], tuple[Occurrence, ...]]:
    """The calendar's occurrences inside their window at `now` (shared by many people),
    and their plain messages and first question (`_split`)."""
    found = _calendar(facts, day, schedule, index, zone)
    timely = tuple(o for o in found if o.nominal_at <= now < o.expires_at)
    return timely, *_split(timely)


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
    timely, plain, first_ask = _timely(
        _facts(person, day, priority), day, now, schedule, as_index(stages), zone
    )
    if not timely:
        return Plan()
    skipped: list[tuple[Occurrence, str]] = []
    if timely[0].action == "checkin" and _joined_after(person, timely[0]):
        skipped.append((timely[0], "late_joiner"))
        timely = timely[1:]
    sent = history.sent
    if sent or skipped:
        due = _one_question([o for o in timely if o.key not in sent], history)
    else:  # most people: nothing of today's sent yet, so the split is shared (cached)
        due = list(plain if history.ladder_open or history.asked_today else plain + first_ask)
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


def _split(due: tuple[Occurrence, ...]) -> tuple[tuple[Occurrence, ...], tuple[Occurrence, ...]]:
    """(the plain messages, the first question) of a calendar's due occurrences."""
    plain = _one_question(list(due), History(ladder_open=True))
    return tuple(plain), tuple(_one_question(list(due), History())[len(plain) :])


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
