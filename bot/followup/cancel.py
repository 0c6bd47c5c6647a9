"""/stop, a pregnancy's end and /delete stop follow-up at once, not at the next scan.

What was already queued but not yet taken by a sender is withdrawn from the
outbox, and its item says why it never went (`cancelled_stop`, `cancelled_birth`,
`cancelled_loss`: docs/followup.md, "Skipped"); check-ins still climbing their
ladder stop (no nudge, no staff task). /delete needs nothing here: her follow-up
rows are hers and go with her (bot/personal_data.py), so no trace of her is kept.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import outbox as store
from storage.models import FollowupItem, Outbox, Profile, User


def reason_of(profile: Profile | None) -> str:
    """Why her follow-up is being cancelled: a pause (/stop, STOP) or the pregnancy's end."""
    if (
        profile is not None
        and not profile.paused
        and profile.pregnancy_outcome in ("birth", "loss")
    ):
        return f"cancelled_{profile.pregnancy_outcome}"
    return "cancelled_stop"


def _item_id(dedupe_key: str) -> int | None:
    """The item of a follow-up message's own first send (`fu:<item id>:0`), else None."""
    parts = dedupe_key.split(":")
    if len(parts) == 3 and parts[0] == "fu" and parts[1].isdigit() and parts[2] == "0":
        return int(parts[1])
    return None


async def cancel_followup(session: AsyncSession, user_id: int, now: datetime) -> None:
    user = await session.get(User, user_id)
    profile = await session.get(Profile, user_id)
    chat_id = user.chat_id if user is not None else user_id
    waiting = (
        col(Outbox.chat_id) == chat_id,
        col(Outbox.kind).startswith("followup_"),
        col(Outbox.status) == store.PENDING,
        or_(col(Outbox.leased_until).is_(None), col(Outbox.leased_until) < now),
    )
    keys = (await session.exec(select(Outbox.dedupe_key).where(*waiting))).all()
    withdrawn = [i for i in (_item_id(k) for k in keys) if i is not None]
    await session.exec(delete(Outbox).where(*waiting))  # type: ignore[call-overload]
    if withdrawn:
        await session.exec(  # type: ignore[call-overload]
            update(FollowupItem)
            .where(col(FollowupItem.user_id) == user_id, col(FollowupItem.id).in_(withdrawn))
            .values(status=reason_of(profile), next_step_at=None)
        )
    await session.exec(  # type: ignore[call-overload]
        update(FollowupItem)
        .where(col(FollowupItem.user_id) == user_id, col(FollowupItem.status) == "sent")
        .values(status="cancelled", next_step_at=None)
    )
