"""The one "send to this chat" helper: the reply goes where the update came from."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from telegram import Update

from bot.conversation.chat import chat_id_of, send_to_chat


class RecordingBot:
    def __init__(self) -> None:
        self.sent: list[tuple[int, str, dict[str, Any]]] = []

    async def send_message(self, chat_id: int, text: str, **options: Any) -> str:
        self.sent.append((chat_id, text, options))
        return "message"


def message_update(chat_id: int) -> Update:
    return Update.de_json(
        {
            "update_id": 7,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": chat_id, "type": "private"},
                "text": "hi",
            },
        },
        None,
    )


async def test_a_reply_goes_to_the_chat_the_message_came_from() -> None:
    bot = RecordingBot()
    context = SimpleNamespace(bot=bot)
    result = await send_to_chat(message_update(301), context, "Hello", "KEYBOARD")  # type: ignore[arg-type]
    assert result == "message"
    assert bot.sent == [(301, "Hello", {"reply_markup": "KEYBOARD"})]


async def test_options_reach_telegram_unchanged() -> None:
    bot = RecordingBot()
    context = SimpleNamespace(bot=bot)
    await send_to_chat(message_update(5), context, "x", link_preview_options="off")  # type: ignore[arg-type]
    assert bot.sent == [(5, "x", {"reply_markup": None, "link_preview_options": "off"})]


def test_an_update_without_a_chat_is_refused_by_name() -> None:
    update = Update.de_json({"update_id": 9}, None)
    with pytest.raises(ValueError, match="update 9 has no chat"):
        chat_id_of(update)
