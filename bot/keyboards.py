"""Keyboards shared by several handlers."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.config import SUPPORTED_LOCALES
from bot.i18n import LANGUAGE_NAMES

LANGUAGE_CALLBACK = "lang:"


def language_keyboard(current: str) -> InlineKeyboardMarkup:
    """Each language in its own name, the current one ticked."""
    buttons = [
        InlineKeyboardButton(
            ("✓ " if locale == current else "") + LANGUAGE_NAMES[locale],
            callback_data=LANGUAGE_CALLBACK + locale,
        )
        for locale in SUPPORTED_LOCALES
    ]
    return InlineKeyboardMarkup([buttons])
