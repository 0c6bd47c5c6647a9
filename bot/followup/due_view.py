"""/due, one page at a time, cut in the database: follow-up tasks, the overdue priority
group and unacknowledged alerts, however many people a scope holds.

With 100,000 people, writing every overdue name in one message fails ("Message is too
long"); so each section is counted in SQL and read with LIMIT/OFFSET, as /ledger pages
(bot/ledger.py). A page holds at most PAGE_SIZE rows of each section; the number of pages
is that of the longest section. A supervisor also sees, per staff member of the
communities they supervise, how many tasks are open and how many are overdue.
No Telegram types here: bot/handlers/followup_tasks.py renders the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, not_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import ledger
from bot.domain.triage import Rules
from bot.ledger import Entry, Scope
from storage import ledger as queries
from storage.models import Alert, FollowupTask, Profile, Staff, StaffCommunity

PAGE_SIZE = 10
# A task open this long is overdue: the ladder hands it over after 30 h, and staff are
# told at the next daily digest; a day more and nobody has acted on it.
TASK_OVERDUE = timedelta(hours=24)
STAFF_ROWS = 20  # a supervisor's per-staff lines, most overdue first


@dataclass(frozen=True)
class StaffLoad:
    staff_id: int
    name: str | None
    open: int
    overdue: int


@dataclass(frozen=True)
class DuePage:
    number: int
    pages: int
    tasks: list[FollowupTask]
    tasks_total: int
    overdue: list[Entry]
    overdue_total: int
    alerts: list[Alert]
    alerts_total: int
    names: dict[int, str | None] = field(default_factory=dict)
    staff: list[StaffLoad] = field(default_factory=list)  # supervisors only

    @property
    def empty(self) -> bool:
        return not (self.tasks_total or self.overdue_total or self.alerts_total)

    def subject_ids(self) -> list[int]:
        ids = [t.user_id for t in self.tasks] + [e.user_id for e in self.overdue]
        return ids + [a.user_id for a in self.alerts]


def _tasks_query(scope: Scope):  # type: ignore[no-untyped-def]
    query = select(FollowupTask).where(col(FollowupTask.status) == "open")
    if scope.communities is not None:
        query = query.where(col(FollowupTask.community_code).in_(list(scope.communities)))
    return query


def _alerts_query(scope: Scope):  # type: ignore[no-untyped-def]
    query = select(Alert).where(col(Alert.status) == "open")
    if scope.communities is not None:
        query = query.where(col(Alert.community_code).in_(list(scope.communities)))
    return query


async def _count(session: AsyncSession, query) -> int:  # type: ignore[no-untyped-def]
    found = await session.exec(select(func.count()).select_from(query.subquery()))
    return int(found.one())


async def staff_load(session: AsyncSession, scope: Scope, now: datetime) -> list[StaffLoad]:
    """Open and overdue tasks of each staff member's communities, in a supervisor's scope."""
    if scope.communities is not None and not scope.communities:
        return []
    late = case((col(FollowupTask.created_at) < now - TASK_OVERDUE, 1), else_=0)
    query = (
        select(
            StaffCommunity.staff_id,
            Staff.display_name,
            func.count(col(FollowupTask.id)),
            func.coalesce(func.sum(late), 0),
        )
        .join(Staff, col(Staff.user_id) == col(StaffCommunity.staff_id))
        .join(FollowupTask, col(FollowupTask.community_code) == col(StaffCommunity.community_code))
        .where(
            col(Staff.role) == "staff",
            col(Staff.active).is_(True),
            col(FollowupTask.status) == "open",
        )
        .group_by(col(StaffCommunity.staff_id), col(Staff.display_name))
    )
    if scope.communities is not None:
        query = query.where(col(StaffCommunity.community_code).in_(list(scope.communities)))
    rows = (await session.exec(query)).all()
    loads = [StaffLoad(int(s), name, int(n), int(late_n)) for s, name, n, late_n in rows]
    loads.sort(key=lambda s: (-s.overdue, -s.open, s.staff_id))
    return loads[:STAFF_ROWS]


async def due_page(
    session: AsyncSession,
    scope: Scope,
    number: int,
    *,
    now: datetime,
    today: date,
    rules: Rules,
    size: int = PAGE_SIZE,
) -> DuePage:
    """Page `number` (clamped to the pages there are) of the due list of `scope`."""
    communities = scope.communities
    priority, followed = ledger._clauses(now, today, rules)
    tasks_q, alerts_q = _tasks_query(scope), _alerts_query(scope)
    tasks_total = await _count(session, tasks_q)
    alerts_total = await _count(session, alerts_q)
    overdue_total = await queries.count_people(session, communities, priority, not_(followed))
    pages = max(1, -(-max(tasks_total, alerts_total, overdue_total) // size))
    number = min(max(1, number), pages)
    offset = (number - 1) * size
    urgency = case((col(FollowupTask.urgency) == "priority", 0), else_=1)
    tasks = list(
        (
            await session.exec(
                tasks_q.order_by(urgency, col(FollowupTask.created_at), col(FollowupTask.id))
                .offset(offset)
                .limit(size)
            )
        ).all()
    )
    alerts = list(
        (
            await session.exec(
                alerts_q.order_by(col(Alert.created_at), col(Alert.id)).offset(offset).limit(size)
            )
        ).all()
    )
    ids = await queries.people_ids(
        session, communities, priority, not_(followed), offset=offset, limit=size
    )
    overdue = await ledger._entries_of(session, scope, ids, now=now, today=today, rules=rules)
    overdue.sort(key=lambda e: e.user_id)
    named = {t.user_id for t in tasks} | {a.user_id for a in alerts}
    names: dict[int, str | None] = {}
    if named:
        rows = await session.exec(
            select(Profile.user_id, Profile.display_name).where(
                col(Profile.user_id).in_(sorted(named))
            )
        )
        names = {int(u): n for u, n in rows.all()}
    staff = await staff_load(session, scope, now) if scope.role == "supervisor" else []
    return DuePage(
        number=number,
        pages=pages,
        tasks=tasks,
        tasks_total=tasks_total,
        overdue=overdue,
        overdue_total=overdue_total,
        alerts=alerts,
        alerts_total=alerts_total,
        names=names,
        staff=staff,
    )
