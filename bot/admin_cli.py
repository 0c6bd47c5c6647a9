"""Command-line administration: load communities, create staff invites.

Output is in the terminal's language (bot/cli_locale.py), like every command.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import timedelta
from pathlib import Path

from bot.cli_locale import cli_translator
from bot.clock import Clock
from bot.communities import CommunityFileError, read_communities
from bot.config import Settings
from bot.i18n import Translator
from bot.invites import InviteError, create_invite, invite_link
from storage.communities import replace_communities
from storage.db import Database

CLI_ACTOR = 0  # the command line acts as "system" in the audit trail


def import_communities(args: argparse.Namespace, settings: Settings) -> int:
    tr = cli_translator()
    _ = tr.gettext
    try:
        communities = read_communities(Path(args.file))
    except CommunityFileError as error:
        print(
            _("{file}, row {row}: {reason}").format(
                file=args.file, row=error.row, reason=error.reason
            ),
            file=sys.stderr,
        )
        return 1
    except UnicodeDecodeError:
        print(_("{file}: the file is not UTF-8 text.").format(file=args.file), file=sys.stderr)
        return 1
    except OSError as error:
        print(
            _("Cannot open {file}: {reason}").format(
                file=args.file, reason=error.strerror or type(error).__name__
            ),
            file=sys.stderr,
        )
        return 1

    async def main() -> int:
        db = Database(settings.database_url)
        try:
            await db.upgrade()
            async with db.session() as session:
                return await replace_communities(session, communities)
        finally:
            await db.dispose()

    count = asyncio.run(main())
    print(
        tr.ngettext("{count} community loaded.", "{count} communities loaded.", count).format(
            count=count
        )
    )
    return 0


def describe_invite_error(error: InviteError, tr: Translator) -> str:
    """A sentence naming what was wrong, never the error's code."""
    _ = tr.gettext
    if error.code == "unknown_communities":
        codes = [code for code in error.detail.split(", ") if code]
        return tr.ngettext(
            "Cannot create the invite: there is no community with the code {codes}. "
            "Check the spelling, or load the list first with "
            "`python -m bot communities import FILE.csv`.",
            "Cannot create the invite: there are no communities with the codes {codes}. "
            "Check the spelling, or load the list first with "
            "`python -m bot communities import FILE.csv`.",
            len(codes),
        ).format(codes=", ".join(codes))
    if error.code == "no_communities":
        return _("Cannot create the invite: name at least one community with --community CODE.")
    if error.code == "bad_role":
        return _("Cannot create the invite: {role} is not a staff role.").format(role=error.detail)
    return _("Cannot create the invite.")


def create_staff_invite(args: argparse.Namespace, settings: Settings) -> int:
    tr = cli_translator()
    _ = tr.gettext
    hours = args.hours or settings.invite_ttl_hours

    async def main() -> str:

        db = Database(settings.database_url)
        try:
            await db.upgrade()
            async with db.session() as session:
                invite = await create_invite(
                    session,
                    role=args.role,
                    community_codes=args.community,
                    created_by=CLI_ACTOR,
                    now=Clock().now(),
                    ttl=timedelta(hours=hours),
                )
                return invite.token
        finally:
            await db.dispose()

    try:
        token = asyncio.run(main())
    except InviteError as error:
        print(describe_invite_error(error, tr), file=sys.stderr)
        return 1
    role = _("supervisor") if args.role == "supervisor" else _("staff member")
    print(
        tr.ngettext(
            "One-time invite for a {role} of {communities}, valid for {hours} hour:",
            "One-time invite for a {role} of {communities}, valid for {hours} hours:",
            hours,
        ).format(role=role, communities=", ".join(args.community), hours=hours)
    )
    print(invite_link(args.bot_username, token))
    return 0
