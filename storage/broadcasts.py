"""The queries of broadcasts: the population, recipients' rows, figures and outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import outbox as store
from storage.models import Broadcast, Child, Community, Dialog, Outbox, Profile, User

KIND = "broadcast"
CANCELLED = "cancelled"  # the reason on rows a cancel took out (status skipped)


async def population(
    session: AsyncSession,
) -> list[tuple[User, Profile, Community | None, list[date]]]:
    """Everyone who consented: their user row, profile, community and children's births."""
    rows = await session.exec(
        select(User, Profile, Community)
        .join(Profile, col(Profile.user_id) == col(User.id))
        .join(Community, col(Community.code) == col(Profile.community_code), isouter=True)
        .where(col(Profile.consent) == "given")
        .order_by(col(User.id))
    )
    births: dict[int, list[date]] = {}
    for child in (await session.exec(select(Child))).all():
        births.setdefault(child.user_id, []).append(child.birth_date)
    return [(u, p, c, births.get(u.id, [])) for u, p, c in rows.all()]


async def insert_recipients(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """One outbox row per recipient, in the caller's transaction (a single multi-row insert)."""
    for start in range(0, len(rows), 1000):
        await session.exec(insert(Outbox).values(list(rows[start : start + 1000])))  # type: ignore[call-overload]


async def cancel_pending(session: AsyncSession, broadcast_id: int, now: datetime) -> int:
    """Take out every recipient not yet sent and not in a worker's hands right now.

    A row a worker holds may already be on its way to Telegram; it is left to be
    recorded as what it became (the claim filter skips any that come back).
    """
    result = await session.exec(  # type: ignore[call-overload]
        update(Outbox)
        .where(
            col(Outbox.broadcast_id) == broadcast_id,
            col(Outbox.status) == store.PENDING,
            or_(col(Outbox.leased_until).is_(None), col(Outbox.leased_until) <= now),
        )
        .values(status=store.SKIPPED, last_error=CANCELLED)
    )
    return int(result.rowcount or 0)


async def skip_rows(session: AsyncSession, row_ids: Sequence[int]) -> None:
    await session.exec(  # type: ignore[call-overload]
        update(Outbox)
        .where(col(Outbox.id).in_(row_ids), col(Outbox.status) == store.PENDING)
        .values(status=store.SKIPPED, last_error=CANCELLED, leased_until=None, leased_by=None)
    )


async def hold_rows(session: AsyncSession, row_ids: Sequence[int], until: datetime) -> None:
    """Give rows back, due again at `until`, without counting an attempt."""
    await session.exec(  # type: ignore[call-overload]
        update(Outbox)
        .where(col(Outbox.id).in_(row_ids), col(Outbox.status) == store.PENDING)
        .values(next_attempt_at=until, leased_until=None, leased_by=None)
    )


async def cancelled_among(session: AsyncSession, ids: Sequence[int]) -> set[int]:
    if not ids:
        return set()
    found = await session.exec(
        select(Broadcast.id).where(col(Broadcast.id).in_(ids), col(Broadcast.status) == CANCELLED)
    )
    return {i for i in found.all() if i is not None}


async def dialogs_of(
    session: AsyncSession, user_ids: Sequence[int]
) -> list[tuple[int, datetime]]:
    """Open dialogs of these people (private chats: the chat id is the user id)."""
    if not user_ids:
        return []
    rows = await session.exec(
        select(Dialog.user_id, Dialog.updated_at).where(col(Dialog.user_id).in_(user_ids))
    )
    return [(u, t) for u, t in rows.all()]


async def status_counts(session: AsyncSession, broadcast_id: int) -> dict[str, int]:
    """Recipients by outbox status; a cancelled recipient counts as "cancelled"."""
    rows = await session.exec(
        select(col(Outbox.status), col(Outbox.last_error), func.count())
        .where(col(Outbox.broadcast_id) == broadcast_id)
        .group_by(col(Outbox.status), col(Outbox.last_error))
    )
    counts: dict[str, int] = {}
    for status, reason, count in rows.all():
        key = CANCELLED if status == store.SKIPPED and reason == CANCELLED else status
        counts[key] = counts.get(key, 0) + int(count)
    return counts


async def pending_count(session: AsyncSession, broadcast_id: int) -> int:
    result = await session.exec(
        select(func.count())
        .select_from(Outbox)
        .where(col(Outbox.broadcast_id) == broadcast_id, col(Outbox.status) == store.PENDING)
    )
    return int(result.one())


async def sent_span(
    session: AsyncSession, broadcast_id: int
) -> tuple[datetime | None, datetime | None]:
    row = await session.exec(
        select(func.min(col(Outbox.sent_at)), func.max(col(Outbox.sent_at))).where(
            col(Outbox.broadcast_id) == broadcast_id
        )
    )
    first, last = row.one()
    return first, last


async def recent(session: AsyncSession, limit: int = 10) -> list[Broadcast]:
    rows = await session.exec(select(Broadcast).order_by(col(Broadcast.id).desc()).limit(limit))
    return list(rows.all())


async def outcomes(session: AsyncSession, broadcast_id: int) -> list[Outbox]:
    rows = await session.exec(
        select(Outbox).where(col(Outbox.broadcast_id) == broadcast_id).order_by(col(Outbox.id))
    )
    return list(rows.all())
