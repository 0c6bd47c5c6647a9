"""/stop, a pregnancy's end and /delete stop follow-up at once, not at the next scan.

What was already queued but not yet taken by a sender is withdrawn from the
outbox; check-ins still climbing their ladder stop (no nudge, no staff task).
/delete needs nothing here: her follow-up rows are hers (bot/personal_data.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import outbox as store
from storage.models import FollowupItem, Outbox, User


async def cancel_followup(session: AsyncSession, user_id: int, now: datetime) -> None:
    await session.exec(  # type: ignore[call-overload]
        update(FollowupItem)
        .where(col(FollowupItem.user_id) == user_id, col(FollowupItem.status) == "sent")
        .values(status="cancelled", next_step_at=None)
    )
    user = await session.get(User, user_id)
    chat_id = user.chat_id if user is not None else user_id
    await session.exec(  # type: ignore[call-overload]
        delete(Outbox).where(
            col(Outbox.chat_id) == chat_id,
            col(Outbox.kind).startswith("followup_"),
            col(Outbox.status) == store.PENDING,
            or_(col(Outbox.leased_until).is_(None), col(Outbox.leased_until) < now),
        )
    )
