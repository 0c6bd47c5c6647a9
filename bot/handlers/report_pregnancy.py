"""The questions of a pregnant woman's report, in the order they are asked.

Symptoms come first because a danger sign there must be answered before anything
else; the readings, test, isolation status and the optional PHQ-2 mood check follow.
"""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.context import BotContext
from bot.conversation.engine import Step, button, go, keyboard, send
from bot.dialogs import DialogState
from bot.domain.measurements import parse_breathing_rate, parse_spo2, parse_temperature
from bot.domain.phq2 import phq2
from bot.handlers.report_core import POSTPARTUM, advance
from bot.handlers.report_steps import (
    NOT_MEASURED,
    SKIP,
    checklist_step,
    days_step,
    fixed,
    has_fever,
    reading_step,
)
from bot.i18n import N_

SUBJECT = "pregnancy"
SYMPTOMS, TEMP, FEVER_DAYS, VOMIT_DAYS, SPO2, BREATH, TEST, ISOLATION, MOOD, PHQ_1, PHQ_2 = (
    "p_sym",
    "p_temp",
    "p_fdays",
    "p_vdays",
    "p_spo2",
    "p_breath",
    "p_test",
    "p_isol",
    "p_mood",
    "p_phq1",
    "p_phq2",
)
# Test buttons: value -> (kind, result) as stored in the report.
TESTS = {
    "ag_pos": ("antigen", "positive"),
    "ag_neg": ("antigen", "negative"),
    "pcr_pos": ("pcr", "positive"),
    "pcr_neg": ("pcr", "negative"),
    "none": (None, "not_tested"),
}
ISOLATION_VALUES = ("none", "home", "facility")


# ----- questions answered by a checklist, a typed reading or a number of days ----------

SYMPTOMS_QUESTION = N_(
    "<b>How are you now?</b> Tap everything you have now (tap again to untick), then press Done."
)
TEMPERATURE_QUESTION = N_(
    "What is your temperature now? Type it, for example 37.8 or 38,5 (°F works too)."
)
FEVER_DAYS_QUESTION = N_("For how many days have you had a fever? Today counts as 1.")
VOMIT_DAYS_QUESTION = N_("For how many days have you had vomiting or diarrhoea? Today counts as 1.")
SPO2_QUESTION = N_(
    "If you have a pulse oximeter: rest for a few minutes, then type the oxygen "
    "level (SpO2) it shows, for example 97. Otherwise press Skip."
)
BREATHING_QUESTION = N_(
    "Optional: sit quietly and count your breaths for one full minute, then type "
    "the number. Otherwise press Skip."
)


def _store_fever_days(state: DialogState, days: int) -> None:
    state.data["fever_days"] = days


def _store_vomit_days(state: DialogState, days: int) -> None:
    state.data["symptom_days"] = {**state.data.get("symptom_days", {}), "vomiting_diarrhoea": days}


def _vomiting(data: dict[str, Any]) -> bool:
    return "vomiting_diarrhoea" in (data.get("symptoms") or ())


# ----- test and isolation --------------------------------------------------------------


async def ask_test(update: Update, context: BotContext, state: DialogState) -> None:
    _ = context.tr.gettext
    labels = {
        "ag_pos": _("Antigen positive"),
        "ag_neg": _("Antigen negative"),
        "pcr_pos": _("PCR positive"),
        "pcr_neg": _("PCR negative"),
        "none": _("Not tested"),
    }
    b = {value: button(label, state, TEST, value) for value, label in labels.items()}
    await send(
        update,
        context,
        _("Have you had a test for the infection recently? What was the result?"),
        keyboard([b["ag_pos"], b["ag_neg"]], [b["pcr_pos"], b["pcr_neg"]], [b["none"]]),
    )


async def test_pressed(update: Update, context: BotContext, state: DialogState, value: str) -> None:
    if value not in TESTS:
        return
    state.data["test_kind"], state.data["test_result"] = TESTS[value]
    await advance(update, context, state)


async def ask_isolation(update: Update, context: BotContext, state: DialogState) -> None:
    _ = context.tr.gettext
    await send(
        update,
        context,
        _("Are you isolating at the moment?"),
        keyboard(
            [button(_("No, not isolating"), state, ISOLATION, "none")],
            [button(_("Yes, at home"), state, ISOLATION, "home")],
            [button(_("Yes, in a hospital or isolation site"), state, ISOLATION, "facility")],
        ),
    )


async def isolation_pressed(
    update: Update, context: BotContext, state: DialogState, value: str
) -> None:
    if value in ISOLATION_VALUES:
        state.data["isolation"] = value
        await advance(update, context, state)


# ----- the optional mood check (PHQ-2) -------------------------------------------------


async def ask_mood(update: Update, context: BotContext, state: DialogState) -> None:
    _ = context.tr.gettext
    await send(
        update,
        context,
        _(
            "Would you like to answer two short questions about your mood? It is optional "
            "and helps your community health worker support you."
        ),
        keyboard(
            [button(_("Yes, ask me"), state, MOOD, "yes"), button(_("Not now"), state, MOOD, "no")]
        ),
    )


async def mood_pressed(update: Update, context: BotContext, state: DialogState, value: str) -> None:
    if value not in ("yes", "no"):
        return
    state.data["mood"] = value == "yes"
    await advance(update, context, state)


def _wants_mood_check(data: dict[str, Any]) -> bool:
    return bool(data.get("mood"))


async def _ask_phq(update: Update, context: BotContext, state: DialogState, index: int) -> None:
    content = phq2()
    locale = "en" if context.tr.locale == "en" else "zh_Hans"
    question = content["questions"][index][locale]
    text = f"{content['intro'][locale]}\n\n<b>{index + 1}/2</b> {question}"
    rows = [
        [button(answer[locale], state, state.step, str(answer["score"]))]
        for answer in content["answers"]
    ]
    await send(update, context, text, keyboard(*rows))


async def ask_phq_1(update: Update, context: BotContext, state: DialogState) -> None:
    await _ask_phq(update, context, state, 0)


async def ask_phq_2(update: Update, context: BotContext, state: DialogState) -> None:
    await _ask_phq(update, context, state, 1)


async def phq_pressed(update: Update, context: BotContext, state: DialogState, value: str) -> None:
    if value not in ("0", "1", "2", "3"):
        return
    if state.step == PHQ_1:
        state.data["phq_first"] = int(value)
        await go(update, context, state, PHQ_2)
        return
    state.data["phq2"] = [int(state.data.pop("phq_first", 0)), int(value)]
    await advance(update, context, state)


# The questions about her pregnancy, in the order they are asked (report.py makes the flow).
STEPS = (
    # Symptoms come first: a danger sign there is answered before any other question.
    checklist_step(SYMPTOMS, SUBJECT, fixed(SYMPTOMS_QUESTION)),
    reading_step(
        TEMP, "temperature_c", parse_temperature, fixed(TEMPERATURE_QUESTION), NOT_MEASURED
    ),
    days_step(FEVER_DAYS, fixed(FEVER_DAYS_QUESTION), _store_fever_days, has_fever),
    days_step(VOMIT_DAYS, fixed(VOMIT_DAYS_QUESTION), _store_vomit_days, _vomiting),
    reading_step(SPO2, "spo2", parse_spo2, fixed(SPO2_QUESTION), SKIP),
    reading_step(BREATH, "breathing_rate", parse_breathing_rate, fixed(BREATHING_QUESTION), SKIP),
    Step(TEST, ask_test, on_button=test_pressed),
    Step(ISOLATION, ask_isolation, on_button=isolation_pressed),
    Step(MOOD, ask_mood, on_button=mood_pressed),
    Step(PHQ_1, ask_phq_1, on_button=phq_pressed, when=_wants_mood_check),
    Step(PHQ_2, ask_phq_2, on_button=phq_pressed, when=_wants_mood_check),
)

# The mother after birth (her postpartum checks): her own checklist (content/triage rules
# for "postpartum"), then the same readings, test, isolation and mood questions.
PP_SYMPTOMS = "pp_sym"
POSTPARTUM_STEPS = (checklist_step(PP_SYMPTOMS, POSTPARTUM, fixed(SYMPTOMS_QUESTION)),)
POSTPARTUM_SEQUENCE = (
    PP_SYMPTOMS,
    *(step.name for step in STEPS if step.name != SYMPTOMS),
)
