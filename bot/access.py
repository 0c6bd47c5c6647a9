"""Who may do what: admins come from configuration, staff from redeemed invites."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from storage.models import Staff, StaffCommunity
from storage.person import known_absent


def is_admin(settings: Settings, user_id: int) -> bool:
    return user_id in settings.admin_ids


async def active_staff(session: AsyncSession, user_id: int) -> Staff | None:
    if known_absent(session, Staff, user_id):  # the update's person load found none
        return None
    staff = await session.get(Staff, user_id)
    return staff if staff is not None and staff.active else None


async def staff_communities(session: AsyncSession, user_id: int) -> list[str]:
    rows = await session.exec(
        select(StaffCommunity.community_code).where(StaffCommunity.staff_id == user_id)
    )
    return sorted(rows.all())
