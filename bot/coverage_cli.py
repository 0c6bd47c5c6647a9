"""Which communities have nobody to hear their alerts: `python -m bot communities coverage`.

An alert goes to the community's staff, else its supervisors, else the admins
(bot/alerts.py). A community without staff or without a supervisor is a gap an admin must
see before a mother is told "your health worker knows": the command lists them, and the
bot logs the same warning when it starts.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from storage.db import Database
from storage.models import Community, Profile, Staff, StaffCommunity

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Coverage:
    code: str
    name: str
    staff: int
    supervisors: int
    people: int  # profiles registered in the community

    @property
    def gap(self) -> bool:
        return self.staff == 0 or self.supervisors == 0


async def community_coverage(session: AsyncSession) -> list[Coverage]:
    """Active staff and supervisors, and registered people, per community, by code."""
    counts: dict[tuple[str, str], int] = {}
    rows = await session.exec(
        select(StaffCommunity.community_code, Staff.role, func.count())
        .join(Staff, col(Staff.user_id) == col(StaffCommunity.staff_id))
        .where(col(Staff.active).is_(True))
        .group_by(StaffCommunity.community_code, Staff.role)
    )
    for code, role, n in rows.all():
        counts[(code, role)] = n
    people = dict(
        (
            await session.exec(
                select(Profile.community_code, func.count()).group_by(Profile.community_code)
            )
        ).all()
    )
    communities = await session.exec(select(Community).order_by(Community.code))
    return [
        Coverage(
            c.code,
            c.name_en,
            counts.get((c.code, "staff"), 0),
            counts.get((c.code, "supervisor"), 0),
            people.get(c.code, 0),
        )
        for c in communities.all()
    ]


async def people_without_community(session: AsyncSession) -> int:
    found = await session.exec(
        select(func.count()).select_from(Profile).where(col(Profile.community_code).is_(None))
    )
    return int(found.one())


def describe_gaps(rows: list[Coverage], homeless: int, settings: Settings) -> list[str]:
    lines = []
    for row in rows:
        if not row.gap:
            continue
        missing = [
            name for name, n in (("staff", row.staff), ("supervisor", row.supervisors)) if not n
        ]
        fallback = "supervisors" if row.supervisors else "admins"
        lines.append(
            f"{row.code} {row.name}: no {' and no '.join(missing)} "
            f"({row.people} people; alerts go to the {fallback})"
        )
    if homeless:
        lines.append(f"{homeless} people have no community: their alerts go to the admins")
    if lines and not settings.admin_ids:
        lines.append("ADMIN_IDS is empty: alerts with no staff or supervisor reach nobody")
    return lines


async def _gaps(db: Database, settings: Settings) -> tuple[list[Coverage], list[str]]:
    async with db.session() as session:
        rows = await community_coverage(session)
        homeless = await people_without_community(session)
    return rows, describe_gaps(rows, homeless, settings)


async def warn_about_coverage(runtime: object) -> None:
    """At start: one warning line per gap, so an admin sees it in the log."""
    _rows, gaps = await _gaps(runtime.db, runtime.settings)  # type: ignore[attr-defined]
    for gap in gaps:
        log.warning("coverage: %s", gap)


async def coverage_report(db: Database, settings: Settings) -> tuple[int, str]:
    """The table and the gaps as text, and the exit code: 1 when there is a gap."""
    rows, gaps = await _gaps(db, settings)
    lines = ["code\tstaff\tsupervisors\tpeople\tname"]
    lines += [f"{r.code}\t{r.staff}\t{r.supervisors}\t{r.people}\t{r.name}" for r in rows]
    if gaps:
        return 1, "\n".join([*lines, "", "Gaps:", *(f"- {gap}" for gap in gaps)])
    return 0, "\n".join([*lines, "", "Every community has staff and a supervisor."])


def run_coverage(args: argparse.Namespace, settings: Settings) -> int:
    """Print every community with its staff and supervisor count; exit 1 on a gap."""

    async def main() -> tuple[int, str]:
        db = Database(settings.database_url)
        try:
            await db.upgrade()
            return await coverage_report(db, settings)
        finally:
            await db.dispose()

    code, text = asyncio.run(main())
    print(text)
    return code


def add_parser(communities_sub: argparse._SubParsersAction, settings: object) -> None:
    """Registered by bot/__main__.py under `communities`."""
    coverage = communities_sub.add_parser(
        "coverage", help="communities without staff or supervisor (exit 1 if any)"
    )
    coverage.set_defaults(func=lambda args: run_coverage(args, settings()))  # type: ignore[operator]
