"""`python -m bot schedule preview --user ID [--days 30]`: what one person will receive.

Reads her profile and what she was already sent, then runs the runner's own
planner forward hour by hour (assuming she answers every question), so an admin
or a health authority can check a schedule edit against a real person. It also
lists what was skipped for her, with the reason (a late joiner's check-in, one
held by quiet hours or a conversation until its window ended, one cancelled by
/stop, a birth or a loss), so no event silently never fires.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from datetime import datetime, tzinfo

from sqlmodel import col, select

from bot.cli_locale import cli_translator
from bot.clock import Clock
from bot.config import Settings
from bot.domain.followup_plan import SKIP_REASONS
from bot.domain.followup_preview import preview
from bot.followup import facts, runner
from storage.db import Database
from storage.models import FollowupItem


def _line(at: datetime, zone: tzinfo, action: str, ref: str, key: str, note: str = "") -> str:
    line = f"{at.astimezone(zone):%Y-%m-%d %H:%M}  {action:<8} {ref:<24} {key}"
    return f"{line}  [{note}]" if note else line


async def _skipped(db: Database, user_id: int, settings: Settings) -> list[str]:
    """What was given up for her, as recorded (newest last)."""
    async with db.session() as session:
        rows = await session.exec(
            select(FollowupItem)
            .where(
                col(FollowupItem.user_id) == user_id,
                col(FollowupItem.status).in_([*SKIP_REASONS]),
            )
            .order_by(col(FollowupItem.sent_at), col(FollowupItem.id))
        )
        items = rows.all()
    return [
        _line(i.sent_at, settings.zone, i.action, i.ref, i.key, f"skipped: {i.status}")
        for i in items
    ]


async def _preview(settings: Settings, user_id: int, days: int) -> list[str]:

    db = Database(settings.database_url)
    try:
        now = Clock().now()
        async with db.session() as session:
            found, _last = await facts.load(session, now, settings, runner.schedule(), only=user_id)
        skipped = await _skipped(db, user_id, settings)
    finally:
        await db.dispose()
    if not found:
        return skipped
    who = found[0]
    planned = preview(
        who.person,
        who.history,
        now,
        days,
        runner.schedule(),
        runner.stages(),
        runner.priority_rule(),
        settings.zone,
        settings.quiet,
    )
    ahead = [
        _line(at, settings.zone, o.action, o.ref, o.key, f"will skip: {why}" if why else "")
        for at, o, why in planned
    ]
    return skipped + ahead


def run_preview(args: argparse.Namespace, settings: Settings) -> int:
    _ = cli_translator().gettext
    lines = asyncio.run(_preview(settings, args.user, args.days))
    if not lines:
        print(
            _(
                "Nothing scheduled: no consenting, unpaused person with id {id} who is "
                "pregnant or has a child, or nothing falls due in {days} days."
            ).format(id=args.user, days=args.days)
        )
        return 0
    print(_("Local time, what, which content, occurrence key (each is sent once):"))
    print("\n".join(lines))
    return 0


def add_parser(sub: argparse._SubParsersAction, settings: Callable[[], Settings]) -> None:
    """Registered by bot/__main__.py: `schedule preview --user ID [--days N]`."""
    schedule = sub.add_parser("schedule", help="scheduled follow-up (content/schedules)")
    schedule_sub = schedule.add_subparsers(dest="schedule_command", required=True)
    show = schedule_sub.add_parser("preview", help="what one person will receive")
    show.add_argument("--user", type=int, required=True, help="the person's Telegram user id")
    show.add_argument("--days", type=int, default=30, help="how many days ahead (default 30)")
    show.set_defaults(func=lambda args: run_preview(args, settings()))
