"""Runs first for every update from a person: who is this and which language."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.i18n import negotiate_locale
from storage.users import touch_user


async def identify(update: Update, context: BotContext) -> None:
    tg_user = update.effective_user
    chat = update.effective_chat
    runtime = context.runtime
    if tg_user is None or chat is None:
        return
    async with runtime.db.session() as session:
        account = await touch_user(
            session, tg_user.id, chat.id, tg_user.language_code, runtime.clock.now()
        )
    context.account = account
    locale = negotiate_locale(
        account.locale, tg_user.language_code, runtime.settings.default_locale
    )
    context.tr = runtime.catalogs.get(locale)
