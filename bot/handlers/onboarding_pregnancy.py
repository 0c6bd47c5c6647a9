"""Onboarding, pregnancy section: how far along she is, and her risk colour."""

from __future__ import annotations

import functools
import tomllib
from datetime import date
from pathlib import Path

from telegram import Update

from bot.context import BotContext
from bot.dialogs import DialogState
from bot.domain.dates import DateInputError
from bot.domain.gestation import (
    GestationInputError,
    PregnancyDating,
    gestational_age,
    parse_due_date,
    parse_last_period,
    pregnancy_from_age,
    pregnancy_from_due_date,
    pregnancy_from_last_period,
)
from bot.domain.onboarding import Section
from bot.domain.validation_text import InputError, explain, load_validation_texts
from bot.handlers.steps import (
    Step,
    advance,
    button,
    go,
    keyboard,
    reask,
    send,
    typed_text,
    update_own_profile,
)
from bot.i18n import format_day

METHOD, DUE, LMP, WEEK, CONFIRM, COLOUR = (
    "dating_method",
    "due_date",
    "last_period",
    "week",
    "confirm_dating",
    "colour",
)
COLOURS_FILE = Path(__file__).resolve().parents[2] / "content" / "triage" / "risk_colours.toml"


@functools.cache
def colour_names() -> dict[str, dict[str, str]]:
    """{colour id: {locale: name}} in the configured order (the set is configuration)."""
    with COLOURS_FILE.open("rb") as fp:
        table = tomllib.load(fp)["colours"]
    ordered = sorted(table.items(), key=lambda item: item[1].get("rank", 0))
    return {colour: dict(entry["name"]) for colour, entry in ordered}


@functools.cache
def validation_texts() -> dict[str, dict[str, str]]:
    return load_validation_texts()


def explain_error(error: InputError, locale: str) -> str:
    return explain(error.code, locale, validation_texts(), **error.params)


async def ask_method(update: Update, context: BotContext, state: DialogState) -> None:
    _ = context.tr.gettext
    await send(
        update,
        context,
        _("How far along is your pregnancy? Choose what you know best:"),
        keyboard(
            [button(_("📅 My due date"), state, METHOD, DUE)],
            [button(_("🩸 First day of my last period"), state, METHOD, LMP)],
            [button(_("🔢 How many weeks I am"), state, METHOD, WEEK)],
        ),
    )


async def method_pressed(
    update: Update, context: BotContext, state: DialogState, value: str
) -> None:
    if value in (DUE, LMP, WEEK):
        await go(update, context, state, value)


async def ask_due(update: Update, context: BotContext, state: DialogState) -> None:
    _ = context.tr.gettext
    await send(update, context, _("Type your due date, for example 2027-03-05."))


async def ask_lmp(update: Update, context: BotContext, state: DialogState) -> None:
    _ = context.tr.gettext
    await send(
        update,
        context,
        _("Type the first day of your last period, for example 2026-08-20."),
    )


async def ask_week(update: Update, context: BotContext, state: DialogState) -> None:
    _ = context.tr.gettext
    await send(
        update,
        context,
        _("How many weeks pregnant are you? For example 32+4 or 32 weeks 4 days."),
    )


def _dating(step: str, text: str, today: date) -> PregnancyDating:
    if step == WEEK:
        return pregnancy_from_age(text, today)
    if step == DUE:
        return pregnancy_from_due_date(parse_due_date(text, today), today)
    return pregnancy_from_last_period(parse_last_period(text, today), today)


async def dating_typed(update: Update, context: BotContext, state: DialogState) -> None:
    text = await typed_text(update, context, state)
    if text is None:
        return
    try:
        dating = _dating(state.step, text, context.runtime.today())
    except (DateInputError, GestationInputError, InputError) as error:
        await reask(update, context, state, explain_error(error, context.tr.locale))
        return
    state.data["pending"] = {"due": dating.due_date.isoformat(), "method": str(dating.method)}
    await go(update, context, state, CONFIRM)


async def ask_confirm(update: Update, context: BotContext, state: DialogState) -> None:
    _ = context.tr.gettext
    due = date.fromisoformat(state.data["pending"]["due"])
    # The due date was checked when typed or computed: a week of 42+1 to 44+0, or a last
    # period that far back, is accepted there and must not be re-validated here.
    age = gestational_age(due, context.runtime.today())
    text = _(
        "You are {weeks} weeks and {days} days pregnant today; your due date is {due}."
    ).format(weeks=age.weeks, days=age.days, due=format_day(due, context.tr.locale))
    await send(
        update,
        context,
        text + "\n" + _("Is this right?"),
        keyboard(
            [
                button(_("✅ Yes"), state, CONFIRM, "yes"),
                button(_("✏️ No, change it"), state, CONFIRM, "no"),
            ]
        ),
    )


async def confirm_pressed(
    update: Update, context: BotContext, state: DialogState, value: str
) -> None:
    if value != "yes":
        await go(update, context, state, METHOD)
        return
    pending = state.data.pop("pending")
    await update_own_profile(
        context,
        {
            "due_date": date.fromisoformat(pending["due"]),
            "dating_method": pending["method"],
            "pregnant": True,
            "pregnancy_outcome": None,
        },
    )
    if state.data.get("editing") and not state.data.get("ask_colour"):
        # Correcting the dates does not change the colour her doctor gave (🎨 in /me does).
        await advance(update, context, state, Section.PREGNANCY)
        return
    await go(update, context, state, COLOUR)


async def ask_colour(update: Update, context: BotContext, state: DialogState) -> None:
    _ = context.tr.gettext
    locale = context.tr.locale
    names = colour_names()
    buttons = [
        button(entry.get(locale, colour), state, COLOUR, colour) for colour, entry in names.items()
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append([button(_("I don't know"), state, COLOUR, "unknown")])
    await send(
        update,
        context,
        _(
            "Which risk colour is on your maternal and child health booklet? Your doctor "
            'assigns it; if you are not sure, choose "I don\'t know".'
        ),
        keyboard(*rows),
    )


async def colour_pressed(
    update: Update, context: BotContext, state: DialogState, value: str
) -> None:
    if value != "unknown" and value not in colour_names():
        return
    await update_own_profile(context, {"risk_colour": None if value == "unknown" else value})
    await advance(update, context, state, Section.PREGNANCY)


# This section's steps, in the order they are asked; onboarding.py assembles the flow.
STEPS = (
    Step(METHOD, ask_method, on_button=method_pressed),
    Step(DUE, ask_due, on_text=dating_typed),
    Step(LMP, ask_lmp, on_text=dating_typed),
    Step(WEEK, ask_week, on_text=dating_typed),
    Step(CONFIRM, ask_confirm, on_button=confirm_pressed),
    Step(COLOUR, ask_colour, on_button=colour_pressed),
)
ENTRIES = {Section.PREGNANCY: METHOD}
