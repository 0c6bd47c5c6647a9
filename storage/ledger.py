"""Queries behind the staff ledger (台账): the people of some communities and their state.

Every query takes the communities the viewer may see (None: all, for admins)
and filters in SQL, so one community's people never leave the database for
another community's staff.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Alert, Child, Note, Profile, Report


def _in_scope(communities: Sequence[str] | None):  # type: ignore[no-untyped-def]
    conditions = [col(Profile.consent) == "given"]
    if communities is not None:
        conditions.append(col(Profile.community_code).in_(list(communities)))
    return and_(*conditions)


async def people(session: AsyncSession, communities: Sequence[str] | None) -> list[Profile]:
    """Consenting people registered in these communities."""
    if communities is not None and not communities:
        return []
    rows = await session.exec(
        select(Profile).where(_in_scope(communities)).order_by(col(Profile.user_id))
    )
    return list(rows.all())


async def children(
    session: AsyncSession, communities: Sequence[str] | None
) -> dict[int, list[Child]]:
    rows = await session.exec(
        select(Child)
        .join(Profile, col(Profile.user_id) == col(Child.user_id))
        .where(_in_scope(communities))
        .order_by(col(Child.birth_date))
    )
    found: defaultdict[int, list[Child]] = defaultdict(list)
    for child in rows.all():
        found[child.user_id].append(child)
    return dict(found)


async def latest_reports(
    session: AsyncSession, communities: Sequence[str] | None
) -> dict[int, Report]:
    """Each person's newest report."""
    newest = (
        select(Report.user_id, func.max(Report.created_at).label("at"))
        .join(Profile, col(Profile.user_id) == col(Report.user_id))
        .where(_in_scope(communities))
        .group_by(col(Report.user_id))
        .subquery()
    )
    rows = await session.exec(
        select(Report)
        .join(
            newest,
            and_(
                col(Report.user_id) == newest.c.user_id,
                col(Report.created_at) == newest.c.at,
            ),
        )
        .order_by(col(Report.id))
    )
    return {report.user_id: report for report in rows.all()}  # the last id wins a tie


async def latest_notes(session: AsyncSession, communities: Sequence[str] | None) -> dict[int, Note]:
    newest = (
        select(Note.subject_user_id, func.max(Note.id).label("id"))
        .join(Profile, col(Profile.user_id) == col(Note.subject_user_id))
        .where(_in_scope(communities))
        .group_by(col(Note.subject_user_id))
        .subquery()
    )
    rows = await session.exec(select(Note).join(newest, col(Note.id) == newest.c.id))
    return {note.subject_user_id: note for note in rows.all()}


async def open_alerts(session: AsyncSession, communities: Sequence[str] | None) -> list[Alert]:
    """Alerts nobody has acknowledged yet, oldest first.

    Scoped by the alert's community (where it was raised), not the person's
    current one, matching who was told about it.
    """
    query = select(Alert).where(col(Alert.status) == "open")
    if communities is not None:
        query = query.where(col(Alert.community_code).in_(list(communities)))
    rows = await session.exec(query.order_by(col(Alert.created_at), col(Alert.id)))
    return list(rows.all())


async def last_report_or_note(
    session: AsyncSession, communities: Sequence[str] | None, since: datetime
) -> set[int]:
    """People with a report of their own or a staff note since `since`."""
    reported = await session.exec(
        select(Report.user_id)
        .join(Profile, col(Profile.user_id) == col(Report.user_id))
        .where(_in_scope(communities), col(Report.created_at) >= since)
        .distinct()
    )
    noted = await session.exec(
        select(Note.subject_user_id)
        .join(Profile, col(Profile.user_id) == col(Note.subject_user_id))
        .where(_in_scope(communities), col(Note.created_at) >= since)
        .distinct()
    )
    return set(reported.all()) | set(noted.all())
