"""Danger words in free text get the emergency answer before anything else.

Registered in the router's PRIORITY_TEXT right after the STOP words, so it runs
before any dialog step, menu or topic search: "出血了" typed in the middle of
onboarding or a report is answered at once. The dialog is left as it was, so she
can carry on afterwards without losing anything.
"""

from __future__ import annotations

import html

from telegram import Update

from bot import dialogs, profiles
from bot.context import BotContext
from bot.domain.danger_words import default_danger_words, find_danger_signs
from bot.domain.triage import Level
from bot.handlers.steps import send
from bot.reports import triage_rules


async def danger_words(update: Update, context: BotContext) -> bool:
    """True when the message named a danger sign and was answered (router priority)."""
    message = update.effective_message
    if message is None or not message.text:
        return False
    found = find_danger_signs(message.text)
    if not found:
        return False
    _ = context.tr.gettext
    runtime = context.runtime
    number = runtime.settings.emergency_number
    locale = context.tr.locale
    words = default_danger_words()
    headline = triage_rules().level_text(Level.EMERGENCY, "user", locale, emergency_number=number)
    lines = [f"🚨 <b>{html.escape(headline)}</b>"]
    lines += [html.escape(words.sign(sign).answer(locale, number)) for sign in found]
    async with runtime.db.session() as session:
        state = await dialogs.load(session, context.account.id)
        profile = await profiles.get_profile(session, context.account.id)
    if state is not None:
        lines.append(
            _("Your answers so far are kept: when you are safe, carry on where you left off.")
        )
    elif profile is not None and profile.consent == "given":
        lines.append(_("When you can, send /report so your community health worker knows."))
    await send(update, context, "\n\n".join(lines))
    return True
