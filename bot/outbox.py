"""Queue a proactive message in the caller's transaction (the transactional outbox).

Whatever decides to send (an alert, a notice to staff) writes the message in
the same transaction as the decision, so either both happen or neither; the
delivery worker sends it later, retrying until Telegram accepts it. The
dedupe key makes queueing the same message twice a no-op.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery import lanes
from storage.models import Outbox


async def enqueue(
    session: AsyncSession,
    *,
    chat_id: int,
    text: str,
    dedupe_key: str,
    kind: str,
    now: datetime,
    reply_markup: dict[str, Any] | None = None,
    alert_id: int | None = None,
    not_before: datetime | None = None,
) -> Outbox | None:
    """Queue one sendMessage; returns None if this dedupe key is already queued.

    `not_before` holds the message until then (quiet hours, a scheduled time).
    """
    existing = await session.exec(select(Outbox.id).where(Outbox.dedupe_key == dedupe_key))
    if existing.first() is not None:
        return None
    payload: dict[str, Any] = {"method": "sendMessage", "text": text}
    if reply_markup is not None:
        payload["reply_markup"] = reply_markup
    row = Outbox(
        dedupe_key=dedupe_key,
        kind=kind,
        priority=lanes.lane_of(kind),
        chat_id=chat_id,
        alert_id=alert_id,
        payload=payload,
        created_at=now,
        next_attempt_at=not_before or now,
    )
    session.add(row)
    return row
