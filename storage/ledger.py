"""Queries behind the staff ledger (台账): the people of some communities and their state.

Every query takes the communities the viewer may see (None: all, for admins)
and filters in SQL, so one community's people never leave the database for
another community's staff.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Alert, Child, Note, Profile, Report


def _in_scope(  # type: ignore[no-untyped-def]
    communities: Sequence[str] | None, only: Sequence[int] | None = None
):
    """Consenting people of these communities (None: all); with `only`, just those ids."""
    conditions = [col(Profile.consent) == "given"]
    if communities is not None:
        conditions.append(col(Profile.community_code).in_(list(communities)))
    if only is not None:
        conditions.append(col(Profile.user_id).in_(list(only)))
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
    session: AsyncSession, communities: Sequence[str] | None, only: Sequence[int] | None = None
) -> dict[int, list[Child]]:
    rows = await session.exec(
        select(Child)
        .join(Profile, col(Profile.user_id) == col(Child.user_id))
        .where(_in_scope(communities, only))
        .order_by(col(Child.birth_date))
    )
    found: defaultdict[int, list[Child]] = defaultdict(list)
    for child in rows.all():
        found[child.user_id].append(child)
    return dict(found)


async def latest_reports(
    session: AsyncSession, communities: Sequence[str] | None, only: Sequence[int] | None = None
) -> dict[int, Report]:
    """Each person's newest report."""
    newest = (
        select(Report.user_id, func.max(Report.created_at).label("at"))
        .join(Profile, col(Profile.user_id) == col(Report.user_id))
        .where(_in_scope(communities, only))
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


async def latest_notes(
    session: AsyncSession, communities: Sequence[str] | None, only: Sequence[int] | None = None
) -> dict[int, Note]:
    newest = (
        select(Note.subject_user_id, func.max(Note.id).label("id"))
        .join(Profile, col(Profile.user_id) == col(Note.subject_user_id))
        .where(_in_scope(communities, only))
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
    session: AsyncSession,
    communities: Sequence[str] | None,
    since: datetime,
    only: Sequence[int] | None = None,
) -> set[int]:
    """People with a report of their own or a staff note since `since`."""
    reported = await session.exec(
        select(Report.user_id)
        .join(Profile, col(Profile.user_id) == col(Report.user_id))
        .where(_in_scope(communities, only), col(Report.created_at) >= since)
        .distinct()
    )
    noted = await session.exec(
        select(Note.subject_user_id)
        .join(Profile, col(Profile.user_id) == col(Note.subject_user_id))
        .where(_in_scope(communities, only), col(Note.created_at) >= since)
        .distinct()
    )
    return set(reported.all()) | set(noted.all())


# ---- one page of the ledger, ordered and cut in the database ---------------------------------
#
# The ledger's order is: the priority group first, then whoever has open alerts (most
# first), then the overdue, then by id. Open alerts are few (they are acknowledged within
# minutes), so those people are found through the alerts and placed by hand; everyone else
# falls in one of three runs in id order (priority and overdue, priority, the rest), each
# read with LIMIT/OFFSET along the profiles' primary key. So a page costs a few counts and
# a few short reads however many people there are, never a load of everyone.


def priority_clause(colours: Sequence[str], cutoff: date) -> ColumnElement[bool]:
    """Pregnant (no outcome yet) and a priority colour or a due date on or before `cutoff`
    (gestation at or past the priority week today). Never NULL."""
    return and_(
        col(Profile.pregnant).is_(True),
        col(Profile.pregnancy_outcome).is_(None),
        or_(
            and_(col(Profile.risk_colour).is_not(None), col(Profile.risk_colour).in_(colours)),
            and_(col(Profile.due_date).is_not(None), col(Profile.due_date) <= cutoff),
        ),
    )


def followed_up_clause(since: datetime) -> ColumnElement[bool]:
    """A report of her own or a staff note about her since `since`."""
    reported = select(Report.id).where(
        col(Report.user_id) == col(Profile.user_id), col(Report.created_at) >= since
    )
    noted = select(Note.id).where(
        col(Note.subject_user_id) == col(Profile.user_id), col(Note.created_at) >= since
    )
    return or_(reported.exists(), noted.exists())


async def with_open_alerts(
    session: AsyncSession, communities: Sequence[str] | None
) -> dict[int, int]:
    """People in scope with open alerts (raised in these communities): how many each."""
    query = (
        select(Alert.user_id, func.count())
        .join(Profile, col(Profile.user_id) == col(Alert.user_id))
        .where(col(Alert.status) == "open", _in_scope(communities))
        .group_by(col(Alert.user_id))
    )
    if communities is not None:
        query = query.where(col(Alert.community_code).in_(list(communities)))
    return {int(user_id): int(n) for user_id, n in (await session.exec(query)).all()}


async def count_people(
    session: AsyncSession, communities: Sequence[str] | None, *conditions: ColumnElement[bool]
) -> int:
    if communities is not None and not communities:
        return 0
    query = select(func.count()).select_from(Profile).where(_in_scope(communities), *conditions)
    return int((await session.exec(query)).one())


async def people_ids(
    session: AsyncSession,
    communities: Sequence[str] | None,
    *conditions: ColumnElement[bool],
    offset: int,
    limit: int | None,
) -> list[int]:
    """Ids in scope meeting `conditions`, in id order, from `offset` (at most `limit`)."""
    if (limit is not None and limit <= 0) or (communities is not None and not communities):
        return []
    query = (
        select(Profile.user_id)
        .where(_in_scope(communities), *conditions)
        .order_by(col(Profile.user_id))
        .offset(offset)
        .limit(limit)
    )
    return [int(i) for i in (await session.exec(query)).all()]


async def profiles_of(session: AsyncSession, ids: Sequence[int]) -> list[Profile]:
    if not ids:
        return []
    rows = await session.exec(select(Profile).where(col(Profile.user_id).in_(list(ids))))
    return list(rows.all())
