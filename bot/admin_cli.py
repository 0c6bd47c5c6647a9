"""Command-line administration: load communities, create staff invites."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import timedelta
from pathlib import Path

from bot.communities import CommunityFileError, read_communities
from bot.config import Settings
from bot.invites import InviteError, create_invite, invite_link
from storage.communities import replace_communities
from storage.db import Database

CLI_ACTOR = 0  # the command line acts as "system" in the audit trail


def import_communities(args: argparse.Namespace, settings: Settings) -> int:
    try:
        communities = read_communities(Path(args.file))
    except (CommunityFileError, OSError, UnicodeDecodeError) as error:
        print(f"{args.file}: {error}", file=sys.stderr)
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
    print(f"{count} communities loaded")
    return 0


def create_staff_invite(args: argparse.Namespace, settings: Settings) -> int:
    hours = args.hours or settings.invite_ttl_hours

    async def main() -> str:
        from bot.clock import Clock

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
        print(f"cannot create invite: {error.code} {error.detail}", file=sys.stderr)
        return 1
    print(f"one-time {args.role} invite for {', '.join(args.community)}, valid {hours} h:")
    print(invite_link(args.bot_username, token))
    return 0
