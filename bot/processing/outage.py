"""What a person is told when the database cannot be reached.

Their update is kept (Telegram redelivers what was not acknowledged, and the
inbox keeps what was) and handled once the database is back; meanwhile they
get an answer in their language at once, with the emergency answer if they
named a danger sign. Nothing here touches the database.
"""

from __future__ import annotations

import html
import logging
from collections import OrderedDict

from telegram import Update

from bot.domain.danger_words import default_danger_words, find_danger_signs
from bot.i18n import Catalogs, negotiate_locale

log = logging.getLogger(__name__)
KEY = "outage_answers"  # where the Application keeps its OutageAnswers (bot_data)
REMEMBERED = 10_000  # update ids already answered, so a retried update is answered once


class OutageAnswers:
    def __init__(self, catalogs: Catalogs, emergency_number: str, default_locale: str) -> None:
        self.catalogs = catalogs
        self.emergency_number = emergency_number
        self.default_locale = default_locale
        self._answered: OrderedDict[int, None] = OrderedDict()

    def text_for(self, update: Update) -> str:
        user = update.effective_user
        locale = negotiate_locale(None, user.language_code if user else None, self.default_locale)
        tr = self.catalogs.get(locale)
        _ = tr.gettext
        message = update.effective_message
        typed = message.text if message is not None and message.text else ""
        number = self.emergency_number
        lines: list[str] = []
        signs = find_danger_signs(typed) if typed else ()
        if signs:
            words = default_danger_words()
            lines += [html.escape(words.sign(sign).answer(locale, number)) for sign in signs]
        lines.append(
            _(
                "I cannot reach my records right now. Your message is kept and I will "
                "answer it as soon as I can."
            )
        )
        lines.append(_("In an emergency call {number} at once.").format(number=number))
        return "\n\n".join(lines)

    async def answer(self, update: Update) -> None:
        """Tell the person once per update; never raises."""
        chat = update.effective_chat
        if chat is None or chat.type != "private" or update.update_id in self._answered:
            return
        self._answered[update.update_id] = None
        while len(self._answered) > REMEMBERED:
            self._answered.popitem(last=False)
        if update.callback_query is not None:
            try:
                await update.callback_query.answer()
            except Exception:
                log.debug("could not answer a button press during an outage")
        try:
            await chat.send_message(self.text_for(update))  # no context here: the chat's bot
        except Exception:
            log.warning("could not send the outage answer")
