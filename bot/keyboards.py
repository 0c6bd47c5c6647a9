"""Keyboards shared by several handlers."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup

from bot.config import SUPPORTED_LOCALES
from bot.conversation.callback_data import CallbackData
from bot.i18n import LANGUAGE_NAMES, N_, Catalogs, Translator


@dataclass(frozen=True)
class LanguageButton(CallbackData, prefix="lang"):
    """A language button ("lang:zh_Hans"): the same data as before the codec existed."""

    locale: str


def language_keyboard(current: str) -> InlineKeyboardMarkup:
    """Each language in its own name, the current one ticked."""
    buttons = [
        InlineKeyboardButton(
            ("✓ " if locale == current else "") + LANGUAGE_NAMES[locale],
            callback_data=LanguageButton(locale).pack(),
        )
        for locale in SUPPORTED_LOCALES
    ]
    return InlineKeyboardMarkup([buttons])


# The persistent main menu. Labels are matched back in every language, so a
# press works even after the user switches language with the old keyboard up.
MENU_GUIDE = N_("📖 Guide")
MENU_REPORT = N_("📝 Report")
MENU_CLINIC = N_("🏥 Fever clinic")
MENU_PROFILE = N_("👤 My profile")
MENU_ITEMS = (MENU_GUIDE, MENU_REPORT, MENU_CLINIC, MENU_PROFILE)


def main_menu(tr: Translator) -> ReplyKeyboardMarkup:
    _ = tr.gettext
    return ReplyKeyboardMarkup(
        [[_(MENU_GUIDE), _(MENU_REPORT)], [_(MENU_CLINIC), _(MENU_PROFILE)]],
        resize_keyboard=True,
        is_persistent=True,
    )


def menu_item(text: str, catalogs: Catalogs) -> str | None:
    """Which menu item (its msgid) this text is, in any supported language."""
    stripped = text.strip()
    for item in MENU_ITEMS:
        if stripped in catalogs.every_translation(item):
            return item
    return None
