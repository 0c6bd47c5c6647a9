"""The inbox: every received update, recorded durably before it is acknowledged.

Recording is an insert that ignores a key already present, so the same
update_id delivered twice (a webhook retry, or two workers) is recorded once
and only its first arrival is handled. Rows stay `pending` until handled; a
worker's claim is a lease, so updates a dead worker held are found and handled
by another (or by the same worker after a restart).

Times here are wall-clock UTC, not the application clock: leases are about
processes dying, not about the people's calendar that tests move by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import InboxUpdate

PENDING = "pending"
DONE = "done"


def wall_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Received:
    update_id: int
    person: int
    payload: dict[str, Any]


def _is_postgres(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


async def record(
    session: AsyncSession, updates: Sequence[Received], *, owner: str, lease: timedelta
) -> set[int]:
    """Insert what is new; return the update ids that were not recorded before."""
    if not updates:
        return set()
    now = wall_now()
    insert = postgresql.insert if _is_postgres(session) else sqlite.insert
    stmt = (
        insert(InboxUpdate)
        .values(
            [
                {
                    "update_id": u.update_id,
                    "person": u.person,
                    "payload": u.payload,
                    "status": PENDING,
                    "leased_by": owner,
                    "leased_until": now + lease,
                    "attempts": 0,
                    "received_at": now,
                }
                for u in updates
            ]
        )
        .on_conflict_do_nothing(index_elements=[InboxUpdate.update_id])
        .returning(col(InboxUpdate.update_id))
    )
    result = await session.exec(stmt)  # type: ignore[call-overload]
    return {row[0] for row in result.all()}


async def is_pending(session: AsyncSession, update_id: int) -> bool:
    result = await session.exec(
        select(InboxUpdate.status).where(col(InboxUpdate.update_id) == update_id)
    )
    return result.first() == PENDING


async def pending_before(session: AsyncSession, person: int, update_id: int) -> list[InboxUpdate]:
    """This person's unhandled updates older than `update_id`, oldest first: handled
    before it, so one person's updates keep their order whichever worker got them."""
    rows = await session.exec(
        select(InboxUpdate)
        .where(
            col(InboxUpdate.person) == person,
            col(InboxUpdate.status) == PENDING,
            col(InboxUpdate.update_id) < update_id,
        )
        .order_by(col(InboxUpdate.update_id))
    )
    return list(rows.all())


async def mark_done(session: AsyncSession, update_id: int) -> None:
    """Handled: the payload (what the person typed) is not kept."""
    await session.exec(  # type: ignore[call-overload]
        update(InboxUpdate)
        .where(col(InboxUpdate.update_id) == update_id)
        .values(status=DONE, payload={}, handled_at=wall_now(), leased_by=None, leased_until=None)
    )


async def claim_orphans(
    session: AsyncSession, *, owner: str, lease: timedelta, limit: int, everything: bool = False
) -> list[InboxUpdate]:
    """Lease pending updates nobody is handling (their lease ran out), oldest first.

    `everything` takes every pending row whatever its lease: for a lone worker
    starting up (SQLite), whose predecessor is known to be gone.
    """
    now = wall_now()
    free = or_(col(InboxUpdate.leased_until).is_(None), col(InboxUpdate.leased_until) <= now)
    pick = select(InboxUpdate.update_id).where(col(InboxUpdate.status) == PENDING)
    if everything:
        pick = pick.where(
            or_(col(InboxUpdate.leased_by).is_(None), col(InboxUpdate.leased_by) != owner)
        )
    else:
        pick = pick.where(free)
    pick = pick.order_by(col(InboxUpdate.update_id)).limit(limit)
    if _is_postgres(session):
        pick = pick.with_for_update(skip_locked=True)
    ids = [i for i in (await session.exec(pick)).all()]
    if not ids:
        return []
    await session.exec(  # type: ignore[call-overload]
        update(InboxUpdate)
        .where(col(InboxUpdate.update_id).in_(ids), col(InboxUpdate.status) == PENDING)
        .values(leased_by=owner, leased_until=now + lease)
    )
    rows = await session.exec(
        select(InboxUpdate)
        .where(col(InboxUpdate.update_id).in_(ids), col(InboxUpdate.leased_by) == owner)
        .order_by(col(InboxUpdate.update_id))
        .execution_options(populate_existing=True)
    )
    return list(rows.all())


async def purge_handled(session: AsyncSession, older_than: timedelta) -> int:
    """Forget handled updates once Telegram can no longer redeliver them (it keeps
    undelivered updates for 24 hours)."""
    result = await session.exec(  # type: ignore[call-overload]
        delete(InboxUpdate).where(
            col(InboxUpdate.status) == DONE, col(InboxUpdate.handled_at) < wall_now() - older_than
        )
    )
    return int(result.rowcount or 0)


async def counts(session: AsyncSession) -> dict[str, int]:
    rows = await session.exec(
        select(InboxUpdate.status, func.count()).group_by(col(InboxUpdate.status))
    )
    return {status: int(n) for status, n in rows.all()}
