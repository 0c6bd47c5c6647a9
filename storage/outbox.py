"""Claiming and settling outbox rows: the queries of the delivery worker.

A row is `pending` until it is settled as `sent`, `blocked` (403: the person
blocked the bot), `failed` (Telegram refused it for good) or `skipped` (an
edit of a message that never arrived). While a worker sends it, a pending row
carries a lease (`leased_by`, `leased_until`); a worker that dies leaves the
lease to expire and the row is claimed again, so nothing is lost.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, and_, bindparam, exists, func, literal_column, or_, text, update
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Outbox, User

PENDING = "pending"
SENT = "sent"
BLOCKED = "blocked"
FAILED = "failed"
SKIPPED = "skipped"
FINAL = (SENT, BLOCKED, FAILED, SKIPPED)

# 'pending' written into the claim's SQL rather than bound: a prepared statement's
# generic plan can then use the partial indexes on pending rows (migration 0011); with
# a parameter it cannot know that only pending rows are asked for.
_PENDING_SQL = literal_column("'pending'")

# Serialises claims across workers (see claim_due); any constant all workers share.
CLAIM_LOCK = 0x6D636801

# Messages that show an alert to staff, and the edits that keep them current.
COPY_KINDS = ("alert", "escalation")
EDIT_KIND = "alert_edit"


def _claimable(row: type[Outbox], now: Any):  # type: ignore[no-untyped-def]
    """Due, not leased, its predecessor settled, and no live lease on the same chat.

    The last condition keeps one chat's messages with one worker at a time, so
    the per-chat pace holds across workers and messages to a chat stay in order.
    """
    before = aliased(Outbox)
    busy = aliased(Outbox)
    return and_(
        col(row.status) == _PENDING_SQL,
        col(row.next_attempt_at) <= now,
        or_(col(row.leased_until).is_(None), col(row.leased_until) <= now),
        or_(
            col(row.after_id).is_(None),
            ~exists().where(
                col(before.id) == col(row.after_id), col(before.status) == _PENDING_SQL
            ),
        ),
        ~exists().where(
            col(busy.chat_id) == col(row.chat_id),
            col(busy.status) == _PENDING_SQL,
            col(busy.leased_until) > now,
        ),
    )


# PostgreSQL looks first at this many times `limit` of the most urgent due rows.
SCAN_FACTOR = 4

# The claim's statements are built once, with the moment, the limit and the token as
# parameters: building them (aliases, correlated subqueries) for every claim cost more
# CPU than running them, a quarter of the worker's time at 1,000 messages a second.
_NOW = bindparam("now", type_=Outbox.__table__.c.next_attempt_at.type)  # type: ignore[attr-defined]
_LIMIT = bindparam("limit", type_=Integer)
_SCAN = bindparam("scan", type_=Integer)


_LOCK_STATEMENT = text("SELECT pg_advisory_xact_lock(:key), set_config('jit', 'off', true)")


@functools.cache
def _pick_statement(windowed: bool):  # type: ignore[no-untyped-def]
    """Claimable row ids in lane order, locked (PostgreSQL). Windowed: only among the
    first `scan` due rows in index order; on a fresh 20,000-row broadcast the planner
    otherwise joins every pending row against every lease before sorting. Each row
    also carries how many rows the window held (None unwindowed): a window that was not
    full held every due row, so a short answer needs no second look."""
    candidate = aliased(Outbox)
    if not windowed:
        query = select(candidate.id, literal_column("NULL").label("seen"))
    else:
        window = (
            select(Outbox.id)
            .where(
                col(Outbox.status) == _PENDING_SQL,
                col(Outbox.next_attempt_at) <= _NOW,
                or_(col(Outbox.leased_until).is_(None), col(Outbox.leased_until) <= _NOW),
            )
            .order_by(col(Outbox.priority), col(Outbox.next_attempt_at), col(Outbox.id))
            .limit(_SCAN)
            .cte("window")
            .prefix_with("MATERIALIZED")  # or the planner folds it back into the big join
        )
        seen = select(func.count()).select_from(window).scalar_subquery()
        query = select(candidate.id, seen.label("seen")).join(
            window, window.c.id == candidate.id
        )
    return (
        query.where(_claimable(candidate, _NOW))
        .order_by(col(candidate.priority), col(candidate.next_attempt_at), col(candidate.id))
        .limit(_LIMIT)
        .with_for_update(skip_locked=True, of=candidate)
    )


@functools.cache
def _claim_sqlite_statement():  # type: ignore[no-untyped-def]
    """SQLite: one conditional UPDATE picks, leases and returns the rows (one writer at
    a time)."""
    candidate = aliased(Outbox)
    pick = (
        select(candidate.id)
        .where(_claimable(candidate, _NOW))
        .order_by(col(candidate.priority), col(candidate.next_attempt_at), col(candidate.id))
        .limit(_LIMIT)
    )
    return (
        update(Outbox)
        .where(
            col(Outbox.id).in_(pick),
            col(Outbox.status) == PENDING,
            or_(col(Outbox.leased_until).is_(None), col(Outbox.leased_until) <= _NOW),
        )
        .values(leased_until=bindparam("until"), leased_by=bindparam("token"))
        .returning(Outbox)
        .execution_options(populate_existing=True, synchronize_session=False)
    )


@functools.cache
def _lease_statement():  # type: ignore[no-untyped-def]
    """PostgreSQL: lease the picked rows and return them, in one round trip."""
    return (
        update(Outbox)
        .where(col(Outbox.id).in_(bindparam("ids", expanding=True)))
        .values(leased_until=bindparam("until"), leased_by=bindparam("token"))
        .returning(Outbox)
        .execution_options(populate_existing=True, synchronize_session=False)
    )


async def _pick_postgres(
    session: AsyncSession, now: datetime, limit: int, *, scan: int | None
) -> tuple[list[int], int | None]:
    """Picked ids, and how many due rows the window held (None without a window)."""
    picked = await session.exec(  # type: ignore[call-overload]
        _pick_statement(scan is not None),
        params={"now": now, "limit": limit, "scan": scan or limit},
    )
    rows = picked.all()
    return [r[0] for r in rows if r[0] is not None], (rows[0][1] if rows else None)


async def claim_due(
    session: AsyncSession, *, token: str, now: datetime, lease: timedelta, limit: int
) -> list[Outbox]:
    """Lease up to `limit` due rows to `token`, most urgent lane first, then oldest;
    no other claimer can get the same row. Returned in id order.

    PostgreSQL: claims take turns under a transaction-scoped advisory lock, so
    each claimer sees the leases the previous one committed; without it two
    workers claiming at the same instant could each take one message of the
    same chat (the busy-chat test cannot see an uncommitted lease) and send
    them out of order. The candidates are still locked FOR UPDATE SKIP LOCKED,
    and the lease is set in the same short transaction. SQLite has one writer
    at a time, so a single conditional UPDATE is atomic on its own.

    Round trips on PostgreSQL: begin, lock, pick, lease (returning the rows), commit;
    a second pick only when a full window held fewer claimable rows than asked for.
    """
    until = now + lease
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        # A claim is a short OLTP query: compiling it (JIT) cost more than running it, so
        # JIT is off for this transaction (SET LOCAL), in the lock's round trip.
        await session.exec(_LOCK_STATEMENT.bindparams(key=CLAIM_LOCK))  # type: ignore[call-overload]
        scan = limit * SCAN_FACTOR
        ids, seen = await _pick_postgres(session, now, limit, scan=scan)
        if len(ids) < limit and (seen is None or seen >= scan):
            # The window was full and blocked (busy chats, chained edits), or nothing in
            # it could go: look at every due row.
            ids, _ = await _pick_postgres(session, now, limit, scan=None)
        if not ids:
            return []
        result = await session.exec(  # type: ignore[call-overload]
            _lease_statement(), params={"ids": ids, "until": until, "token": token}
        )
    else:
        result = await session.exec(  # type: ignore[call-overload]
            _claim_sqlite_statement(),
            params={"now": now, "limit": limit, "until": until, "token": token},
        )
    rows: list[Outbox] = list(result.scalars().all())
    rows.sort(key=lambda row: row.id or 0)
    return rows


async def mark_sent(
    session: AsyncSession, row_id: int, *, now: datetime, message_id: int | None, tries: int = 1
) -> None:
    """Record a send. Not guarded by the lease: once Telegram has the message, the
    row must stop being pending whoever holds it, or it would be sent again."""
    await session.exec(  # type: ignore[call-overload]
        update(Outbox)
        .where(col(Outbox.id) == row_id, col(Outbox.status) == PENDING)
        .values(
            status=SENT,
            sent_at=now,
            message_id=message_id,
            attempts=col(Outbox.attempts) + tries,
            leased_until=None,
            leased_by=None,
            last_error=None,
        )
    )


_SENT_MANY = (
    update(Outbox.__table__)  # type: ignore[arg-type]
    .where(
        Outbox.__table__.c.id == bindparam("row_id"),  # type: ignore[attr-defined]
        Outbox.__table__.c.status == PENDING,  # type: ignore[attr-defined]
    )
    .values(
        status=SENT,
        sent_at=bindparam("sent_at"),
        message_id=bindparam("sent_message_id"),
        attempts=Outbox.__table__.c.attempts + bindparam("tries"),  # type: ignore[attr-defined]
        leased_until=None,
        leased_by=None,
        last_error=None,
    )
)


async def mark_sent_many(
    session: AsyncSession, sent: Sequence[tuple[int, int | None, int, datetime]]
) -> None:
    """`mark_sent` for many rows in one statement run many times (row id, message id,
    tries, sent at): at a thousand messages a second, building one ORM UPDATE per row cost more
    CPU than sending the messages."""
    if not sent:
        return
    connection = await session.connection()
    await connection.execute(
        _SENT_MANY,
        [
            {"row_id": row_id, "sent_at": at, "sent_message_id": message_id, "tries": tries}
            for row_id, message_id, tries, at in sent
        ],
    )


async def mark_final(
    session: AsyncSession, row_id: int, status: str, *, error: str | None = None, tries: int = 1
) -> None:
    """Settle a row that must never be tried again (blocked, failed, skipped)."""
    assert status in FINAL
    await session.exec(  # type: ignore[call-overload]
        update(Outbox)
        .where(col(Outbox.id) == row_id, col(Outbox.status) == PENDING)
        .values(
            status=status,
            attempts=col(Outbox.attempts) + tries,
            leased_until=None,
            leased_by=None,
            last_error=(error or "")[:200] or None,
        )
    )


async def reschedule(
    session: AsyncSession, row_id: int, token: str, *, at: datetime, error: str, tries: int = 1
) -> None:
    """Give the row back with its next attempt at `at` (after a transient failure)."""
    await session.exec(  # type: ignore[call-overload]
        update(Outbox)
        .where(
            col(Outbox.id) == row_id, col(Outbox.status) == PENDING, col(Outbox.leased_by) == token
        )
        .values(
            next_attempt_at=at,
            attempts=col(Outbox.attempts) + tries,
            leased_until=None,
            leased_by=None,
            last_error=error[:200],
        )
    )


async def release(session: AsyncSession, row_ids: Sequence[int], token: str) -> None:
    """Hand back rows this claim did not get to; they are due again at once."""
    if not row_ids:
        return
    await session.exec(  # type: ignore[call-overload]
        update(Outbox)
        .where(
            col(Outbox.id).in_(row_ids),
            col(Outbox.status) == PENDING,
            col(Outbox.leased_by) == token,
        )
        .values(leased_until=None, leased_by=None)
    )


async def release_all(session: AsyncSession, token_prefix: str) -> None:
    """Hand back every lease a stopping worker still holds."""
    await session.exec(  # type: ignore[call-overload]
        update(Outbox)
        .where(
            col(Outbox.status) == PENDING,
            col(Outbox.leased_by).startswith(token_prefix, autoescape=True),
        )
        .values(leased_until=None, leased_by=None)
    )


async def next_wakeup(session: AsyncSession) -> datetime | None:
    """When the earliest pending row becomes due (or its lease runs out)."""
    result = await session.exec(
        select(
            func.min(func.coalesce(col(Outbox.leased_until), col(Outbox.next_attempt_at)))
        ).where(col(Outbox.status) == PENDING)
    )
    value = result.first()
    return value if isinstance(value, datetime) else None


async def get_row(session: AsyncSession, row_id: int) -> Outbox | None:
    return await session.get(Outbox, row_id, populate_existing=True)


async def deactivate_chat(session: AsyncSession, chat_id: int, now: datetime) -> None:
    """The person blocked the bot: stop counting them as reachable until they write again."""
    await session.exec(  # type: ignore[call-overload]
        update(User)
        .where(col(User.chat_id) == chat_id, col(User.active).is_(True))
        .values(active=False, updated_at=now)
    )


async def alert_copies(session: AsyncSession, alert_id: int) -> list[Outbox]:
    """Every message that showed this alert to someone (staff alerts and escalations)."""
    rows = await session.exec(
        select(Outbox)
        .where(col(Outbox.alert_id) == alert_id, col(Outbox.kind).in_(COPY_KINDS))
        .order_by(col(Outbox.id))
    )
    return list(rows.all())


async def last_edit_of(session: AsyncSession, copy: Outbox) -> Outbox | None:
    """The newest edit queued for one alert message, to chain the next one after it."""
    rows = await session.exec(
        select(Outbox)
        .where(
            col(Outbox.alert_id) == copy.alert_id,
            col(Outbox.chat_id) == copy.chat_id,
            col(Outbox.kind) == EDIT_KIND,
        )
        .order_by(col(Outbox.id).desc())
    )
    for row in rows.all():
        if row.payload.get("edit_of") == copy.id:
            return row
    return None


async def count_edits(session: AsyncSession, alert_id: int) -> int:
    result = await session.exec(
        select(func.count())
        .select_from(Outbox)
        .where(col(Outbox.alert_id) == alert_id, col(Outbox.kind) == EDIT_KIND)
    )
    return int(result.one())


async def messages_of_alerts(session: AsyncSession, alert_ids: Sequence[int]) -> list[Outbox]:
    """Every outbox row about these alerts: copies, updates and their edits, in any state."""
    if not alert_ids:
        return []
    rows = await session.exec(
        select(Outbox).where(col(Outbox.alert_id).in_(alert_ids)).order_by(col(Outbox.id))
    )
    return list(rows.all())


def in_flight(row: Outbox, now: datetime) -> bool:
    """A worker holds this row and may be sending it right now."""
    return row.status == PENDING and row.leased_until is not None and row.leased_until > now
