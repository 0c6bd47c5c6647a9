"""Command line: `python -m bot run | shell | db upgrade`."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys

from bot.config import ConfigError, Settings, load_settings

NO_TOKEN = """\
TELEGRAM_BOT_TOKEN is not set, so the bot cannot connect to Telegram.

  1. In Telegram, open a chat with @BotFather, send /newbot and follow the steps.
  2. Start the bot with the token it gives you:
       TELEGRAM_BOT_TOKEN=123456:ABC... python -m bot run
     (or put TELEGRAM_BOT_TOKEN=... in a .env file in this directory).

To try the bot without Telegram or a token, chat with it in this terminal:
       python -m bot shell
"""


def _settings(**overrides: object) -> Settings:
    try:
        return load_settings(**overrides)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from exc


def _run(args: argparse.Namespace) -> int:
    from bot.observability.logging import configure_logging
    from bot.runtime import Runtime
    from bot.serve import serve

    settings = _settings()
    configure_logging(settings, level=logging.DEBUG if args.verbose else None)
    if not settings.telegram_bot_token:
        print(NO_TOKEN, file=sys.stderr)
        return 2

    async def main() -> None:
        await serve(await Runtime.open(settings))

    asyncio.run(main())
    return 0


def _shell(args: argparse.Namespace) -> int:
    from bot.devtools.shell import run_shell

    overrides: dict[str, object] = {"DATABASE_URL": args.database_url}
    settings = _settings(**overrides)
    if args.role == "admin":
        settings = settings.model_copy(update={"admin_ids": settings.admin_ids | {args.user_id}})
    return asyncio.run(
        run_shell(settings, user_id=args.user_id, language=args.language, role=args.role)
    )


def _db(args: argparse.Namespace) -> int:
    from storage.db import Database

    settings = _settings()

    async def main() -> None:
        db = Database(settings.database_url)
        try:
            await db.upgrade(args.revision)
        finally:
            await db.dispose()

    asyncio.run(main())
    print(f"database schema upgraded to {args.revision}")
    return 0


def _i18n(args: argparse.Namespace) -> int:
    from bot.devtools import catalogs

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
    from bot.clinic_cli import run_clinics_command

    return run_clinics_command(args, _settings())


def _communities(args: argparse.Namespace) -> int:
    from bot.admin_cli import import_communities

    return import_communities(args, _settings())


def _staff(args: argparse.Namespace) -> int:
    from bot.admin_cli import create_staff_invite

    return create_staff_invite(args, _settings())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mch-bot", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the bot (long polling, or webhook if WEBHOOK_URL is set)")
    run.set_defaults(func=_run)

    shell = sub.add_parser("shell", help="chat with the bot in this terminal, no Telegram needed")
    shell.add_argument("--user-id", type=int, default=1001, help="your pretend Telegram user id")
    shell.add_argument(
        "--language", default="zh-hans", help="your pretend Telegram language_code (zh-hans, en)"
    )
    shell.add_argument("--role", choices=["user", "staff", "admin"], default="user")
    shell.add_argument(
        "--database-url",
        default="sqlite:///mch-bot-shell.sqlite3",
        help="database for the shell session (default: a separate SQLite file)",
    )
    shell.set_defaults(func=_shell)

    i18n = sub.add_parser("i18n", help="translation catalogs (for developers)")
    i18n.add_argument("action", choices=["update", "check", "compile"])
    i18n.add_argument(
        "--apply",
        action="append",
        metavar="JSON",
        help='with update: translations to apply, {"zh_Hans": {"msgid": "msgstr"}}',
    )
    i18n.set_defaults(func=_i18n)

    clinics = sub.add_parser("clinics", help="the published list of fever clinics and hospitals")
    clinics_sub = clinics.add_subparsers(dest="clinics_command", required=True)
    clinics_import = clinics_sub.add_parser(
        "import", help="replace the list from a CSV or JSON file"
    )
    clinics_import.add_argument("file")
    clinics_import.add_argument("--published", help="publication date of the list (YYYY-MM-DD)")
    clinics_import.add_argument(
        "--skip-invalid", action="store_true", help="publish the valid rows even if some are bad"
    )
    clinics_import.set_defaults(func=_clinics)

    communities = sub.add_parser("communities", help="the list of communities")
    communities_sub = communities.add_subparsers(dest="communities_command", required=True)
    communities_import = communities_sub.add_parser("import", help="load communities from CSV")
    communities_import.add_argument("file")
    communities_import.set_defaults(func=_communities)

    staff = sub.add_parser("staff", help="community staff")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    staff_invite = staff_sub.add_parser("invite", help="create a one-time staff invite link")
    staff_invite.add_argument("--role", choices=["staff", "supervisor"], default="staff")
    staff_invite.add_argument(
        "--community", action="append", required=True, help="community code (repeatable)"
    )
    staff_invite.add_argument("--hours", type=int, help="hours until the link expires")
    staff_invite.add_argument("--bot-username", help="to print a full t.me link")
    staff_invite.set_defaults(func=_staff)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_sub.add_parser("upgrade", help="apply migrations")
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.set_defaults(func=_db)
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
