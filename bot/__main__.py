"""Command line: `python -m bot COMMAND`; `python -m bot --help` lists every command.

Every command speaks the terminal's language (bot/cli_locale.py): Chinese when
LC_ALL / LC_MESSAGES / LANG name Chinese, English otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys

from telegram.error import InvalidToken, NetworkError

from bot import broadcast_cli, coverage_cli, rules_cli, schedule_cli
from bot.admin_cli import create_staff_invite, import_communities
from bot.cli_locale import cli_translator
from bot.clinic_cli import run_clinics_command
from bot.config import ConfigError, Settings, load_settings, reveal
from bot.devtools import catalogs
from bot.devtools.shell import run_shell
from bot.i18n import Translator
from bot.observability.logging import configure_logging
from bot.runtime import Runtime
from bot.serve import serve
from bot.startup import describe
from storage.db import Database


def no_token_text(tr: Translator) -> str:
    _ = tr.gettext
    return _(
        "TELEGRAM_BOT_TOKEN is not set, so the bot cannot connect to Telegram.\n"
        "\n"
        "  1. In Telegram, open a chat with @BotFather, send /newbot and follow the steps.\n"
        "  2. Start the bot with the token it gives you:\n"
        "       TELEGRAM_BOT_TOKEN=123456:ABC... python -m bot run\n"
        "     (or put TELEGRAM_BOT_TOKEN=... in a .env file in this directory).\n"
        "\n"
        "To try the bot without Telegram or a token, chat with it in this terminal:\n"
        "       python -m bot shell\n"
    )


def _settings(**overrides: object) -> Settings:
    try:
        return load_settings(**overrides)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from exc


def _run(args: argparse.Namespace) -> int:

    _ = cli_translator().gettext
    settings = _settings()
    configure_logging(settings, level=logging.DEBUG if args.verbose else None)
    if not reveal(settings.bot_token):
        print(no_token_text(cli_translator()), file=sys.stderr)
        return 2

    async def main() -> None:
        runtime = await Runtime.open(settings)
        await coverage_cli.warn_about_coverage(runtime)  # communities nobody hears alerts from
        await serve(runtime)

    try:
        asyncio.run(main())
    except InvalidToken:
        # Waiting will not fix a wrong token: say which variable to check, once.
        print(_("Telegram refused TELEGRAM_BOT_TOKEN: check it with @BotFather."), file=sys.stderr)
        return 2
    except NetworkError as error:
        print(
            _("Lost the connection to Telegram ({reason}); the bot stopped.").format(
                reason=describe(error)
            ),
            file=sys.stderr,
        )
        return 1
    return 0


def _shell(args: argparse.Namespace) -> int:

    overrides: dict[str, object] = {"DATABASE_URL": args.database_url}
    settings = _settings(**overrides)
    if args.role == "admin":
        settings = settings.model_copy(update={"admin_ids": settings.admin_ids | {args.user_id}})
    return asyncio.run(
        run_shell(settings, user_id=args.user_id, language=args.language, role=args.role)
    )


def _db(args: argparse.Namespace) -> int:

    settings = _settings()

    async def main() -> None:
        db = Database(settings.database_url)
        try:
            await db.upgrade(args.revision)
        finally:
            await db.dispose()

    asyncio.run(main())
    _ = cli_translator().gettext
    print(_("Database schema upgraded to {revision}.").format(revision=args.revision))
    return 0


def _i18n(args: argparse.Namespace) -> int:

    if args.action == "update":
        translations: dict[str, dict[str, str]] = {}
        for path in args.apply or []:
            with open(path, encoding="utf-8") as fp:
                for locale, entries in json.load(fp).items():
                    translations.setdefault(locale, {}).update(entries)
        catalogs.update_catalogs(translations)
    elif args.action == "compile":
        catalogs.compile_catalogs()
    problems = catalogs.check_catalogs()
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


def _clinics(args: argparse.Namespace) -> int:

    return run_clinics_command(args, _settings())


def _communities(args: argparse.Namespace) -> int:

    return import_communities(args, _settings())


def _staff(args: argparse.Namespace) -> int:

    return create_staff_invite(args, _settings())


def build_parser(tr: Translator | None = None) -> argparse.ArgumentParser:
    _ = (tr or cli_translator()).gettext
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description=_(
            "mch-bot: a Telegram bot for maternal and child health follow-up. "
            "Run `python -m bot COMMAND --help` for the options of a command."
        ),
    )
    parser.add_argument("-v", "--verbose", action="store_true", help=_("debug logging"))
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", title=_("commands")
    )

    run = sub.add_parser(
        "run", help=_("run the bot (long polling, or webhook if WEBHOOK_URL is set)")
    )
    run.set_defaults(func=_run)

    shell = sub.add_parser(
        "shell", help=_("chat with the bot in this terminal, no Telegram needed")
    )
    shell.add_argument("--user-id", type=int, default=1001, help=_("your pretend Telegram user id"))
    shell.add_argument(
        "--language",
        default="zh-hans",
        help=_("your pretend Telegram language_code (zh-hans, en)"),
    )
    shell.add_argument("--role", choices=["user", "staff", "admin"], default="user")
    shell.add_argument(
        "--database-url",
        default="sqlite:///mch-bot-shell.sqlite3",
        help=_("database for the shell session (default: a separate SQLite file)"),
    )
    shell.set_defaults(func=_shell)

    db = sub.add_parser("db", help=_("database maintenance: apply migrations"))
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = db_sub.add_parser("upgrade", help=_("apply migrations"))
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.set_defaults(func=_db)

    communities = sub.add_parser(
        "communities", help=_("the list of communities: import it from CSV")
    )
    communities_sub = communities.add_subparsers(
        dest="communities_command", required=True, metavar="ACTION"
    )
    communities_import = communities_sub.add_parser("import", help=_("load communities from CSV"))
    communities_import.add_argument("file")
    communities_import.set_defaults(func=_communities)
    coverage_cli.add_parser(communities_sub, _settings)

    staff = sub.add_parser(
        "staff", help=_("community health workers: create one-time invite links")
    )
    staff_sub = staff.add_subparsers(dest="staff_command", required=True, metavar="ACTION")
    staff_invite = staff_sub.add_parser("invite", help=_("create a one-time staff invite link"))
    staff_invite.add_argument("--role", choices=["staff", "supervisor"], default="staff")
    staff_invite.add_argument(
        "--community", action="append", required=True, help=_("community code (repeatable)")
    )
    staff_invite.add_argument("--hours", type=int, help=_("hours until the link expires"))
    staff_invite.add_argument("--bot-username", help=_("to print a full t.me link"))
    staff_invite.set_defaults(func=_staff)

    clinics = sub.add_parser(
        "clinics", help=_("the published list of fever clinics and hospitals: import it")
    )
    clinics_sub = clinics.add_subparsers(dest="clinics_command", required=True, metavar="ACTION")
    clinics_import = clinics_sub.add_parser(
        "import", help=_("replace the list from a CSV or JSON file")
    )
    clinics_import.add_argument("file")
    clinics_import.add_argument("--published", help=_("publication date of the list (YYYY-MM-DD)"))
    clinics_import.add_argument(
        "--skip-invalid",
        action="store_true",
        help=_("publish the valid rows even if some are bad"),
    )
    clinics_import.set_defaults(func=_clinics)

    rules_cli.add_parser(sub)
    schedule_cli.add_parser(sub, _settings)
    broadcast_cli.add_parser(sub, _settings)

    i18n = sub.add_parser(
        "i18n", help=_("translation catalogs, for developers: update, check, compile")
    )
    i18n.add_argument("action", choices=["update", "check", "compile"])
    i18n.add_argument(
        "--apply",
        action="append",
        metavar="JSON",
        help=_('with update: translations to apply, {"zh_Hans": {"msgid": "msgstr"}}'),
    )
    i18n.set_defaults(func=_i18n)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request URL, which contains the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
