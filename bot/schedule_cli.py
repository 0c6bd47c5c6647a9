"""`python -m bot schedule preview --user ID [--days 30]`: what one person will receive.

Reads her profile and what she was already sent, then runs the runner's own
planner forward hour by hour (assuming she answers every question), so an admin
or a health authority can check a schedule edit against a real person.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable

from bot.cli_locale import cli_translator
from bot.clock import Clock
from bot.config import Settings
from bot.domain.followup_plan import preview
from bot.followup import facts, runner
from storage.db import Database


async def _preview(settings: Settings, user_id: int, days: int) -> list[str]:

    db = Database(settings.database_url)
    try:
        now = Clock().now()
        async with db.session() as session:
            found, _last = await facts.load(session, now, settings, runner.schedule(), only=user_id)
    finally:
        await db.dispose()
    if not found:
        return []
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
    return [
        f"{at.astimezone(settings.zone):%Y-%m-%d %H:%M}  {o.action:<8} {o.ref:<24} {o.key}"
        for at, o in planned
    ]


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
