"""The steps of the onboarding and profile-correction dialogs.

Each section module registers its steps here: how to ask, and what to do with
typed text or a pressed button. The dialog state (flow "onboarding", the
current step, and what is being entered) is saved in the database after every
step, so nothing confirmed is ever lost and a restart resumes the question.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import dialogs, profiles
from bot.context import BotContext
from bot.conversation.chat import send_to_chat as send
from bot.dialogs import DialogState
from bot.domain.onboarding import Section, next_section
from bot.keyboards import main_menu

FLOW = "onboarding"
PREFIX = "ob"

Ask = Callable[[Update, BotContext, DialogState], Awaitable[None]]
OnText = Callable[[Update, BotContext, DialogState], Awaitable[None]]
OnButton = Callable[[Update, BotContext, DialogState, str], Awaitable[None]]


@dataclass(frozen=True)
class Step:
    name: str
    ask: Ask
    on_text: OnText | None = None
    on_button: OnButton | None = None


STEPS: dict[str, Step] = {}
FIRST_STEP: dict[Section, str] = {}


def register(step: Step, *, first_of: Section | None = None) -> None:
    STEPS[step.name] = step
    if first_of is not None:
        FIRST_STEP[first_of] = step.name


def button(label: str, step: str, value: str) -> InlineKeyboardButton:
    data = f"{PREFIX}:{step}:{value}"
    assert len(data.encode()) <= 64, data
    return InlineKeyboardButton(label, callback_data=data)


def keyboard(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([list(r) for r in rows if r])


async def save(context: BotContext, state: DialogState) -> None:
    runtime = context.runtime
    async with runtime.db.session() as session:
        await dialogs.save(session, context.account.id, state, runtime.clock.now())


async def go(update: Update, context: BotContext, state: DialogState, step: str) -> None:
    """Move to `step`, persist, and ask its question."""
    state.step = step
    await save(context, state)
    await STEPS[step].ask(update, context, state)


async def start_section(
    update: Update, context: BotContext, section: Section, *, editing: bool = False
) -> None:
    state = DialogState(FLOW, FIRST_STEP[section], {"editing": editing})
    await go(update, context, state, FIRST_STEP[section])


async def advance(update: Update, context: BotContext, state: DialogState, done: Section) -> None:
    """`done` is complete: go to the next section, or finish."""
    runtime = context.runtime
    async with runtime.db.session() as session:
        profile = await profiles.get_profile(session, context.account.id)
    section = next_section(
        done,
        pregnant=bool(profile and profile.pregnant),
        parent=bool(profile and profile.parent),
        editing=bool(state.data.get("editing")),
    )
    if section is not None:
        keep = {k: v for k, v in state.data.items() if k in ("editing", "community")}
        await go(update, context, DialogState(FLOW, "", keep), FIRST_STEP[section])
        return
    async with runtime.db.session() as session:
        await dialogs.clear(session, context.account.id)
    await finish_onboarding(update, context)


async def update_own_profile(context: BotContext, changes: dict[str, Any]) -> None:
    """Apply confirmed answers to the person's own profile (history is kept)."""
    runtime = context.runtime
    async with runtime.db.session() as session:
        profile = await profiles.get_profile(session, context.account.id)
        assert profile is not None
        await profiles.update_profile(
            session, profile, changes, context.account.id, runtime.clock.now()
        )


async def typed_text(update: Update, context: BotContext, state: DialogState) -> str | None:
    """The text of the message, or None after re-asking when it was not text."""
    message = update.effective_message
    if message is not None and message.text:
        return message.text
    await reask(update, context, state, context.tr.gettext("Please type it as text."))
    return None


async def reask(update: Update, context: BotContext, state: DialogState, problem: str) -> None:
    """Say what was wrong and ask the same question again; nothing entered is lost."""
    await send(update, context, problem)
    await STEPS[state.step].ask(update, context, state)


async def on_message(update: Update, context: BotContext, state: DialogState) -> None:
    step = STEPS.get(state.step)
    if step is None:
        return
    _ = context.tr.gettext
    if step.on_text is None:
        await reask(update, context, state, _("Please choose one of the buttons below."))
        return
    await step.on_text(update, context, state)


async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    _ = context.tr.gettext
    _prefix, step_name, value = ([*query.data.split(":", 2), "", ""])[:3]
    runtime = context.runtime
    async with runtime.db.session() as session:
        state = await dialogs.load(session, context.account.id)
    step = STEPS.get(step_name)
    if state is None or state.flow != FLOW or state.step != step_name or step is None:
        await query.answer(_("This question has already been answered."))
        return
    await query.answer()
    if query.message is not None:
        await query.edit_message_reply_markup(None)
    assert step.on_button is not None
    await step.on_button(update, context, state, value)


async def finish_onboarding(update: Update, context: BotContext) -> None:
    """The last step: mark the profile complete and show the main menu."""
    runtime = context.runtime
    _ = context.tr.gettext
    async with runtime.db.session() as session:
        profile = await profiles.get_profile(session, context.account.id)
        first_time = profile is not None and profile.onboarded_at is None
        if profile is not None and first_time:
            profile.onboarded_at = runtime.clock.now()
            session.add(profile)
    if first_time:
        text = _(
            "Thank you, your profile is complete. Your community health worker can now see "
            "it and will follow up with you. Use the menu below at any time."
        )
    else:
        text = _("Saved. /me shows your profile.")
    await send(update, context, text, main_menu(context.tr))
