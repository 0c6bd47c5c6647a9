"""The pure follow-up planner: what is due for whom, when, and what is stale."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.followup_plan import (
    History,
    Person,
    PriorityRule,
    next_rung,
    occurrences_on,
    plan,
    recent_infection,
    rung_at,
    tier_of,
)
from bot.domain.quiet_hours import QuietHours
from bot.domain.schedule_load import load_schedule
from bot.education.catalog import load_catalog

ZONE = ZoneInfo("Asia/Shanghai")
QUIET = QuietHours.parse("21:00-08:00")
PRIORITY = PriorityRule(frozenset({"orange", "red", "purple"}), 37 * 7)
SCHEDULE = load_schedule()
CATALOG = load_catalog()
STAGES = (*CATALOG.pregnancy_stages, *CATALOG.child_stages)
MONDAY = date(2026, 11, 30)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE).astimezone(UTC)


def due_at_weeks(weeks: int, days: int = 0, on: date = MONDAY) -> date:
    return on + timedelta(days=280 - weeks * 7 - days)


def keys(person: Person, now: datetime, history: History | None = None) -> list[str]:
    found = plan(person, history or History(), now, SCHEDULE, STAGES, PRIORITY, ZONE, QUIET)
    return sorted(o.key for o in found.send)


def test_priority_group_by_colour_gestation_and_infection() -> None:
    assert tier_of(Person(1, pregnant=True, colour="red"), MONDAY, PRIORITY) == "priority"
    assert tier_of(Person(1, pregnant=True, colour="green"), MONDAY, PRIORITY) == "routine"
    at_37 = Person(1, pregnant=True, due_date=due_at_weeks(37))
    assert tier_of(at_37, MONDAY, PRIORITY) == "priority"
    at_36_6 = Person(1, pregnant=True, due_date=due_at_weeks(36, 6))
    assert tier_of(at_36_6, MONDAY, PRIORITY) == "routine"
    assert tier_of(at_36_6, MONDAY + timedelta(days=1), PRIORITY) == "priority"
    parent = Person(2, child_births=(date(2025, 5, 1),), recent_infection=True)
    assert tier_of(parent, MONDAY, PRIORITY) == "priority"
    # A colour of a pregnancy that ended no longer counts.
    after = Person(1, pregnant=False, colour="red", child_births=(date(2026, 11, 1),))
    assert tier_of(after, MONDAY, PRIORITY) == "routine"


def test_recent_infection_counts_only_the_window() -> None:
    assert recent_infection([(MONDAY - timedelta(days=13), True)], MONDAY, 14)
    assert not recent_infection([(MONDAY - timedelta(days=14), True)], MONDAY, 14)
    assert not recent_infection([(MONDAY, False)], MONDAY, 14)


def test_daily_checkin_for_priority_at_the_configured_hour() -> None:
    mother = Person(1, pregnant=True, due_date=due_at_weeks(30), colour="orange")
    assert "checkin:2026-12-01" not in keys(mother, local(date(2026, 12, 1), 9, 59))
    assert "checkin:2026-12-01" in keys(mother, local(date(2026, 12, 1), 10, 0))
    assert "checkin:2026-12-01" in keys(mother, local(date(2026, 12, 1), 20, 59))
    # Already sent: never again.
    sent = History(sent=frozenset({"checkin:2026-12-01"}))
    assert "checkin:2026-12-01" not in keys(mother, local(date(2026, 12, 1), 11), sent)


def test_weekly_checkin_for_routine_on_its_weekday_and_through_the_week() -> None:
    mother = Person(1, pregnant=True, due_date=due_at_weeks(16), colour="green")
    assert "checkin:2026-11-30" in keys(mother, local(MONDAY, 10))
    # After downtime it still goes once on Wednesday, under Monday's key.
    assert "checkin:2026-11-30" in keys(mother, local(date(2026, 12, 2), 12))
    # No check-in of its own on Tuesday.
    on_tuesday = occurrences_on(mother, date(2026, 12, 1), SCHEDULE, STAGES, PRIORITY, ZONE)
    assert [o.key for o in on_tuesday if o.action == "checkin"] == ["checkin:2026-11-30"]


def test_yesterdays_checkin_is_stale_today() -> None:
    mother = Person(1, pregnant=True, due_date=due_at_weeks(41))
    today = keys(mother, local(date(2026, 12, 2), 10))
    assert "checkin:2026-12-02" in today
    assert "checkin:2026-12-01" not in today


def test_quiet_hours_hold_and_release_at_their_end() -> None:
    mother = Person(1, pregnant=True, due_date=due_at_weeks(41))
    night = local(date(2026, 12, 1), 22)
    held = plan(mother, History(), night, SCHEDULE, STAGES, PRIORITY, ZONE, QUIET)
    assert not held.send
    # Today's check-in (sent already) is not held; the stage message due since 10:00 is.
    assert {(o.key, why) for o, why, _ in held.held} >= {("checkin:2026-12-01", "quiet_hours")}
    assert {release for _, _, release in held.held} == {local(date(2026, 12, 2), 8)}


def test_a_conversation_in_progress_holds_everything() -> None:
    mother = Person(1, pregnant=True, due_date=due_at_weeks(38))
    busy = plan(
        mother,
        History(in_conversation=True),
        local(MONDAY, 11),
        SCHEDULE,
        STAGES,
        PRIORITY,
        ZONE,
        QUIET,
    )
    assert not busy.send
    assert all(why == "in_conversation" for _, why, _ in busy.held)
    assert busy.held


def test_an_unanswered_ladder_stands_in_for_todays_checkin() -> None:
    mother = Person(1, pregnant=True, due_date=due_at_weeks(38))
    found = keys(mother, local(MONDAY, 10), History(ladder_open=True))
    assert not any(k.startswith("checkin:") for k in found)


def test_late_joiner_at_30_weeks_starts_where_she_is() -> None:
    joined = local(MONDAY, 15)
    mother = Person(1, pregnant=True, due_date=due_at_weeks(30), colour="green", joined=joined)
    now = local(MONDAY, 15, 5)
    found = keys(mother, now)
    # One stage message, the one for week 30; no check-in that fell due before she came.
    stages = [k for k in found if k.startswith("stage:")]
    assert len(stages) == 1
    stage_id = stages[0].removeprefix("stage:")
    stage = CATALOG.stage_message(stage_id)
    assert stage.age_from <= 30 < stage.age_until
    assert not any(k.startswith("checkin:") for k in found)
    assert not any(k.startswith("phq2_trimester") for k in found)
    # Next Monday she gets her weekly check-in.
    assert "checkin:2026-12-07" in keys(mother, local(date(2026, 12, 7), 10))


def test_delivery_preparation_once_at_37_weeks_and_phq2_per_trimester() -> None:
    due = due_at_weeks(36, 6)
    mother = Person(1, pregnant=True, due_date=due)
    assert "delivery_preparation:0" not in keys(mother, local(MONDAY, 10))
    tuesday = local(MONDAY + timedelta(days=1), 10)
    assert "delivery_preparation:0" in keys(mother, tuesday)
    # A week later the window is over: stale, never sent late.
    assert "delivery_preparation:0" not in keys(mother, tuesday + timedelta(days=7))
    phq2 = [e.id for e in SCHEDULE.events if e.dialog == "phq2" and e.audience == "pregnant"]
    assert phq2 == ["phq2_trimester_1", "phq2_trimester_2", "phq2_trimester_3"]
    at_week = {
        weeks: keys(Person(1, pregnant=True, due_date=due_at_weeks(weeks)), local(MONDAY, 10))
        for weeks in (9, 10, 13, 14, 20, 27, 28, 32, 39, 40)
    }
    assert [w for w, k in at_week.items() if "phq2_trimester_1:0" in k] == [10, 13]
    assert [w for w, k in at_week.items() if "phq2_trimester_2:0" in k] == [20, 27]
    assert [w for w, k in at_week.items() if "phq2_trimester_3:0" in k] == [32, 39]


def test_baby_arrived_asked_two_weeks_after_the_due_date_then_every_three_days() -> None:
    mother = Person(1, pregnant=True, due_date=MONDAY - timedelta(days=14))
    assert "baby_arrived:0" in keys(mother, local(MONDAY, 10))
    assert "baby_arrived:0" not in keys(mother, local(MONDAY - timedelta(days=1), 10))
    assert "baby_arrived:1" in keys(mother, local(MONDAY + timedelta(days=3), 10))


def test_postpartum_checks_for_42_days_then_the_phq2() -> None:
    born = MONDAY
    mother = Person(1, outcome="birth", child_births=(born,))
    days = {d: keys(mother, local(born + timedelta(days=d), 10)) for d in range(0, 50)}
    checks = sorted({k for found in days.values() for k in found if k.startswith("postpartum")})
    assert checks == [f"postpartum_check:{n}" for n in range(6)]
    assert [d for d, found in days.items() if "phq2_postpartum_42d:0" in found] == list(
        range(42, 49)
    )
    # A father with the same child gets neither.
    father = Person(2, child_births=(born,))
    assert not any(k.startswith(("postpartum", "phq2")) for k in keys(father, local(born, 10)))


def test_loss_birth_and_stop_cancel_pregnancy_content() -> None:
    due = due_at_weeks(38)
    lost = Person(1, pregnant=False, due_date=due, outcome="loss")
    assert keys(lost, local(MONDAY, 10)) == []
    paused = Person(1, pregnant=True, due_date=due, paused=True)
    assert keys(paused, local(MONDAY, 10)) == []
    born = Person(1, pregnant=False, due_date=due, outcome="birth", child_births=(MONDAY,))
    found = keys(born, local(MONDAY, 10))
    assert not any(k.startswith(("stage:pregnancy", "delivery", "phq2_tri", "baby")) for k in found)
    assert "stage:child_0_1m" in found


def test_two_children_in_one_band_get_one_stage_message() -> None:
    twins = Person(3, child_births=(date(2026, 1, 10), date(2026, 1, 10)))
    found = [k for k in keys(twins, local(MONDAY, 10)) if k.startswith("stage:")]
    assert len(found) == 1


def test_ladder_steps_in_order_and_then_none() -> None:
    ladder = SCHEDULE.checkins.priority.ladder
    sent = local(MONDAY, 10)
    steps = []
    done = 0
    while (rung := next_rung(ladder, done)) is not None:
        steps.append((rung.step, rung_at(rung, sent) - sent))
        done += 1
    assert steps == [
        ("nudge", timedelta(hours=4)),
        ("reask", timedelta(hours=24)),
        ("task", timedelta(hours=30)),
    ]
    assert next_rung(SCHEDULE.checkins.routine.ladder, 0) is None


@pytest.mark.parametrize("weeks", range(4, 43))
def test_every_pregnancy_week_has_exactly_one_stage(weeks: int) -> None:
    mother = Person(1, pregnant=True, due_date=due_at_weeks(weeks))
    found = [k for k in keys(mother, local(MONDAY, 12)) if k.startswith("stage:")]
    assert len(found) == 1


def test_one_question_a_day_dialogs_first_and_after_the_plain_messages() -> None:
    # At 38 weeks the third-trimester mood check and the daily check-in are both due.
    mother = Person(1, pregnant=True, due_date=due_at_weeks(38))
    found = plan(mother, History(), local(MONDAY, 10), SCHEDULE, STAGES, PRIORITY, ZONE, QUIET)
    actions = [o.action for o in found.send]
    assert actions[-1] == "dialog" and "checkin" not in actions
    assert [o.key for o in found.send][-1] == "phq2_trimester_3:0"
    # Once something with buttons went out today, only plain messages follow.
    later = keys(mother, local(MONDAY, 11), History(asked_today=True))
    assert not any(k.startswith(("checkin", "phq2")) for k in later)
    # The next day the check-in comes; the mood check was sent and stays sent.
    sent = History(sent=frozenset({"phq2_trimester_3:0"}))
    assert "checkin:2026-12-01" in keys(mother, local(date(2026, 12, 1), 10), sent)
