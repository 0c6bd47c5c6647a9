"""The questions of a report about a child, in the order they are asked.

The temperature comes first: for a baby under 3 months a fever alone is an
emergency (BRIEF section 4), and the engine warns as soon as an answer shows one.
The signs are the rules' child checklist; the age-specific thresholds (fever under
3 months, fast breathing by age) are applied by triage from the child's birth date.
"""

from __future__ import annotations

import html

from bot import profile_actions
from bot.context import BotContext
from bot.dialogs import DialogState
from bot.domain.children import child_age
from bot.domain.measurements import parse_breathing_rate, parse_spo2, parse_temperature
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

SUBJECT = "child"
TEMP, SIGNS, SPO2, BREATH, FEVER_DAYS = "c_temp", "c_sym", "c_spo2", "c_breath", "c_fdays"


async def _name_and_age(context: BotContext, state: DialogState) -> tuple[str, str]:
    _ = context.tr.gettext
    child = await profile_actions.own_child(
        context.runtime, context.account.id, state.data.get("child_id")
    )
    if child is None:
        return _("your child"), ""
    age = child_age(child.birth_date, context.runtime.today())
    if age.months < 1:
        age_text = _("1 day old") if age.days == 1 else _("{n} days old").format(n=age.days)
    elif age.months < 24:
        age_text = _("1 month old") if age.months == 1 else _("{n} months old").format(n=age.months)
    else:
        age_text = _("{n} years old").format(n=age.years)
    return html.escape(child.nickname or _("your child")), age_text


BREATHING_QUESTION = N_(
    "Optional: while your child is calm or asleep, count the breaths (the belly or "
    "chest rising) for one full minute and type the number. Otherwise press Skip."
)
SPO2_QUESTION = N_(
    "If you have a pulse oximeter: while your child is calm, put it on a finger (or a "
    "toe for a baby) and type the oxygen level (SpO2) it shows, for example 97. "
    "Otherwise press Skip."
)
FEVER_DAYS_QUESTION = N_("For how many days has your child had a fever? Today counts as 1.")


async def temperature_question(context: BotContext, state: DialogState) -> str:
    _ = context.tr.gettext
    name, age = await _name_and_age(context, state)
    return _(
        "Report for <b>{name}</b> ({age}). What is the temperature now (under the arm)? "
        "Type it, for example 38.5 or 38,5 (°F works too)."
    ).format(name=name, age=age)


async def signs_question(context: BotContext, state: DialogState) -> str:
    _ = context.tr.gettext
    name, _age = await _name_and_age(context, state)
    return _(
        "Does <b>{name}</b> have any of these now? Tap all that apply (tap again to "
        "untick), then press Done."
    ).format(name=name)


def _store_fever_days(state: DialogState, days: int) -> None:
    state.data["fever_days"] = days


# The questions about a child, in the order they are asked (report.py makes the flow).
STEPS = (
    reading_step(TEMP, "temperature_c", parse_temperature, temperature_question, NOT_MEASURED),
    checklist_step(SIGNS, SUBJECT, signs_question),
    # China's plan and NICE assess a child's SpO2 as for adults (content/triage/rules.toml).
    reading_step(SPO2, "spo2", parse_spo2, fixed(SPO2_QUESTION), SKIP),
    reading_step(BREATH, "breathing_rate", parse_breathing_rate, fixed(BREATHING_QUESTION), SKIP),
    days_step(FEVER_DAYS, fixed(FEVER_DAYS_QUESTION), _store_fever_days, has_fever),
)
