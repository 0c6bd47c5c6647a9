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
    clinic,
    danger,
    guide,
    massage,
    onboarding,  # noqa: F401  (registers the onboarding steps)
    onboarding_children,  # noqa: F401
    onboarding_community,  # noqa: F401
    onboarding_pregnancy,  # noqa: F401
    profile,
    report,
    report_child,  # noqa: F401  (registers the report steps)
    report_pregnancy,  # noqa: F401
    staff_tools,
    steps,
)
from bot.keyboards import MENU_CLINIC, MENU_GUIDE, MENU_PROFILE, MENU_REPORT, menu_item
from bot.observability.logging import bind

FlowHandler = Callable[[Update, BotContext, DialogState], Awaitable[None]]
MenuHandler = Callable[[Update, BotContext], Awaitable[None]]
TextHandler = Callable[[Update, BotContext], Awaitable[bool]]

# flow name -> the handler of a message sent while that flow is waiting for an answer.
FLOWS: dict[str, FlowHandler] = {
    steps.FLOW: steps.on_message,
    clinic.FLOW: clinic.on_flow_message,
    report.FLOW: report.on_message,
    staff_tools.NOTE_FLOW: staff_tools.on_note_message,
}

# main-menu msgid -> handler.
MENU: dict[str, MenuHandler] = {
    MENU_PROFILE: profile.show_profile,
    MENU_GUIDE: guide.show_menu,
    MENU_CLINIC: clinic.clinic_command,
    MENU_REPORT: report.start_report,
}

# Checked first, in order; each returns True when it answered (and the message is done).
PRIORITY_TEXT: list[TextHandler] = [
    profile.stop_words,
    # A staff note describes someone else ("bleeding, sent to hospital"): it must be
    # stored as written, not answered as the writer's own danger sign.
    staff_tools.note_in_progress,
    danger.danger_words,  # danger signs in free text, even mid-dialog
]

# Checked after dialogs and the menu, in order; True when it answered.
# Order matters: add new handlers ABOVE guide.answer_question. Topic keywords
# are broad (fever, massage and their Chinese words), so the massage/fever intents must get
# the message first; the education topics answer only what nobody else claimed.
FREE_TEXT: list[TextHandler] = [
    basic.media_hint,  # a voice note or photo outside a dialog: ask for words
    basic.small_talk_answer,  # only a whole-message "hi" / "谢谢": cannot shadow a question
    massage.massage_text,  # before the fever words: massage + fever is the massage answer
    clinic.fever_text,
    clinic.location_without_dialog,
    guide.answer_question,  # keep last
]


async def on_message(update: Update, context: BotContext) -> None:
    for handler in PRIORITY_TEXT:
        if await handler(update, context):
            return
    runtime = context.runtime
    async with runtime.db.session() as session:
        state = await dialogs.load(session, context.account.id)
    if state is not None and state.flow in FLOWS:
        bind(flow=state.flow, step=state.step)
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
