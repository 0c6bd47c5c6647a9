"""Every private message that is not a command comes through here, in this order:

1. words that must always work (STOP, 退订) and danger signs, before anything else;
2. the step of a conversation the person is in, if any;
3. the main-menu buttons;
4. what free text is about (massage and fever, then education topics);
5. a helpful answer, never silence.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot import dialogs
from bot.context import BotContext
from bot.dialogs import DialogState
from bot.handlers import (
    basic,
    onboarding,  # noqa: F401  (registers the onboarding steps)
    onboarding_children,  # noqa: F401
    onboarding_community,  # noqa: F401
    onboarding_pregnancy,  # noqa: F401
    profile,
    steps,
)
from bot.keyboards import MENU_PROFILE, menu_item

FlowHandler = Callable[[Update, BotContext, DialogState], Awaitable[None]]
MenuHandler = Callable[[Update, BotContext], Awaitable[None]]
TextHandler = Callable[[Update, BotContext], Awaitable[bool]]

# flow name -> the handler of a message sent while that flow is waiting for an answer.
FLOWS: dict[str, FlowHandler] = {
    steps.FLOW: steps.on_message,
}

# main-menu msgid -> handler.
MENU: dict[str, MenuHandler] = {
    MENU_PROFILE: profile.show_profile,
}

# Checked first, in order; each returns True when it answered (and the message is done).
PRIORITY_TEXT: list[TextHandler] = [
    profile.stop_words,
]

# Checked after dialogs and the menu, in order; True when it answered.
FREE_TEXT: list[TextHandler] = []


async def on_message(update: Update, context: BotContext) -> None:
    for handler in PRIORITY_TEXT:
        if await handler(update, context):
            return
    runtime = context.runtime
    async with runtime.db.session() as session:
        state = await dialogs.load(session, context.account.id)
    if state is not None and state.flow in FLOWS:
        await FLOWS[state.flow](update, context, state)
        return
    message = update.effective_message
    if message is not None and message.text:
        item = menu_item(message.text, runtime.catalogs)
        if item is not None and item in MENU:
            await MENU[item](update, context)
            return
    for handler in FREE_TEXT:
        if await handler(update, context):
            return
    await basic.unknown(update, context)
