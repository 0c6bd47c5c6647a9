"""Runs first for every update: who is this and which language — or stop here.

Only private chats reach the features: a group or channel gets no users row
and no health data is read from it (a command there is answered with one
line asking for a private chat). Edited messages are not new answers and are
ignored. If the database cannot be reached the person is answered at once
(bot/processing/outage.py) and the update is kept for later.
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot import accounts
from bot.context import BotContext
from bot.i18n import negotiate_locale
from bot.processing.outage import KEY as OUTAGE_KEY


async def identify(update: Update, context: BotContext) -> None:
    tg_user = update.effective_user
    chat = update.effective_chat
    runtime = context.runtime
    if update.edited_message is not None or update.edited_channel_post is not None:
        raise ApplicationHandlerStop
    if tg_user is None or chat is None:
        return
    locale = negotiate_locale(None, tg_user.language_code, runtime.settings.default_locale)
    if chat.type != ChatType.PRIVATE:
        await _private_only(update, context, locale)
        raise ApplicationHandlerStop
    try:
        account = await accounts.identify_account(
            runtime, tg_user.id, chat.id, tg_user.language_code
        )
    except Exception as error:
        if not accounts.is_database_down(error):
            raise
        accounts.database_failed()
        await context.bot_data[OUTAGE_KEY].answer(update)
        raise ApplicationHandlerStop from None
    context.account = account
    default = runtime.settings.default_locale
    locale = negotiate_locale(account.locale, tg_user.language_code, default)
    context.tr = runtime.catalogs.get(locale)


async def _private_only(update: Update, context: BotContext, locale: str) -> None:
    message = update.message
    query = update.callback_query
    _ = context.runtime.catalogs.get(locale).gettext
    text = _("Please talk to me in a private chat: health questions are private.")
    if query is not None:
        await query.answer(text)
    elif message is not None and message.text and message.text.startswith("/"):
        await message.reply_text(text)
