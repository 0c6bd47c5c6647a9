"""Check-ins end to end through the fake Bot API, in Chinese and in English.

A mother in the priority group gets her daily check-in at 10:00; "something is
wrong" opens the report flow and her staff are alerted; "all well" is stored as a
report without an alert; silence climbs the ladder to a staff task in /due, which
staff close with an outcome; a press on an answered check-in is refused.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.clock import ManualClock
from bot.devtools.harness import BotHarness
from storage.models import Alert, FollowupTask, Report
from tests import factories
from tests.alert_helpers import drain, reads_english, sent

MOTHER, WORKER = 2001, 1001
LABELS = {
    "zh_Hans": {
        "language_code": "zh-hans",
        "checkin": "您今天好吗",
        "wrong": "⚠️ 有不舒服",
        "well": "✅ 一切都好，在家隔离",
        "bleeding": "阴道出血",
        "done": "完成",
        "nudge": "想再问候您一下",
        "reask": "从昨天起还没有收到您的回复",
        "digest": "随访任务",
        "task": "随访任务：1",
        "close": "关闭任务",
        "reached": "已联系上",
        "closed": "已从 /due 中移除",
        "stale": "这个问题已经回答过了",
        "looked_after": "负责跟进您的是",
    },
    "en": {
        "language_code": "en",
        "checkin": "How are you today",
        "wrong": "⚠️ Something is wrong",
        "well": "✅ All well, isolating at home",
        "bleeding": "Vaginal bleeding",
        "done": "Done",
        "nudge": "Just checking on you",
        "reask": "We have not heard from you since yesterday",
        "digest": "Follow-up tasks",
        "task": "Follow-up tasks: 1",
        "close": "Close task",
        "reached": "Reached",
        "closed": "It has left /due",
        "stale": "This question has already been answered",
        "looked_after": "Looking after you",
    },
}


async def start(harness: BotHarness, clock: ManualClock, locale: str) -> None:
    db = harness.runtime.db
    await factories.community(db)
    await factories.staff(db, WORKER, ["C001"])
    await factories.mother(db, MOTHER, week=40, locale=locale)
    if locale == "en":
        await reads_english(harness.runtime, WORKER)
    clock.advance(minutes=5)  # the next scan: her 10:00 check-in is due
    await drain(harness)


def to_her(harness: BotHarness) -> list[str]:
    return sent(harness, MOTHER)


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
async def test_something_is_wrong_leads_to_a_report_and_an_alert(
    followup_harness: BotHarness, clock: ManualClock, locale: str
) -> None:
    harness = followup_harness
    words = LABELS[locale]
    await start(harness, clock, locale)
    assert any(words["checkin"] in text for text in to_her(harness))
    mother = harness.user(MOTHER, language_code=words["language_code"])
    await mother.press(words["wrong"])
    await mother.press(words["bleeding"])
    await mother.press(words["done"])
    await drain(harness)
    async with harness.runtime.db.session() as session:
        [alert] = (await session.exec(select(Alert))).all()
    assert alert.user_id == MOTHER and alert.level == "emergency"
    assert any(str(harness.runtime.settings.emergency_number) in t for t in to_her(harness))
    assert sent(harness, WORKER), "her community worker was alerted"
    # Her worker takes the alert: she is told, in her language, who is looking after her.
    await reads_english(harness.runtime, WORKER)
    await harness.user(WORKER, language_code="en").press("", data=f"al:ack:{alert.id}")
    await drain(harness)
    assert any(words["looked_after"] in t for t in to_her(harness))
    # The answered check-in does not climb its ladder.
    clock.advance(hours=5)
    await drain(harness)
    assert not any(words["nudge"] in text for text in to_her(harness))


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
async def test_an_unanswered_checkin_becomes_a_staff_task_closed_from_due(
    followup_harness: BotHarness, clock: ManualClock, locale: str
) -> None:
    harness = followup_harness
    words = LABELS[locale]
    await start(harness, clock, locale)
    for hours in (4, 20, 6):  # 14:00 the nudge; next day 10:00 the re-ask; 16:00 the task
        clock.advance(hours=hours)
        await drain(harness)
    texts = to_her(harness)
    assert sum(words["nudge"] in t for t in texts) == 1
    assert sum(words["reask"] in t for t in texts) == 1
    async with harness.runtime.db.session() as session:
        [task] = (await session.exec(select(FollowupTask))).all()
    assert (task.user_id, task.status) == (MOTHER, "open")
    assert sent(harness, WORKER) == [], "no alert per person: the digest comes tomorrow"
    clock.advance(hours=17)  # 09:00 the next day: one digest
    await drain(harness)
    await drain(harness)
    digests = [t for t in sent(harness, WORKER) if words["digest"] in t]
    assert len(digests) == 1
    worker = harness.user(WORKER, language_code=words["language_code"])
    due = await worker.send("/due")
    assert words["task"] in due.text
    if locale == "en":
        # Forged or garbled presses are answered and close nothing.
        for forged in ("ft:o:²:reached:", f"ft:c:{'9' * 26}:", f"ft:o:{task.id}:bogus:", "ft:"):
            refused = await worker.press("", data=forged)
            assert refused.answer_text == "This button is no longer valid."
        async with harness.runtime.db.session() as session:
            assert (await session.exec(select(FollowupTask))).one().status == "open"
    await worker.press(words["close"])
    closed = await worker.press(words["reached"])
    assert words["closed"] in closed.text
    again = await worker.send("/due")
    assert words["task"] not in again.text
    async with harness.runtime.db.session() as session:
        task = (await session.exec(select(FollowupTask))).one()
    assert (task.status, task.outcome, task.closed_by) == ("closed", "reached", WORKER)


async def test_all_well_is_a_report_without_an_alert_and_an_old_press_is_refused(
    followup_harness: BotHarness, clock: ManualClock
) -> None:
    harness = followup_harness
    words = LABELS["en"]
    await start(harness, clock, "en")
    mother = harness.user(MOTHER, language_code="en")
    await mother.press(words["well"])
    async with harness.runtime.db.session() as session:
        [report] = (await session.exec(select(Report))).all()
        alerts = (await session.exec(select(Alert))).all()
    assert report.data["isolation"] == "home" and report.data["source"] == "checkin"
    assert alerts == []
    checkin = next(c for c in harness.telegram.calls if c.chat_id == MOTHER and c.inline_buttons)
    forged = checkin.inline_buttons[0]["callback_data"]
    reply = await mother.press("", data=forged)
    assert words["stale"] in reply.answer_text
    # Garbled ids ('²', 26 digits) are refused the same way, never reaching int() or SQL.
    for garbled in ("ci:²:tok:ok_home", f"ci:{'9' * 26}:tok:ok_home", "ci:1:tok:", "ci:"):
        reply = await mother.press("", data=garbled)
        assert words["stale"] in reply.answer_text
    clock.advance(hours=5)
    await drain(harness)
    assert not any(words["nudge"] in t for t in to_her(harness))


async def test_the_trimester_mood_check_a_positive_screen_is_handled_as_in_report(
    followup_harness: BotHarness, clock: ManualClock
) -> None:
    harness = followup_harness
    db = harness.runtime.db
    await factories.community(db)
    await factories.staff(db, WORKER, ["C001"])
    await factories.mother(db, MOTHER, week=33, locale="en")  # third trimester, routine
    clock.advance(minutes=5)
    await drain(harness)
    mother = harness.user(MOTHER, language_code="en")
    assert "1/2" in mother.last_keyboard_message().text
    await mother.press("Nearly every day")
    assert "2/2" in mother.last_keyboard_message().text
    answer = await mother.press("More than half the days")
    assert "12356" in answer.text  # the helpline, as /report answers a positive screen
    async with harness.runtime.db.session() as session:
        [report] = (await session.exec(select(Report))).all()
        [alert] = (await session.exec(select(Alert))).all()
    assert report.data["phq2"] == [3, 2] and "mental.phq2_positive" in report.reasons
    assert alert.user_id == MOTHER


async def test_two_weeks_past_the_due_date_she_is_asked_and_moves_to_parent(
    followup_harness: BotHarness, clock: ManualClock
) -> None:
    from storage.models import Profile

    harness = followup_harness
    db = harness.runtime.db
    await factories.community(db)
    await factories.mother(db, MOTHER, week=42, locale="en")
    clock.advance(minutes=5)
    await drain(harness)
    mother = harness.user(MOTHER, language_code="en")
    assert "Has your baby arrived?" in mother.last_keyboard_message().text
    reply = await mother.press("Yes, my baby is here")
    assert "Congratulations" in reply.text
    async with harness.runtime.db.session() as session:
        profile = await session.get(Profile, MOTHER)
    assert profile is not None
    assert (profile.pregnant, profile.pregnancy_outcome) == (False, "birth")
