"""A press on a check-in's button, as stored: claimed once, and the staff task it opens.

The button carries the item's own token, so a press on an old message (an answered or
cancelled check-in) or someone else's is refused here, by the database, once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import col

from bot.followup import tasks
from bot.runtime import Runtime
from storage.models import FollowupItem

OPEN = ("sent", "tasked")  # a late answer to a check-in already handed to staff still counts


async def claim(
    runtime: Runtime, item_id: int, token: str, user_id: int, now: datetime
) -> str | None:
    """Mark the item answered, once; its ref, or None for an old, foreign or answered one."""
    async with runtime.db.session() as session:
        won = await session.exec(
            update(FollowupItem)
            .where(
                col(FollowupItem.id) == item_id,
                col(FollowupItem.user_id) == user_id,
                col(FollowupItem.token) == token,
                col(FollowupItem.status).in_(OPEN),
            )
            .values(status="answered", answered_at=now, next_step_at=None)
            .returning(FollowupItem.ref)
        )
        return won.scalar_one_or_none()


async def still_open(runtime: Runtime, item_id: int, token: str, user_id: int) -> bool:
    """Whether her item still waits for this answer (the PHQ-2's first half is not one)."""
    async with runtime.db.session() as session:
        item = await session.get(FollowupItem, item_id)
    return (
        item is not None
        and item.user_id == user_id
        and item.token == token
        and (item.status in OPEN)
    )


async def open_task(
    runtime: Runtime, item_id: int, user_id: int, reason: str, urgency: str
) -> None:
    """The staff task her answer calls for (none if one for that reason is recent)."""
    async with runtime.db.session() as session:
        now = runtime.clock.now()
        await tasks.open_answer_task(session, item_id, user_id, reason, urgency, now)
