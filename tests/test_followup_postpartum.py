"""After the birth, end to end: "has your baby arrived?" moves her to the parent role with
the newborn, the postpartum checks start, and what she answers there is stored and triaged
as a report about her after the birth (subject "postpartum"), never as a pregnancy weeks
past its due date. Also the answer policy of docs/followup.md: "something is wrong" and a
priority-group mother who is isolating each open a follow-up task for her staff.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from bot import reports
from bot.clock import ManualClock
from bot.config import Settings
from bot.devtools.harness import BotHarness, ChatUser
from bot.handlers.checkin import answer_task
from storage.db import Database
from storage.models import Alert, Child, FollowupItem, FollowupTask, Profile, Report
from tests import factories
from tests.alert_helpers import drain, reads_english, sent
from tests.factories import T0, TODAY

MOTHER, WORKER = 2001, 1001


async def _born_yesterday(harness: BotHarness, clock: ManualClock) -> None:
    db = harness.runtime.db
    await factories.community(db)
    await factories.staff(db, WORKER, ["C001"])
    await reads_english(harness.runtime, WORKER)
    await factories.mother(db, MOTHER, week=42, locale="en")
    clock.advance(minutes=5)
    await drain(harness)
    mother = harness.user(MOTHER, language_code="en")
    assert "Has your baby arrived?" in mother.last_keyboard_message().text
    await mother.press("Yes, my baby is here")
    await mother.send((TODAY - timedelta(days=1)).isoformat())
    await mother.press("Skip")
    await mother.press("Done")


async def test_the_baby_arrives_then_postpartum_checks_are_her_own_reports(
    followup_harness: BotHarness, clock: ManualClock
) -> None:
    harness = followup_harness
    await _born_yesterday(harness, clock)
    async with harness.runtime.db.session() as session:
        profile = await session.get(Profile, MOTHER)
        children = (await session.exec(select(Child).where(Child.user_id == MOTHER))).all()
    assert profile is not None
    assert (profile.pregnant, profile.parent, profile.pregnancy_outcome) == (False, True, "birth")
    assert [c.birth_date for c in children] == [TODAY - timedelta(days=1)]
    # Day 3 after the birth, 10:00: her first postpartum check (bleeding, fever, mood, feeding).
    clock.set(T0 + timedelta(days=2, minutes=5))
    await drain(harness)
    mother = harness.user(MOTHER, language_code="en")
    check = mother.last_keyboard_message()
    assert "After the birth" in check.text
    await mother.press("⚠️ Something is wrong")
    # Her own checklist after the birth, not her baby's.
    assert "Heavy bleeding or clots" in str(mother.last_keyboard_message().inline_buttons)
    await mother.press("Heavy bleeding or clots")
    await mother.press("Done")
    await drain(harness)
    async with harness.runtime.db.session() as session:
        [report] = (await session.exec(select(Report))).all()
        [alert] = (await session.exec(select(Alert))).all()
        [task] = (await session.exec(select(FollowupTask))).all()
        item = (
            await session.exec(select(FollowupItem).where(FollowupItem.ref == "postpartum"))
        ).one()
    assert report.subject == "postpartum" and report.child_id is None
    assert "postpartum.heavy_bleeding" in report.reasons and report.level == "emergency"
    assert not any(r.startswith(("priority.", "pregnancy.")) for r in report.reasons)
    assert alert.level == "emergency" and alert.user_id == MOTHER
    assert any("Mother after the birth" in t for t in sent(harness, WORKER))
    assert (task.reason, task.item_id, task.status) == ("something_wrong", item.id, "open")


async def test_an_all_well_postpartum_answer_is_hers_and_raises_nothing(
    followup_harness: BotHarness, clock: ManualClock
) -> None:
    harness = followup_harness
    await _born_yesterday(harness, clock)
    clock.set(T0 + timedelta(days=2, minutes=5))
    await drain(harness)
    mother = harness.user(MOTHER, language_code="en")
    await mother.press("✅ All well, isolating at home")
    async with harness.runtime.db.session() as session:
        [report] = (await session.exec(select(Report))).all()
        alerts = (await session.exec(select(Alert))).all()
        tasks = (await session.exec(select(FollowupTask))).all()
    assert report.subject == "postpartum" and report.data["isolation"] == "home"
    assert report.level == "routine" and alerts == [] and tasks == []


async def test_postpartum_triage_knows_the_signs_after_birth(
    db: Database, settings: Settings
) -> None:
    await factories.community(db)
    await factories.parent(db, MOTHER, [TODAY - timedelta(days=5)])
    cases = {
        ("heavy_bleeding",): "emergency",
        ("fever",): "routine",  # ticked without a reading: take it (fever clinic advice)
        ("feeding_trouble",): "priority_follow_up",
        ("low_mood_self_harm",): "emergency",
        (): "routine",
    }
    for symptoms, level in cases.items():
        async with db.session() as session:
            found = await reports.assess_draft(
                session, MOTHER, "postpartum", {"symptoms": list(symptoms)}, T0, settings
            )
        assert found.level.code == level, symptoms
    async with db.session() as session:
        hot = await reports.assess_draft(
            session, MOTHER, "postpartum", {"symptoms": [], "temperature_c": 38.6}, T0, settings
        )
    assert "postpartum.fever" in hot.reasons and hot.fever_clinic


def test_which_answers_open_a_staff_task() -> None:
    assert answer_task("priority", "bad") == ("something_wrong", "priority")
    assert answer_task("routine", "bad") == ("something_wrong", "routine")
    assert answer_task("postpartum", "bad") == ("something_wrong", "priority")
    assert answer_task("priority", "ok_home") == ("isolating", "priority")
    assert answer_task("priority", "ok_fac") == ("isolating", "priority")
    assert answer_task("routine", "ok_home") is None  # routine: the report is enough
    assert answer_task("priority", "ok_none") is None  # all well, not isolating: contact made
    assert answer_task("priority", "ok") is None


async def test_a_priority_mother_isolating_gets_one_task_a_week_not_an_alert(
    followup_harness: BotHarness, clock: ManualClock
) -> None:
    harness = followup_harness
    db = harness.runtime.db
    await factories.community(db)
    await factories.staff(db, WORKER, ["C001"])
    await factories.mother(db, MOTHER, week=40, locale="en")  # after the mood check window
    for day in range(3):
        clock.set(T0 + timedelta(days=day, minutes=5))
        await drain(harness)
        mother = harness.user(MOTHER, language_code="en")
        await mother.press("✅ All well, isolating at home")
    async with harness.runtime.db.session() as session:
        answered = (await session.exec(select(Report).order_by(col(Report.id)))).all()
        alerts = (await session.exec(select(Alert))).all()
        tasks = (await session.exec(select(FollowupTask))).all()
    assert len(answered) == 3 and all(r.subject == "pregnancy" for r in answered)
    assert alerts == [], "an isolating 'all well' is not an alert"
    assert [(t.reason, t.urgency) for t in tasks] == [("isolating", "priority")]
    # In /due for her worker.
    worker = harness.user(WORKER, language_code="en")
    due = await worker.send("/due")
    assert "isolating" in due.text and str(MOTHER) in due.text


async def _gave_birth(harness: BotHarness, *, days_ago: int) -> ChatUser:
    """A mother whose pregnancy ended with a birth `days_ago` (one child)."""
    db = harness.runtime.db
    await factories.community(db)
    await factories.parent(db, MOTHER, [TODAY - timedelta(days=days_ago)], locale="en")
    async with db.session() as session:
        profile = await session.get(Profile, MOTHER)
        assert profile is not None
        profile.pregnancy_outcome = "birth"
    return harness.user(MOTHER, language_code="en")


async def test_report_from_the_menu_offers_her_own_health_in_the_42_days_after_birth(
    harness: BotHarness,
) -> None:
    """/report by a mother a week after the birth: about her or about the baby; her own
    report asks her postpartum checklist and is stored as a postpartum report."""
    db = harness.runtime.db
    mother = await _gave_birth(harness, days_ago=7)
    asked = await mother.send("/report")
    assert asked.buttons == ["🤱 Me (after the birth)", "👶 child1"]
    await mother.press("🤱 Me (after the birth)")
    assert "Heavy bleeding or clots" in str(mother.last_keyboard_message().inline_buttons)
    await mother.press("Heavy bleeding or clots")
    await mother.press("Done")
    async with db.session() as session:
        [report] = (await session.exec(select(Report))).all()
    assert report.subject == "postpartum" and report.child_id is None
    assert report.level == "emergency"


async def test_report_after_the_postpartum_period_goes_straight_to_the_child(
    harness: BotHarness,
) -> None:
    mother = await _gave_birth(harness, days_ago=43)
    asked = await mother.send("/report")
    # No "who is it about?" step: straight to the baby's questions.
    assert "🤱 Me (after the birth)" not in asked.buttons and "👶 child1" not in asked.buttons
    assert "Heavy bleeding or clots" not in str(asked.texts)
