"""A parent reports a child's fever: the youngest babies are an emergency at once, and
every fever report ends with the way to a fever clinic (never a massage venue)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot import dialogs
from bot.devtools.harness import BotHarness
from bot.domain.triage import Level
from bot.reports import triage_rules
from storage.db import Database
from storage.models import Alert, Child, Outbox, Report
from tests import factories

PARENT = 401
STAFF = (711, 712)
LANGUAGE_CODE = {"zh_Hans": "zh-hans", "en": "en"}


@pytest.fixture(autouse=True)
async def community(db: Database) -> None:
    await factories.community(db)
    for staff_id in STAFF:
        await factories.staff(db, staff_id, ["C001"])


async def all_rows(harness: BotHarness, model):  # type: ignore[no-untyped-def]
    async with harness.runtime.db.session() as session:
        return list((await session.exec(select(model))).all())


async def state_of(harness: BotHarness, user_id: int) -> dialogs.DialogState | None:
    async with harness.runtime.db.session() as session:
        return await dialogs.load(session, user_id)


def rule_text(rule_id: str, locale: str) -> str:
    return triage_rules().reason_text(rule_id, "user", locale, emergency_number="120")


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
async def test_a_baby_under_3_months_with_38_is_an_emergency_before_any_other_question(
    harness: BotHarness, db: Database, locale: str
) -> None:
    born = harness.clock.now().date() - timedelta(days=60)  # about 2 months old
    await factories.parent(db, PARENT, [born])
    parent = harness.user(PARENT, language_code=LANGUAGE_CODE[locale])
    _ = harness.runtime.catalogs.get(locale).gettext

    ask = await parent.send("/report")  # one child: no need to ask which
    assert "child1" in ask.text
    reply = await parent.send("38.0")

    first = reply.messages[0].text
    assert rule_text("child.young_infant_fever", locale) in first and "120" in first
    assert _("Your report is saved and your community health worker has been notified.") in first
    [report] = await all_rows(harness, Report)
    assert report.subject == "child" and report.child_id is not None
    assert report.level == "emergency" and report.data["temperature_c"] == 38.0
    [alert] = await all_rows(harness, Alert)
    assert alert.escalate_at == harness.clock.now() + timedelta(minutes=10)
    rows = await all_rows(harness, Outbox)
    assert sorted(r.chat_id for r in rows) == list(STAFF)
    assert all("👶" in r.payload["text"] and "child1" in r.payload["text"] for r in rows)

    # She can go on to the signs; nothing she said is lost.
    signs = await parent.press(_("Continue the report"))
    assert triage_rules().symptoms["refuses_feeds"].label.get(locale) in signs.buttons


async def test_the_same_reading_at_4_months_is_not_an_emergency(
    harness: BotHarness, db: Database
) -> None:
    born = harness.clock.now().date() - timedelta(days=125)
    await factories.parent(db, PARENT, [born])
    parent = harness.user(PARENT, language_code="en")
    await parent.send("/report")
    reply = await parent.send("38.0")
    assert "120" not in reply.text
    assert "Does <b>child1</b> have any of these now?" in reply.text
    assert await all_rows(harness, Report) == []


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
async def test_a_child_fever_report_ends_with_fever_clinic_directions(
    harness: BotHarness, db: Database, locale: str
) -> None:
    born = harness.clock.now().date() - timedelta(days=800)
    await factories.parent(db, PARENT, [born])
    parent = harness.user(PARENT, language_code=LANGUAGE_CODE[locale])
    _ = harness.runtime.catalogs.get(locale).gettext
    await parent.send("/report")
    await parent.send("38,6")
    await parent.press(triage_rules().symptoms["cough"].label.get(locale))
    await parent.press("✅")
    await parent.press(_("Skip"))  # SpO2
    await parent.press(_("Skip"))  # breathing rate
    final = await parent.press("2")  # days of fever

    answer, *rest = final.messages
    assert rule_text("child.fever", locale) in answer.text
    # One answer per level: never "no danger signs" next to "go to a fever clinic".
    routine = triage_rules().level_text(Level.ROUTINE, "user", locale, emergency_number="120")
    assert routine not in answer.text
    assert rest, "the answer must be followed by the fever-clinic directions"
    assert ("发热门诊" if locale == "zh_Hans" else "fever clinic") in rest[-1].text
    [report] = await all_rows(harness, Report)
    assert report.level == "routine" and report.reasons == ["child.fever"]
    assert report.data | {"fever_days": 2, "symptoms": ["cough"]} == report.data
    assert await all_rows(harness, Alert) == []


async def test_fever_over_three_days_means_a_doctor_today(
    harness: BotHarness, db: Database
) -> None:
    born = harness.clock.now().date() - timedelta(days=800)
    await factories.parent(db, PARENT, [born])
    parent = harness.user(PARENT, language_code="en")
    await parent.send("/report")
    await parent.send("39.5")
    await parent.press("None of these")
    await parent.press("Skip")  # SpO2
    await parent.send("30")  # breaths a minute: below the 1-5 years threshold
    final = await parent.send("4 days")
    assert "fever clinic today" in final.messages[0].text
    [report] = await all_rows(harness, Report)
    assert report.level == "see_doctor_today" and report.data["fever_days"] == 4
    [alert] = await all_rows(harness, Alert)
    assert alert.escalate_at == harness.clock.now() + timedelta(minutes=60)


async def test_a_parent_of_two_chooses_the_child(harness: BotHarness, db: Database) -> None:
    today = harness.clock.now().date()
    children = await factories.parent(
        db, PARENT, [today - timedelta(days=1500), today - timedelta(days=20)]
    )
    parent = harness.user(PARENT, language_code="en")
    ask = await parent.send("/report")
    assert ask.buttons == ["👶 child1", "👶 child2"]
    reply = await parent.press("child2")
    assert "child2" in reply.text and "days old" in reply.text
    state = await state_of(harness, PARENT)
    assert state is not None and state.data["child_id"] == children[1].id


async def test_a_pregnant_mother_with_a_child_chooses_whom_the_report_is_about(
    harness: BotHarness, db: Database
) -> None:
    await factories.mother(db, PARENT)
    async with db.session() as session:
        session.add(
            Child(user_id=PARENT, birth_date=harness.clock.now().date() - timedelta(days=900))
        )
    parent = harness.user(PARENT, language_code="en")
    ask = await parent.send("/report")
    assert ask.buttons[0] == "🤰 Me (my pregnancy)" and len(ask.buttons) == 2
    reply = await parent.press("Me")
    assert "Vaginal bleeding" in reply.buttons


async def test_a_bad_number_of_days_is_asked_again(harness: BotHarness, db: Database) -> None:
    await factories.parent(db, PARENT, [harness.clock.now().date() - timedelta(days=800)])
    parent = harness.user(PARENT, language_code="en")
    await parent.send("/report")
    await parent.send("38.5")
    await parent.press("Fever")
    await parent.press("✅")
    await parent.press("Skip")  # SpO2
    await parent.press("Skip")  # breathing rate
    reply = await parent.send("a week or so")
    assert "number from 1 to 60" in reply.text
    assert "For how many days has your child had a fever?" in reply.text
    state = await state_of(harness, PARENT)
    assert state is not None and state.step == "c_fdays" and state.data["symptoms"] == ["fever"]


@pytest.mark.parametrize(
    ("spo2", "level", "first_words"),
    [("93", "emergency", "🚨"), ("95", "see_doctor_today", "⚠️"), ("96", "routine", "")],
)
async def test_a_child_spo2_is_asked_and_assessed(
    harness: BotHarness, db: Database, spo2: str, level: str, first_words: str
) -> None:
    """China's plan: 93 % or less at rest is severe in children; NICE amber: 95 % or less."""
    await factories.parent(db, PARENT, [harness.clock.now().date() - timedelta(days=800)])
    parent = harness.user(PARENT, language_code="en")
    await parent.send("/report")
    await parent.send("37.0")
    await parent.press("Cough")
    ask = await parent.press("✅")
    assert "pulse oximeter" in ask.text
    reply = await parent.send(spo2)
    if level != "emergency":
        reply = await parent.press("Skip")  # breathing rate; no fever, so no days asked
    assert reply.messages[0].text.startswith(first_words)
    [report] = await all_rows(harness, Report)
    assert report.level == level and report.data["spo2"] == float(spo2)


def test_the_mothers_own_self_harm_item_is_not_in_a_childs_checklist() -> None:
    rules = triage_rules()
    assert "low_mood_self_harm" not in {s.code for s in rules.checklist("child")}
    assert "low_mood_self_harm" in {s.code for s in rules.checklist("pregnancy")}
    for code in ("persistent_vomiting", "stiff_neck", "bulging_fontanelle", "pallor"):
        assert code in {s.code for s in rules.checklist("child")}


async def test_a_community_without_staff_is_never_said_to_see_the_report(
    harness: BotHarness, db: Database
) -> None:
    await factories.community(db, "C002", name_en="Heping Community")
    born = harness.clock.now().date() - timedelta(days=800)
    await factories.parent(db, PARENT, [born], community_code="C002")
    parent = harness.user(PARENT, language_code="en")
    await parent.send("/report")
    await parent.send("36.8")
    await parent.press("Cough")
    await parent.press("✅")
    await parent.press("Skip")  # SpO2
    final = await parent.press("Skip")  # breathing rate
    assert "Thank you, your report is saved." in final.messages[0].text
    assert "can see it" not in final.text


async def test_a_childs_danger_sign_ticked_on_a_closed_form_is_answered_and_filed_for_the_child(
    harness: BotHarness, db: Database
) -> None:
    born = harness.clock.now().date() - timedelta(days=700)
    await factories.parent(db, PARENT, [born])
    parent = harness.user(PARENT, language_code="en")
    await parent.send("/guide")  # an old message with buttons, no form open
    late = await parent.press("", data="dl:000000:c_sym:+blue_lips")
    assert len(late.answers) == 1 and "120" in late.messages[0].text
    [report] = await all_rows(harness, Report)
    [child] = await all_rows(harness, Child)
    assert (report.subject, report.child_id, report.level) == ("child", child.id, "emergency")
    assert report.data["symptoms"] == ["blue_lips"] and report.data["source"] == "button"
    [alert] = await all_rows(harness, Alert)
    assert alert.report_id == report.id
    assert await state_of(harness, PARENT) is None
