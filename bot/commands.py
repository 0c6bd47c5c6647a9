"""The commands each kind of user has, in each user's language.

One table per audience: the public "/" menu shows the mothers' commands; staff and
admins get theirs added in /help and in their own chat's "/" menu (a chat scope),
so nobody is offered a command they cannot use.
"""

from __future__ import annotations

from telegram import Bot, BotCommand, BotCommandScopeChat

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

# Community health workers and supervisors (staff rows).
STAFF_COMMANDS = (
    ("ledger", N_("The ledger of pregnant women and children in your communities")),
    ("due", N_("Who is due for a follow-up")),
    ("export", N_("Download the ledger as a CSV file")),
    ("note", N_("Add a follow-up note: /note ID text")),
    ("introduce", N_("Whether people are told your name or only your role")),
)

# Administrators (ADMIN_IDS).
ADMIN_COMMANDS = (
    ("invite", N_("Invite staff: /invite staff|supervisor CODE…")),
    ("broadcast", N_("Send a message to a group of mothers and parents")),
    ("broadcasts", N_("Recent broadcasts; /broadcasts ID gives one as CSV")),
)

# Telegram picks the list by the user's app language (an ISO 639-1 code).
TELEGRAM_LANGUAGES = {"zh_Hans": "zh", "en": "en"}


def commands_for(*, staff: bool, admin: bool) -> tuple[tuple[str, str], ...]:
    """The (command, description msgid) pairs this person may use, public ones first."""
    return COMMANDS + (STAFF_COMMANDS if staff else ()) + (ADMIN_COMMANDS if admin else ())


def command_list(
    catalogs: Catalogs, locale: str, *, staff: bool = False, admin: bool = False
) -> list[BotCommand]:
    tr = catalogs.get(locale)
    return [
        BotCommand(name, tr.gettext(text)) for name, text in commands_for(staff=staff, admin=admin)
    ]


async def publish_commands(bot: Bot, catalogs: Catalogs) -> None:
    """Set the default list (default locale) and one per supported language."""
    await bot.set_my_commands(command_list(catalogs, catalogs.default_locale))
    for locale, code in TELEGRAM_LANGUAGES.items():
        await bot.set_my_commands(command_list(catalogs, locale), language_code=code)


async def publish_personal_commands(
    bot: Bot, chat_id: int, catalogs: Catalogs, locale: str, *, staff: bool, admin: bool
) -> None:
    """A staff member's or admin's own "/" menu, in their language (a chat scope)."""
    await bot.set_my_commands(
        command_list(catalogs, locale, staff=staff, admin=admin),
        scope=BotCommandScopeChat(chat_id),
    )
