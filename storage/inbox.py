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

from sqlalchemy import JSON, and_, bindparam, case, delete, or_, type_coerce, update
from sqlalchemy import select as core_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import InboxUpdate

PENDING = "pending"
DONE = "done"
# Not a stored value: a pending row whose effects are committed and whose `resend`
# request has not been confirmed by Telegram (see `status_expression`).
APPLIED = "applied"


def wall_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Received:
    update_id: int
    person: int
    payload: dict[str, Any]


# The hot path (recording, the status check, marking handled) runs as Core statements on
# the connection: no ORM identity map, unit-of-work flush or attribute bookkeeping per
# update, and statements the compiled cache keeps (they never change shape).
Target = AsyncSession | AsyncConnection
_TABLE = InboxUpdate.__table__  # type: ignore[attr-defined]


async def _connection(target: Target) -> AsyncConnection:
    return await target.connection() if isinstance(target, AsyncSession) else target


def _is_postgres(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


def _insert_new(dialect: str):  # type: ignore[no-untyped-def]
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(_TABLE)
        .on_conflict_do_nothing(index_elements=[_TABLE.c.update_id])
        .returning(_TABLE.c.update_id)
    )


async def record(
    target: Target, updates: Sequence[Received], *, owner: str, lease: timedelta
) -> set[int]:
    """Insert what is new; return the update ids that were not recorded before.

    One statement for the whole batch (SQLAlchemy's insertmanyvalues), whose compiled
    form is cached whatever the batch size."""
    if not updates:
        return set()
    connection = await _connection(target)
    now = wall_now()
    rows = [
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
    result = await connection.execute(_insert_new(connection.dialect.name), rows)
    return {row[0] for row in result.all()}


def status_expression(table: Any = _TABLE) -> Any:
    """The row's status as the processor sees it: `applied` for a pending row whose
    effects are already committed (it has a request to send again)."""
    c = table.c
    applied = and_(c.status == PENDING, c.resend.is_not(None))
    return case((applied, APPLIED), else_=c.status)


async def mark_applied(target: Target, update_id: int, resend: dict[str, Any] | None) -> None:
    """In the transaction that commits the update's effects: they are in, and `resend`
    is the request about to go out. A replay sends it again rather than handling the
    update on top of its own effects (docs/exactly-once.md). `None` (a request that
    cannot be kept, e.g. a file upload) is stored as an empty request: nothing to send."""
    await (await _connection(target)).execute(
        update(_TABLE).where(_TABLE.c.update_id == update_id).values(resend=resend or {})
    )


async def resend_of(target: Target, update_id: int) -> dict[str, Any]:
    """The request recorded with an applied update's effects ({} for none)."""
    query = core_select(_TABLE.c.resend).where(_TABLE.c.update_id == update_id)
    value = (await (await _connection(target)).execute(query)).scalar()
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Older:
    update_id: int
    payload: dict[str, Any]
    status: str = PENDING


async def status_and_older(
    target: Target, person: int, update_id: int, *, older: bool
) -> tuple[str | None, list[Older]]:
    """The update's status (None: not in the inbox) and, with `older`, this person's
    unhandled updates before it, oldest first: handled before it, so one person's
    updates keep their order whichever worker got them. One statement for both."""
    c = _TABLE.c
    this = c.update_id == update_id
    where = this
    if older:
        earlier = and_(c.person == person, c.status == PENDING, c.update_id < update_id)
        where = or_(this, earlier)
    # Its own payload is not needed (the update is in hand): only the older ones'.
    payload = type_coerce(case((this, None), else_=c.payload), JSON)
    query = core_select(c.update_id, status_expression(), payload).where(where)
    rows = (await (await _connection(target)).execute(query.order_by(c.update_id))).all()
    status = None
    found: list[Older] = []
    for row_id, row_status, row_payload in rows:
        if row_id == update_id:
            status = row_status
        else:
            found.append(Older(row_id, row_payload, row_status))
    return status, found


def _done(now: datetime) -> dict[str, Any]:
    # Handled: the payload (what the person typed) is not kept.
    return {
        "status": DONE,
        "payload": {},
        "resend": None,
        "handled_at": now,
        "leased_by": None,
        "leased_until": None,
    }


async def mark_done(target: Target, update_id: int) -> None:
    """Mark one update handled."""
    await mark_many_done(target, [update_id])


_MARK_MANY = update(_TABLE).where(_TABLE.c.update_id.in_(bindparam("ids", expanding=True)))


async def mark_many_done(target: Target, update_ids: Sequence[int]) -> None:
    """Mark updates handled in one statement (bot/processing/done.py)."""
    await (await _connection(target)).execute(
        _MARK_MANY.values(_done(wall_now())), {"ids": list(update_ids)}
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
