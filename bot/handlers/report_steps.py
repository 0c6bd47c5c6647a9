"""Kinds of report question shared by the pregnancy and child dialogs.

A symptom checklist with toggle buttons, a typed reading (temperature, SpO2,
breathing rate) that is explained and asked again when refused, and a count of
days. Each ends by handing over to `report_core.advance`, which checks for an
emergency before asking anything else.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import reports
from bot.context import BotContext
from bot.conversation.engine import Condition, Step, button, keyboard, reask, save, send
from bot.dialogs import DialogState
from bot.domain.intents import default_lexicon
from bot.domain.measurements import MeasurementError
from bot.domain.validation_text import explain
from bot.handlers.danger import danger_pressed
from bot.handlers.report_core import advance, measurement_texts
from bot.i18n import N_

# A question's text, in the user's language (some name the child, hence async).
Question = Callable[[BotContext, DialogState], Awaitable[str]]
NOT_MEASURED = N_("Not measured")
SKIP = N_("Skip")


def has_fever(data: dict[str, Any]) -> bool:
    """Ask how long only when there is a fever: ticked, or a reading at fever level."""
    reading = data.get("temperature_c")
    threshold = default_lexicon().fever_from_celsius
    return "fever" in (data.get("symptoms") or ()) or (reading is not None and reading >= threshold)


def checklist_markup(context: BotContext, state: DialogState, kind: str) -> InlineKeyboardMarkup:
    """The symptom buttons (✓ when ticked), two to a row where they fit, then Done.

    A button says what it makes of its symptom ("+code" ticks, "-code" unticks) rather than
    "toggle": a press handled twice (after a crash, docs/exactly-once.md) leaves the tick
    as she saw it, where a toggle would silently untick a danger sign."""
    _ = context.tr.gettext
    ticked = set(state.data.get("symptoms") or ())
    items = [
        button(
            ("✓ " if s.code in ticked else "") + s.label.get(context.tr.locale),
            state,
            state.step,
            ("-" if s.code in ticked else "+") + s.code,
        )
        for s in reports.triage_rules().checklist(kind)
    ]
    rows: list[list[InlineKeyboardButton]] = []
    for item in items:
        if rows and len(rows[-1]) == 1 and len(rows[-1][0].text) + len(item.text) <= 28:
            rows[-1].append(item)
        else:
            rows.append([item])
    rows.append([button(_("✅ Done"), state, state.step, "done")])
    rows.append([button(_("None of these"), state, state.step, "none")])
    return InlineKeyboardMarkup(rows)


async def _ask_checklist(
    update: Update, context: BotContext, state: DialogState, kind: str, prompt: str
) -> None:
    state.data["prompt"] = prompt
    await save(context, state)
    await send(update, context, prompt, checklist_markup(context, state, kind))


async def _checklist_pressed(
    update: Update, context: BotContext, state: DialogState, value: str, kind: str
) -> None:
    """Tick or untick; Done (or None of these) moves on and freezes the message."""
    query = update.callback_query
    assert query is not None
    codes = {s.code for s in reports.triage_rules().checklist(kind)}
    ticked: list[str] = list(state.data.get("symptoms") or [])
    if value in codes:  # a button from before "+"/"-" (a form open across an upgrade)
        value = ("-" if value in ticked else "+") + value
    if value[:1] in "+-" and value[1:] in codes:
        code, tick = value[1:], value[0] == "+"
        ticked = [c for c in ticked if c != code] + ([code] if tick else [])
        state.data["symptoms"] = ticked
        await save(context, state)
        await query.edit_message_reply_markup(checklist_markup(context, state, kind))
        return
    if value not in ("done", "none"):
        return
    if value == "none":
        state.data["symptoms"] = ticked = []
    prompt = state.data.pop("prompt", "")
    await advance(update, context, state)  # an emergency is answered before anything else
    _ = context.tr.gettext
    rules = reports.triage_rules()
    chosen = ", ".join(rules.symptoms[c].label.get(context.tr.locale) for c in ticked)
    summary = "✓ " + html.escape(chosen) if ticked else _("None of these")
    await query.edit_message_text(f"{prompt}\n\n{summary}" if prompt else summary)


def checklist_step(name: str, kind: str, question: Question) -> Step:
    """The rules' symptom checklist for `kind` ("pregnancy" or "child") as toggle buttons."""

    async def ask(update: Update, context: BotContext, state: DialogState) -> None:
        await _ask_checklist(update, context, state, kind, await question(context, state))

    async def typed(update: Update, context: BotContext, state: DialogState) -> None:
        await send(update, context, context.tr.gettext("Please tap the buttons, then press Done."))
        await ask(update, context, state)

    async def pressed(update: Update, context: BotContext, state: DialogState, value: str) -> None:
        await _checklist_pressed(update, context, state, value, kind)

    async def stale(update: Update, context: BotContext, value: str) -> bool:
        """A tick on this checklist after its form closed: a danger sign is answered."""
        code = value[1:] if value[:1] == "+" else value
        if value[:1] == "-" or code in ("done", "none"):
            return False
        query = update.callback_query
        assert query is not None
        if not await danger_pressed(update, context, kind, code):
            return False
        await query.answer()
        return True

    return Step(name, ask, typed, pressed, keep_keyboard=True, on_stale=stale)


def reading_step(
    name: str,
    key: str,
    parse: Callable[[str], float | int],
    question: Question,
    skip_label: str,
) -> Step:
    """A typed measurement stored under `key`; a refused one is explained and asked again.

    One button (`skip_label`, an N_ msgid) answers "not measured" / "skip".
    """

    async def ask(update: Update, context: BotContext, state: DialogState) -> None:
        skip = button(context.tr.gettext(skip_label), state, state.step, "skip")
        await send(update, context, await question(context, state), keyboard([skip]))

    async def typed(update: Update, context: BotContext, state: DialogState) -> None:
        message = update.effective_message
        assert message is not None
        try:
            value = parse(message.text or "")
        except MeasurementError as error:
            problem = explain(error.code, context.tr.locale, measurement_texts(), **error.params)
            await reask(update, context, state, problem)
            return
        state.data[key] = value
        await advance(update, context, state)

    async def pressed(update: Update, context: BotContext, state: DialogState, value: str) -> None:
        if value == "skip":
            state.data[key] = None
            await advance(update, context, state)

    return Step(name, ask, typed, pressed)


_DAYS = re.compile(r"^(\d{1,2})\s*(?:天|日|days?|d)?$")
MAX_DAYS = 60


def parse_days(text: str) -> int | None:
    """'3', '3天', '3 days' -> 3; None when it is not a day count from 1 to 60."""
    match = _DAYS.match(unicodedata.normalize("NFKC", text).strip().lower())
    if match is None or not 1 <= int(match[1]) <= MAX_DAYS:
        return None
    return int(match[1])


def days_step(
    name: str, question: Question, store: Callable[[DialogState, int], None], when: Condition
) -> Step:
    """ "For how many days?", typed or pressed; `store` puts it where triage reads it."""

    async def ask(update: Update, context: BotContext, state: DialogState) -> None:
        _ = context.tr.gettext
        labels = [("1", "1"), ("2", "2"), ("3", "3"), ("4", "4"), (_("5 or more"), "5")]
        buttons = [button(label, state, state.step, value) for label, value in labels]
        await send(update, context, await question(context, state), keyboard(buttons))

    async def typed(update: Update, context: BotContext, state: DialogState) -> None:
        message = update.effective_message
        days = parse_days(message.text or "") if message is not None else None
        if days is None:
            problem = context.tr.gettext(
                "Please type the number of days as a number from 1 to 60, e.g. 3."
            )
            await reask(update, context, state, problem)
            return
        store(state, days)
        await advance(update, context, state)

    async def pressed(update: Update, context: BotContext, state: DialogState, value: str) -> None:
        if value.isdigit():
            store(state, int(value))
            await advance(update, context, state)

    return Step(name, ask, typed, pressed, when=when)


def fixed(msgid: str) -> Question:
    """A question whose text is one msgid (marked with N_ where it is written)."""

    async def question(context: BotContext, state: DialogState) -> str:
        return context.tr.gettext(msgid)

    return question
