"""The command list Telegram shows in the "/" menu, in each user's language."""

from __future__ import annotations

from telegram import Bot, BotCommand

from bot.i18n import N_, Catalogs

# Shown to everyone; staff and admin commands stay out of the public menu.
COMMANDS = (
    ("start", N_("Start, or resume messages")),
    ("guide", N_("How to protect yourself and your child")),
    ("report", N_("Report how you or your child are")),
    ("clinic", N_("Find the nearest fever clinic")),
    ("me", N_("See and correct your profile")),
    ("language", N_("中文 / English")),
    ("help", N_("What I can do")),
    ("mydata", N_("Get a copy of your data")),
    ("delete", N_("Erase your data")),
    ("stop", N_("Pause messages")),
)

# Telegram picks the list by the user's app language (an ISO 639-1 code).
TELEGRAM_LANGUAGES = {"zh_Hans": "zh", "en": "en"}


def command_list(catalogs: Catalogs, locale: str) -> list[BotCommand]:
    tr = catalogs.get(locale)
    return [BotCommand(name, tr.gettext(text)) for name, text in COMMANDS]


async def publish_commands(bot: Bot, catalogs: Catalogs) -> None:
    """Set the default list (default locale) and one per supported language."""
    await bot.set_my_commands(command_list(catalogs, catalogs.default_locale))
    for locale, code in TELEGRAM_LANGUAGES.items():
        await bot.set_my_commands(command_list(catalogs, locale), language_code=code)
