"""Whose update is this: the key one person's updates are serialised on."""

from __future__ import annotations

from typing import Any

from telegram import Update


def person_of(update: Update) -> int:
    """The sender's user id; else the chat's id; 0 for updates with neither (polls).

    Keyed on the user rather than the chat: a person's private chat id equals
    their user id, and a staff member's button presses and messages are theirs.
    """
    if update.effective_user is not None:
        return update.effective_user.id
    if update.effective_chat is not None:
        return update.effective_chat.id
    return 0


def person_in_payload(payload: dict[str, Any]) -> int:
    """The same key read from the raw JSON, before it is parsed into an Update."""
    for value in payload.values():
        if isinstance(value, dict):
            sender = value.get("from") or value.get("user")
            if isinstance(sender, dict) and isinstance(sender.get("id"), int):
                return int(sender["id"])
            chat = value.get("chat")
            if isinstance(chat, dict) and isinstance(chat.get("id"), int):
                return int(chat["id"])
    return 0
