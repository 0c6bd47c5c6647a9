"""The single error handler: log without personal data, and tell the user."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden

from bot import accounts
from bot.context import BotContext
from bot.conversation.chat import send_to_chat
from bot.i18n import negotiate_locale
from bot.observability import processing as observe
from bot.processing.outage import KEY as OUTAGE_KEY

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    error = context.error
    kind = type(update).__name__
    update_id = getattr(update, "update_id", None)
    # Only the update id and the exception type: message texts and names are health data.
    log.error("error handling %s %s: %s", kind, update_id, type(error).__name__, exc_info=error)
    observe.mark_failed()
    # What the failed handler wrote is undone; nothing half-done is kept.
    await accounts.undo_current_unit()
    if isinstance(error, Forbidden):
        await _mark_unreachable(update, context)
        return
    if not isinstance(update, Update):
        return
    if update.callback_query is not None:
        try:  # every press is answered, or the button spins on the person's screen
            await update.callback_query.answer()
        except Exception:
            log.debug("could not answer the button press")
    if error is not None and accounts.is_database_down(error):
        accounts.database_failed()
        await context.bot_data[OUTAGE_KEY].answer(update)
        return
    chat = update.effective_chat
    if chat is None or chat.type != "private":
        return
    tr = getattr(context, "tr", None)
    if tr is None:
        user = update.effective_user
        runtime = context.runtime
        locale = negotiate_locale(
            None, user.language_code if user else None, runtime.settings.default_locale
        )
        tr = runtime.catalogs.get(locale)
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
    try:
        await accounts.mark_unreachable(context.runtime, chat.id)
    except Exception:  # the error path must never raise
        log.warning("could not mark a blocked chat inactive")
