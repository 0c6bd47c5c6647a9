"""A pregnant woman reports how she is: danger signs are answered first, staff are alerted.

Outbox rows are what this side of the contract produces (the delivery worker sends
them), so these stories assert the rows: who, what text, which buttons.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlmodel import select

from bot import dialogs
from bot.devtools.harness import BotHarness, ChatUser
from bot.domain.triage import Level
from bot.keyboards import MENU_REPORT
from bot.reports import triage_rules
from storage.db import Database
from storage.models import Alert, Outbox, Profile, Report, User
from tests import factories

MOM = 301
STAFF_ZH, STAFF_EN = 701, 702
LANGUAGE_CODE = {"zh_Hans": "zh-hans", "en": "en"}


@pytest.fixture(autouse=True)
async def community(db: Database) -> None:
    """Community C001 with two workers: one reads Chinese, one English."""
    await factories.community(db)
    await factories.staff(db, STAFF_ZH, ["C001"], display_name="Wang")
    await factories.staff(db, STAFF_EN, ["C001"], display_name="Zhao")
    async with db.session() as session:
        session.add(User(id=STAFF_ZH, chat_id=STAFF_ZH, locale="zh_Hans"))
        session.add(User(id=STAFF_EN, chat_id=STAFF_EN, locale="en"))


def label(code: str, locale: str) -> str:
    return triage_rules().symptoms[code].label.get(locale)


def tr(harness: BotHarness, locale: str) -> Callable[[str], str]:
    return harness.runtime.catalogs.get(locale).gettext


async def all_rows(harness: BotHarness, model):  # type: ignore[no-untyped-def]
    async with harness.runtime.db.session() as session:
        return list((await session.exec(select(model))).all())


async def state_of(harness: BotHarness, user_id: int) -> dialogs.DialogState | None:
    async with harness.runtime.db.session() as session:
        return await dialogs.load(session, user_id)


async def routine_rest(mom: ChatUser, _: Callable[[str], str]) -> None:
    """After the checklist: nothing measured, not tested, not isolating."""
    await mom.press(_("Not measured"))
    await mom.press(_("Skip"))
    await mom.press(_("Skip"))
    await mom.press(_("Not tested"))
    await mom.press(_("No, not isolating"))


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
async def test_bleeding_is_answered_first_then_stored_and_both_staff_alerted(
    harness: BotHarness, db: Database, locale: str
) -> None:
    await factories.mother(db, MOM, week=30, display_name="Li <Mei>", phone="13800000000")
    mom = harness.user(MOM, language_code=LANGUAGE_CODE[locale])
    _ = tr(harness, locale)

    await mom.send("/report")
    ticked = await mom.press(label("bleeding", locale))
    assert "✓ " + label("bleeding", locale) in mom.buttons()
    assert [c.method for c in ticked.calls] == ["editMessageReplyMarkup"]  # nothing sent yet
    done = await mom.press("✅")

    first = done.messages[0].text
    assert "120" in first
    rules = triage_rules()
    assert (
        rules.level_text(
            rules.rule("pregnancy.bleeding").level, "user", locale, emergency_number="120"
        )
        in first
    )
    assert rules.reason_text("pregnancy.bleeding", "user", locale, emergency_number="120") in first
    assert _("Your report is saved and your community health worker has been notified.") in first
    assert [b["text"] for b in done.messages[0].inline_buttons] == [
        _("🏥 Nearest hospital"),
        _("Continue the report"),
    ]

    # Stored before she was answered, with what is known so far.
    [report] = await all_rows(harness, Report)
    assert report.user_id == MOM and report.subject == "pregnancy"
    assert report.level == "emergency" and report.reasons == ["pregnancy.bleeding"]
    assert report.data["symptoms"] == ["bleeding"] and report.data["complete"] is False
    [alert] = await all_rows(harness, Alert)
    assert (alert.report_id, alert.community_code, alert.status) == (report.id, "C001", "open")
    assert alert.escalate_at == harness.clock.now() + timedelta(minutes=10)

    rows = {row.chat_id: row for row in await all_rows(harness, Outbox)}
    assert set(rows) == {STAFF_ZH, STAFF_EN}
    for chat_id, row in rows.items():
        assert row.kind == "alert" and row.alert_id == alert.id
        assert row.dedupe_key == f"alert:{alert.id}:{chat_id}"
        text = row.payload["text"]
        assert '<a href="tg://user?id=301">Li &lt;Mei&gt;</a>' in text
        assert "13800000000" in text and "30+0" in text
        buttons = [b for line in row.payload["reply_markup"]["inline_keyboard"] for b in line]
        assert [b["callback_data"] for b in buttons] == [
            f"al:ack:{alert.id}",
            f"al:contacted:{alert.id}",
            f"al:note:{alert.id}",
            f"al:esc:{alert.id}",
        ]
    # Each worker reads it in their own language, whatever the mother's.
    assert "报告阴道出血（危险信号）。" in rows[STAFF_ZH].payload["text"]
    assert "紧急" in rows[STAFF_ZH].payload["text"]
    assert "Reports vaginal bleeding (danger sign)." in rows[STAFF_EN].payload["text"]
    assert "✅ Acknowledge" in str(rows[STAFF_EN].payload["reply_markup"])

    # She may carry on: the next question comes only when she asks for it.
    state = await state_of(harness, MOM)
    assert state is not None and state.step == "urgent"
    nxt = await mom.press(_("Continue the report"))
    assert _("What is your temperature now? Type it, for example 37.8 or 38,5 (°F works too).") in (
        nxt.text
    )


async def test_continuing_after_the_emergency_completes_the_same_report(
    harness: BotHarness, db: Database
) -> None:
    await factories.mother(db, MOM, week=30)
    mom = harness.user(MOM, language_code="en")
    await mom.send("/report")
    await mom.press("Vaginal bleeding")
    await mom.press("✅")
    await mom.press("Continue the report")
    assert "For how many days" in (await mom.send("38,5")).text
    await mom.press("2")
    await mom.send("96%")
    await mom.press("Skip")
    await mom.press("Antigen positive")
    await mom.press("Yes, at home")
    await mom.press("Yes, ask me")
    await mom.press("Nearly every day")
    final = await mom.press("Several days")

    answer = final.messages[0].text
    assert "get care now" in answer and "report is complete" in answer
    # What was already said is not repeated; what is new is.
    assert "Bleeding from the vagina" not in answer
    assert "see a doctor today" in answer  # the fever, above the see-today threshold
    assert "12356" in answer  # PHQ-2 positive: the helpline

    [report] = await all_rows(harness, Report)
    expected = {
        "symptoms": ["bleeding"],
        "temperature_c": 38.5,
        "fever_days": 2,
        "spo2": 96.0,
        "breathing_rate": None,
        "test_kind": "antigen",
        "test_result": "positive",
        "isolation": "home",
        "phq2": [3, 1],
        "complete": True,
    }
    assert {key: report.data[key] for key in expected} == expected
    assert report.reasons == [
        "pregnancy.bleeding",
        "pregnancy.fever",
        "mental.phq2_positive",
        "priority.positive_test",  # antigen positive: priority follow-up (purple)
    ]
    assert len(await all_rows(harness, Alert)) == 1
    rows = await all_rows(harness, Outbox)
    assert sorted((r.kind, r.chat_id) for r in rows) == [
        ("alert", STAFF_ZH),
        ("alert", STAFF_EN),
        ("alert_update", STAFF_ZH),
        ("alert_update", STAFF_EN),
    ]
    update = next(r for r in rows if r.kind == "alert_update" and r.chat_id == STAFF_EN)
    assert "38.5 °C" in update.payload["text"] and "reply_markup" not in update.payload
    assert await state_of(harness, MOM) is None


async def test_asking_for_the_nearest_hospital_ends_the_report_with_directions(
    harness: BotHarness, db: Database
) -> None:
    await factories.mother(db, MOM, week=30)
    mom = harness.user(MOM, language_code="en")
    await mom.send("/report")
    await mom.press("Fluid leaking")
    await mom.press("✅")
    reply = await mom.press("Nearest hospital")
    assert "120" in reply.text
    state = await state_of(harness, MOM)
    assert state is None or state.flow != "report"
    [report] = await all_rows(harness, Report)
    assert report.reasons == ["pregnancy.fluid_leak"] and report.data["complete"] is False


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
async def test_a_routine_report_is_stored_without_alerting_anyone(
    harness: BotHarness, db: Database, locale: str
) -> None:
    await factories.mother(db, MOM, week=20)
    mom = harness.user(MOM, language_code=LANGUAGE_CODE[locale])
    _ = tr(harness, locale)
    await mom.send("/report")
    await mom.press(_("None of these"))
    await routine_rest(mom, _)
    final = await mom.press(_("Not now"))

    rules = triage_rules()
    routine = rules.level_text(Level.ROUTINE, "user", locale, emergency_number="120")
    assert routine in final.text
    assert _("Thank you, your report is saved. Your community health worker can see it.") in (
        final.text
    )
    [report] = await all_rows(harness, Report)
    assert report.level == "routine" and report.reasons == []
    assert report.data["test_result"] == "not_tested" and report.data["isolation"] == "none"
    assert await all_rows(harness, Alert) == []
    assert await all_rows(harness, Outbox) == []


@pytest.mark.parametrize(
    ("week", "colour", "alerted"),
    [
        (30, "orange", True),  # orange is in the priority group
        (30, "purple", True),
        (37, None, True),  # 37+0 weeks is in the priority group
        (36, None, False),  # 36+0 is not: a fever this low is routine advice
        (30, "green", False),
    ],
)
async def test_a_fever_in_the_priority_group_alerts_staff(
    harness: BotHarness,
    db: Database,
    week: int,
    colour: str | None,
    alerted: bool,
) -> None:
    await factories.mother(db, MOM, week=week, risk_colour=colour)
    mom = harness.user(MOM, language_code="en")
    await mom.send("/report")
    await mom.press("Fever")
    await mom.press("✅")
    await mom.send("37.8")
    await mom.press("1")
    await mom.press("Skip")
    await mom.press("Skip")
    await mom.press("Not tested")
    await mom.press("No, not isolating")
    final = await mom.press("Not now")

    [report] = await all_rows(harness, Report)
    alerts = await all_rows(harness, Alert)
    if alerted:
        assert report.level == "priority_follow_up"
        assert "priority.notable_report" in report.reasons
        [alert] = alerts
        assert alert.escalate_at == harness.clock.now() + timedelta(minutes=60)
        assert {r.chat_id for r in await all_rows(harness, Outbox)} == {STAFF_ZH, STAFF_EN}
        assert "community health worker has been notified" in final.text
    else:
        assert report.level == "routine" and alerts == []
        assert "fever clinic" in final.text  # the routine fever advice


@pytest.mark.parametrize(
    ("typed", "celsius"),
    [
        ("38.5", 38.5),
        ("38,5", 38.5),
        ("38.5度", 38.5),
        ("38.5℃", 38.5),
        ("38.5 °C", 38.5),
        ("３８．５", 38.5),
        ("体温38.5", 38.5),
        ("101.3F", 38.5),
        ("101.3°F", 38.5),
        ("100.4", 38.0),  # a bare reading above 50 can only be Fahrenheit
        ("37", 37.0),
    ],
)
async def test_temperatures_are_read_the_way_people_type_them(
    harness: BotHarness, db: Database, typed: str, celsius: float
) -> None:
    await factories.mother(db, MOM)
    mom = harness.user(MOM, language_code="en")
    await mom.send("/report")
    await mom.press("Cough")
    await mom.press("✅")
    await mom.send(typed)
    state = await state_of(harness, MOM)
    assert state is not None and state.data["temperature_c"] == celsius
    assert state.data["symptoms"] == ["cough"]


@pytest.mark.parametrize(
    ("locale", "typed", "explanation"),
    [
        ("en", "hot", "I couldn't read that temperature"),
        ("en", "20", "doesn't look like a real temperature"),
        ("en", "45.5", "between 34 and 43 °C"),
        ("en", "101℃", "doesn't look like a real temperature"),  # a Celsius unit is believed
        ("en", "38.5.1", "I couldn't read that temperature"),
        ("zh_Hans", "很烫", "没看懂这个体温"),
        ("zh_Hans", "3", "这不像是真实的体温读数"),
    ],
)
async def test_an_unreadable_temperature_is_explained_and_asked_again(
    harness: BotHarness, db: Database, locale: str, typed: str, explanation: str
) -> None:
    await factories.mother(db, MOM)
    mom = harness.user(MOM, language_code=LANGUAGE_CODE[locale])
    _ = tr(harness, locale)
    await mom.send("/report")
    await mom.press(label("cough", locale))
    await mom.press("✅")
    reply = await mom.send(typed)
    assert explanation in reply.messages[0].text
    assert _("Not measured") in reply.buttons  # the same question, asked again
    state = await state_of(harness, MOM)
    assert state is not None and state.step == "p_temp" and state.data["symptoms"] == ["cough"]
    assert "temperature_c" not in state.data
    await mom.send("38.2")
    state = await state_of(harness, MOM)
    assert state is not None and state.data["temperature_c"] == 38.2


async def test_unreadable_oxygen_and_breathing_rate_are_asked_again(
    harness: BotHarness, db: Database
) -> None:
    await factories.mother(db, MOM)
    mom = harness.user(MOM, language_code="en")
    await mom.send("/report")
    await mom.press("None of these")
    await mom.press("Not measured")
    assert "oxygen level" in (await mom.send("50")).text
    assert "count your breaths" in (await mom.send("97")).text
    reply = await mom.send("lots")
    assert "couldn't read that breathing rate" in reply.text
    await mom.send("18")
    state = await state_of(harness, MOM)
    assert state is not None and (state.data["spo2"], state.data["breathing_rate"]) == (97, 18)


async def test_a_low_oxygen_reading_is_an_emergency_at_once(
    harness: BotHarness, db: Database
) -> None:
    await factories.mother(db, MOM)
    mom = harness.user(MOM, language_code="en")
    await mom.send("/report")
    await mom.press("Cough")
    await mom.press("✅")
    await mom.press("Not measured")
    reply = await mom.send("92")
    assert "blood oxygen reading is low" in reply.messages[0].text
    assert "call 120" in reply.messages[0].text
    [report] = await all_rows(harness, Report)
    assert report.level == "emergency" and report.data["spo2"] == 92


async def test_ticking_twice_unticks(harness: BotHarness, db: Database) -> None:
    await factories.mother(db, MOM)
    mom = harness.user(MOM, language_code="en")
    await mom.send("/report")
    await mom.press("Vaginal bleeding")
    await mom.press("Vaginal bleeding")
    assert "Vaginal bleeding" in mom.buttons()
    reply = await mom.press("✅")
    assert "120" not in reply.text  # nothing ticked: no emergency
    assert "What is your temperature now?" in reply.text


async def test_the_same_tick_pressed_again_keeps_it_ticked(
    harness: BotHarness, db: Database
) -> None:
    """A double tap on the form she sees, or the tick handled again after a crash, must not
    silently untick a danger sign: the button says "tick", not "toggle"."""
    await factories.mother(db, MOM)
    mom = harness.user(MOM, language_code="en")
    await mom.send("/report")
    tick = next(
        b["callback_data"]
        for b in mom.last_keyboard_message().inline_buttons
        if b["text"] == "Vaginal bleeding"
    )
    await mom.press("", data=tick)
    await mom.press("", data=tick)
    assert "✓ Vaginal bleeding" in mom.buttons()
    state = await state_of(harness, MOM)
    assert state is not None and state.data["symptoms"] == ["bleeding"]
    assert "120" in (await mom.press("✅")).text


async def test_a_button_from_before_the_upgrade_still_toggles(
    harness: BotHarness, db: Database
) -> None:
    await factories.mother(db, MOM)
    mom = harness.user(MOM, language_code="en")
    await mom.send("/report")
    state = await state_of(harness, MOM)
    assert state is not None
    old = f"dl:{state.data['t']}:{state.step}:bleeding"
    await mom.press("", data=old)
    assert "✓ Vaginal bleeding" in mom.buttons()
    await mom.press("", data=old)
    assert "Vaginal bleeding" in mom.buttons()


@pytest.mark.parametrize("consent", [None, "declined"])
async def test_a_report_needs_consent(
    harness: BotHarness, db: Database, consent: str | None
) -> None:
    if consent is not None:
        await factories.mother(db, MOM)
        async with db.session() as session:
            profile = await session.get(Profile, MOM)
            assert profile is not None
            profile.consent = consent
            session.add(profile)
    reply = await harness.user(MOM, language_code="en").send("/report")
    assert "/start" in reply.text and "consent" in reply.text
    assert await state_of(harness, MOM) is None
    assert await all_rows(harness, Report) == []


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
async def test_the_menu_button_starts_a_report(
    harness: BotHarness, db: Database, locale: str
) -> None:
    await factories.mother(db, MOM)
    mom = harness.user(MOM, language_code=LANGUAGE_CODE[locale])
    _ = tr(harness, locale)
    reply = await mom.send(_(MENU_REPORT))
    assert label("bleeding", locale) in reply.buttons
    assert _("None of these") in reply.buttons


@pytest.mark.parametrize("value", ["cough", "+cough", "-bleeding", "done", "none", "+nonsense"])
async def test_a_forged_or_stale_button_changes_nothing(
    harness: BotHarness, db: Database, value: str
) -> None:
    await factories.mother(db, MOM)
    mom = harness.user(MOM, language_code="en")
    await mom.send("/report")
    before = await state_of(harness, MOM)
    forged = await mom.press("", data=f"dl:000000:p_sym:{value}")
    assert forged.answer_text == "This question has already been answered."
    assert forged.messages == []
    assert await state_of(harness, MOM) == before
    assert await all_rows(harness, Report) == []


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
async def test_a_danger_sign_ticked_after_its_form_closed_still_sends_her_to_care_and_staff(
    harness: BotHarness, db: Database, locale: str
) -> None:
    """Her tick reached the bot after the form's Done (two workers, a slow network) or
    she ticked an old form: "already answered" would leave her bleeding with no answer."""
    await factories.mother(db, MOM, week=30)
    mom = harness.user(MOM, language_code=LANGUAGE_CODE[locale])
    _ = tr(harness, locale)
    await mom.send("/report")
    [bleeding] = [
        b["callback_data"]
        for b in mom.last_keyboard_message().inline_buttons
        if label("bleeding", locale) in b["text"]
    ]
    await mom.press(_("None of these"))
    await routine_rest(mom, _)
    await mom.press(_("Not now"))
    assert await state_of(harness, MOM) is None
    [calm] = await all_rows(harness, Report)
    assert calm.data["symptoms"] == [] and await all_rows(harness, Alert) == []

    late = await mom.press("", data=bleeding)
    assert len(late.answers) == 1 and late.answer_text == ""
    assert "120" in late.messages[0].text
    assert _("Your report is saved and your community health worker has been notified.") in (
        late.messages[0].text
    )
    reports = await all_rows(harness, Report)
    [filed] = [r for r in reports if r.id != calm.id]
    assert filed.level == "emergency" and filed.data["symptoms"] == ["bleeding"]
    assert filed.data["source"] == "button"
    [alert] = await all_rows(harness, Alert)
    assert alert.report_id == filed.id
    assert {row.chat_id for row in await all_rows(harness, Outbox) if row.kind == "alert"} == {
        STAFF_ZH,
        STAFF_EN,
    }
    assert await state_of(harness, MOM) is None  # no form reopened
