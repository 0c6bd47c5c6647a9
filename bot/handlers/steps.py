"""What the onboarding and profile-correction steps share, on the conversation engine.

The steps themselves are in onboarding.py (language, consent, role) and the section
modules (onboarding_pregnancy, onboarding_children, onboarding_community); each exports
its steps and onboarding.py assembles them into one `Flow`. The dialog state (flow
"onboarding", the current step, what is being entered) is saved after every step, so
nothing confirmed is ever lost and a restart resumes the question.
"""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot import profile_actions
from bot.context import BotContext
from bot.conversation import engine
from bot.conversation.engine import Step, button, enter, go, keyboard, new_dialog, reask, save, send
from bot.dialogs import DialogState
from bot.domain.onboarding import Section, next_section
from bot.keyboards import main_menu

FLOW = "onboarding"

__all__ = ["Step", "button", "go", "keyboard", "reask", "save", "send"]


async def start_section(
    update: Update, context: BotContext, section: Section, *, editing: bool = False
) -> None:
    await enter(update, context, new_dialog(FLOW, {"editing": editing}), section)


async def advance(update: Update, context: BotContext, state: DialogState, done: Section) -> None:
    """`done` is complete: go to the next section, or finish."""
    profile = await profile_actions.own_profile(context.runtime, context.account.id)
    section = next_section(
        done,
        pregnant=bool(profile and profile.pregnant),
        parent=bool(profile and profile.parent),
        editing=bool(state.data.get("editing")),
    )
    if section is not None:
        keep = {k: v for k, v in state.data.items() if k in ("editing", "community", "t")}
        await enter(update, context, DialogState(FLOW, "", keep), section)
        return
    await engine.clear(context)
    await finish_onboarding(update, context)


async def update_own_profile(context: BotContext, changes: dict[str, Any]) -> None:
    """Apply confirmed answers to the person's own profile (history is kept)."""
    await profile_actions.update_own_profile(context.runtime, context.account.id, changes)


async def typed_text(update: Update, context: BotContext, state: DialogState) -> str | None:
    """The text of the message, or None after re-asking when it was not text."""
    message = update.effective_message
    if message is not None and message.text:
        return message.text
    await reask(update, context, state, context.tr.gettext("Please type it as text."))
    return None


async def finish_onboarding(update: Update, context: BotContext) -> None:
    """The last step: mark the profile complete and show the main menu."""
    _ = context.tr.gettext
    if await profile_actions.complete_onboarding(context.runtime, context.account.id):
        text = _(
            "Thank you, your profile is complete. Your community health worker can now see "
            "it and will follow up with you. Use the menu below at any time."
        )
    else:
        text = _("Saved. /me shows your profile.")
    await send(update, context, text, main_menu(context.tr))
