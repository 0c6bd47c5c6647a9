"""A questionnaire for the engine's tests, written as a new feature would be: one module
of step definitions, a Flow, and a Feature with its entry command.

    /survey -> "What should I call you?" (typed) -> "Did you sleep?" (Yes / No)
            -> only after Yes: "How many hours?" (typed, 0-24) -> "Thank you, <name>."

(Test texts are not translated: this module is not part of the bot.)
"""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.conversation import engine
from bot.conversation.engine import Flow, Step, button, go, keyboard, new_dialog, proceed, send
from bot.dialogs import DialogState
from bot.features import Feature

FLOW = "survey"
NAME, SLEPT, HOURS = "name", "slept", "hours"
ORDER = (NAME, SLEPT, HOURS)


async def start(update: Update, context: BotContext) -> None:
    await go(update, context, new_dialog(FLOW), NAME)


async def ask_name(update: Update, context: BotContext, state: DialogState) -> None:
    await send(update, context, "What should I call you?")


async def name_typed(update: Update, context: BotContext, state: DialogState) -> None:
    message = update.effective_message
    if message is None or not message.text:
        await engine.reask(update, context, state, "Please type your name.")
        return
    state.data["name"] = message.text
    await _next(update, context, state)


async def ask_slept(update: Update, context: BotContext, state: DialogState) -> None:
    await send(
        update,
        context,
        "Did you sleep?",
        keyboard([button("Yes", state, SLEPT, "yes"), button("No", state, SLEPT, "no")]),
    )


async def slept_pressed(
    update: Update, context: BotContext, state: DialogState, value: str
) -> None:
    if value in ("yes", "no"):
        state.data["slept"] = value
        await _next(update, context, state)


async def ask_hours(update: Update, context: BotContext, state: DialogState) -> None:
    await send(update, context, "How many hours?")


async def hours_typed(update: Update, context: BotContext, state: DialogState) -> None:
    message = update.effective_message
    text = (message.text or "").strip() if message else ""
    if not text.isdigit() or int(text) > 24:
        await engine.reask(update, context, state, "Please type a number from 0 to 24.")
        return
    state.data["hours"] = int(text)
    await _next(update, context, state)


async def _next(update: Update, context: BotContext, state: DialogState) -> None:
    if await proceed(update, context, state, ORDER, state.step):
        return
    await engine.clear(context)
    hours = state.data.get("hours")
    await send(update, context, f"Thank you, {state.data['name']}. Hours: {hours}.")


SURVEY = Flow(
    FLOW,
    steps=(
        Step(NAME, ask_name, on_text=name_typed, key="name"),
        Step(SLEPT, ask_slept, on_button=slept_pressed, key="slept"),
        Step(
            HOURS,
            ask_hours,
            on_text=hours_typed,
            key="hours",
            when=lambda d: d.get("slept") == "yes",
        ),
    ),
)

FEATURE = Feature("survey", commands=(("survey", start),), flows=(SURVEY,))
