"""Sending to the chat an update came from: the one helper every handler uses.

Replies in a private chat go to ``update.effective_chat``; a callback query, a
message and an edited message all have one. An update without a chat (an inline
query, a poll answer) cannot be replied to this way, and saying so loudly beats
sending to the wrong place.
"""

from __future__ import annotations

from typing import Any

from telegram import Message, Update
from telegram.ext import CallbackContext


def chat_id_of(update: Update) -> int:
    """The id of the chat this update came from."""
    chat = update.effective_chat
    if chat is None:
        raise ValueError(f"update {update.update_id} has no chat to answer in")
    return chat.id


async def send_to_chat(
    update: Update,
    context: CallbackContext[Any, Any, Any, Any],
    text: str,
    markup: object = None,
    **options: Any,
) -> Message:
    """Send ``text`` (with an optional keyboard) to this update's chat.

    ``options`` go to `Bot.send_message` as they are (``link_preview_options``,
    ``parse_mode``...); the bot's defaults apply to everything not given.
    """
    return await context.bot.send_message(
        chat_id_of(update),
        text,
        reply_markup=markup,  # type: ignore[arg-type]
        **options,
    )
