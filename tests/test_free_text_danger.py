"""Danger signs typed as free text take the checklist's path: triage, answer, report, alert.

Stories in both languages: a mother types a danger sign in her own words and her
community staff member gets an alert with her words; a parent types an infant's fever
and is told to go now, from the age in the message and, separately, from the profile.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.devtools.harness import BotHarness
from storage.models import Alert, Profile, Report, User
from tests import factories
from tests.alert_helpers import drain
from tests.factories import TODAY

MOTHER, PARENT, STAFF = 311, 312, 811


async def _staffed_community(harness: BotHarness, staff_locale: str) -> None:
    db = harness.runtime.db
    await factories.community(db, "C001")
    await factories.staff(db, STAFF, ["C001"], display_name="Wang")
    async with db.session() as session:
        session.add(User(id=STAFF, chat_id=STAFF, locale=staff_locale))


async def _reports(harness: BotHarness, user_id: int) -> list[Report]:
    async with harness.runtime.db.session() as session:
        return list((await session.exec(select(Report).where(Report.user_id == user_id))).all())


@pytest.mark.parametrize(
    ("language", "text", "headline", "staff_words"),
    [
        ("zh-hans", "今天见红了，量还不少", "这是危险信号", "报告阴道出血"),
        ("en", "the baby is not moving much today", "These are danger signs", "fetal movement"),
    ],
)
async def test_a_typed_danger_sign_is_stored_as_a_report_and_alerts_her_staff(
    harness: BotHarness, language: str, text: str, headline: str, staff_words: str
) -> None:
    await _staffed_community(harness, "zh_Hans" if language == "zh-hans" else "en")
    await factories.mother(harness.runtime.db, MOTHER, week=32)
    reply = await harness.user(MOTHER, language_code=language).send(text)
    assert reply.text.startswith("🚨") and headline in reply.text and "120" in reply.text
    assert "已通知" in reply.text or "has been notified" in reply.text

    [report] = await _reports(harness, MOTHER)
    assert report.level == "emergency" and report.subject == "pregnancy"
    assert report.data["source"] == "text" and report.data["typed"] == text
    alert = await harness.telegram.wait_for(
        lambda c: c.chat_id == STAFF and c.method == "sendMessage"
    )
    assert staff_words in alert.text and text in alert.text
    async with harness.runtime.db.session() as session:
        [row] = (await session.exec(select(Alert))).all()
    assert row.report_id == report.id and row.level == "emergency"
    await drain(harness)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("zh-hans", "我两个月的宝宝发烧了38.3度", "小月龄宝宝发热是危险信号"),
        ("en", "my 2 month old baby has a fever of 38.3", "A fever in a very young baby"),
    ],
)
async def test_an_infant_fever_is_an_emergency_from_the_age_in_the_message(
    harness: BotHarness, language: str, text: str, expected: str
) -> None:
    # Not registered at all: the age and the reading come only from the message.
    reply = await harness.user(PARENT, language_code=language).send(text)
    assert reply.messages[0].text.startswith("🚨")
    assert expected in reply.text and "120" in reply.text
    assert await _reports(harness, PARENT) == []  # no consent, nothing stored


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("zh-hans", "宝宝发烧了38.3度", "小月龄宝宝发热是危险信号"),
        ("en", "baby has a fever of 38.3", "A fever in a very young baby"),
    ],
)
async def test_an_infant_fever_is_an_emergency_from_the_age_in_the_profile(
    harness: BotHarness, language: str, text: str, expected: str
) -> None:
    await _staffed_community(harness, "en")
    [baby] = await factories.parent(
        harness.runtime.db, PARENT, [TODAY - timedelta(days=65)], locale=None
    )
    reply = await harness.user(PARENT, language_code=language).send(text)
    assert reply.messages[0].text.startswith("🚨")
    assert expected in reply.text and "120" in reply.text
    # As after /report, the answer is followed by the way to care (here: no clinic list yet).
    assert any(w in reply.messages[1].text for w in ("fever clinic", "发热门诊"))
    [report] = await _reports(harness, PARENT)
    assert report.subject == "child" and report.child_id == baby.id
    assert "child.young_infant_fever" in report.reasons
    await harness.telegram.wait_for(lambda c: c.chat_id == STAFF and "38.3" in c.text)
    await drain(harness)


async def test_the_same_fever_in_a_two_year_old_is_not_an_emergency(harness: BotHarness) -> None:
    await factories.community(harness.runtime.db, "C001")
    await factories.parent(harness.runtime.db, PARENT, [TODAY - timedelta(days=730)])
    reply = await harness.user(PARENT, language_code="en").send("baby has a fever of 38.3")
    assert not reply.text.startswith("🚨")
    assert await _reports(harness, PARENT) == []


async def test_a_question_about_a_friend_alarms_nobody(harness: BotHarness) -> None:
    await _staffed_community(harness, "en")
    await factories.mother(harness.runtime.db, MOTHER)
    reply = await harness.user(MOTHER, language_code="zh-hans").send("我朋友怀孕出血了，正常吗")
    assert not reply.text.startswith("🚨")
    assert await _reports(harness, MOTHER) == []


async def test_a_typed_danger_sign_from_someone_without_a_community_reaches_the_admins(
    harness: BotHarness,
) -> None:
    await factories.mother(harness.runtime.db, MOTHER, community_code=None)
    reply = await harness.user(MOTHER, language_code="en").send("my waters broke")
    assert reply.text.startswith("🚨")
    assert "the health service has been notified" in reply.text
    admin = await harness.telegram.wait_for(lambda c: c.chat_id == 9000)  # ADMIN_IDS
    assert "my waters broke" in admin.text
    await drain(harness)


async def _after_birth(harness: BotHarness, *, days_ago: int) -> list:
    """A mother whose pregnancy ended with a birth `days_ago`, and an older child."""
    db = harness.runtime.db
    children = await factories.parent(
        db, MOTHER, [TODAY - timedelta(days=days_ago), TODAY - timedelta(days=800)]
    )
    async with db.session() as session:
        profile = await session.get(Profile, MOTHER)
        assert profile is not None
        profile.pregnancy_outcome = "birth"
    return children


@pytest.mark.parametrize(
    ("language", "text", "staff_words"),
    [
        ("zh-hans", "我出了好多血，有血块", "大量出血"),
        ("en", "I am bleeding a lot", "Heavy bleeding"),
    ],
)
async def test_her_own_bleeding_after_the_birth_is_a_postpartum_report(
    harness: BotHarness, language: str, text: str, staff_words: str
) -> None:
    await _staffed_community(harness, "zh_Hans" if language == "zh-hans" else "en")
    await _after_birth(harness, days_ago=10)
    reply = await harness.user(MOTHER, language_code=language).send(text)
    assert reply.text.startswith("🚨") and "120" in reply.text
    [report] = await _reports(harness, MOTHER)
    assert (report.subject, report.child_id, report.level) == ("postpartum", None, "emergency")
    assert "heavy_bleeding" in report.data["symptoms"]
    alert = await harness.telegram.wait_for(
        lambda c: c.chat_id == STAFF and c.method == "sendMessage"
    )
    assert staff_words in alert.text and text in alert.text
    await drain(harness)


@pytest.mark.parametrize(("language", "text"), [("zh-hans", "我刚才晕倒了"), ("en", "I fainted")])
async def test_i_fainted_is_about_her_not_her_toddler(
    harness: BotHarness, language: str, text: str
) -> None:
    await _staffed_community(harness, "en")
    db = harness.runtime.db
    await factories.parent(db, MOTHER, [TODAY - timedelta(days=800)])
    async with db.session() as session:
        profile = await session.get(Profile, MOTHER)
        assert profile is not None
        profile.pregnant, profile.due_date = True, TODAY + timedelta(days=70)  # and a toddler
    reply = await harness.user(MOTHER, language_code=language).send(text)
    assert reply.text.startswith("🚨") and "120" in reply.text
    [report] = await _reports(harness, MOTHER)
    assert (report.subject, report.child_id) == ("pregnancy", None)
    assert report.data["symptoms"] == ["fainting"]
    await drain(harness)


@pytest.mark.parametrize(
    ("language", "text"), [("zh-hans", "我胸口痛"), ("en", "I have chest pain")]
)
async def test_a_fathers_own_danger_sign_is_sent_to_care_without_a_false_promise(
    harness: BotHarness, language: str, text: str
) -> None:
    """Nobody follows a father's own health here: he is told to get care and that nobody
    was told, never sent to /report (which has no form for him)."""
    await _staffed_community(harness, "en")
    await factories.parent(harness.runtime.db, PARENT, [TODAY - timedelta(days=800)])
    reply = await harness.user(PARENT, language_code=language).send(text)
    assert reply.text.startswith("🚨") and "120" in reply.text
    assert "/report" not in reply.text
    told = "没有通知任何人" if language == "zh-hans" else "nobody has been told"
    assert told in reply.text
    assert await _reports(harness, PARENT) == []


async def test_someone_not_registered_yet_is_pointed_to_report_not_told_nobody_follows_them(
    harness: BotHarness,
) -> None:
    reply = await harness.user(PARENT, language_code="en").send("I have chest pain")
    assert reply.text.startswith("🚨") and "120" in reply.text
    assert "/report" in reply.text and "nobody has been told" not in reply.text
    assert await _reports(harness, PARENT) == []
