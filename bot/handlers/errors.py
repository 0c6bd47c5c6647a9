"""The single error handler: log without personal data, and tell the user."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden

from bot.context import BotContext
from bot.conversation.chat import send_to_chat
from storage.outbox import deactivate_chat

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    error = context.error
    kind = type(update).__name__
    update_id = getattr(update, "update_id", None)
    # Only the update id and the exception type: message texts and names are health data.
    log.error("error handling %s %s: %s", kind, update_id, type(error).__name__, exc_info=error)
    if isinstance(error, Forbidden):
        await _mark_unreachable(update, context)
        return
    if not isinstance(update, Update):
        return
    chat = update.effective_chat
    tr = getattr(context, "tr", None)
    if chat is None or tr is None:
        return
    _ = tr.gettext
    try:
        await send_to_chat(
            update,
            context,
            _(
                "Sorry, something went wrong on my side and I could not finish that. "
                "Nothing you sent before was lost. Please try again in a moment."
            )
            + "\n"
            + _("In an emergency call {number} at once.").format(
                number=context.runtime.settings.emergency_number
            ),
        )
    except Exception:  # the error path must never raise
        log.warning("could not tell the user about an error")


async def _mark_unreachable(update: object, context: BotContext) -> None:
    """403: the person blocked the bot. Stop counting them as reachable (BRIEF section 6);
    writing to the bot again makes them active."""
    chat = update.effective_chat if isinstance(update, Update) else None
    if chat is None:
        return
    runtime = context.runtime
    try:
        async with runtime.db.session() as session:
            await deactivate_chat(session, chat.id, runtime.clock.now())
    except Exception:  # the error path must never raise
        log.warning("could not mark a blocked chat inactive")
