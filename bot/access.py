"""Who may do what: admins come from configuration, staff from redeemed invites.

`Staff` is re-exported for the handlers' type hints (they do not import storage).
"""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.runtime import Runtime
from storage.models import Staff, StaffCommunity
from storage.person import known_absent


def is_admin(settings: Settings, user_id: int) -> bool:
    return user_id in settings.admin_ids


async def active_staff(session: AsyncSession, user_id: int) -> Staff | None:
    if known_absent(session, Staff, user_id):  # the update's person load found none
        return None
    staff = await session.get(Staff, user_id)
    return staff if staff is not None and staff.active else None


async def staff_member(runtime: Runtime, user_id: int) -> Staff | None:
    """The active staff row of the person writing (one session), or None."""
    async with runtime.db.session() as session:
        return await active_staff(session, user_id)


async def roles(runtime: Runtime, user_id: int) -> tuple[bool, bool]:
    """(staff, admin) for the person writing: which extra commands they have."""
    staff = await staff_member(runtime, user_id) is not None
    return staff, is_admin(runtime.settings, user_id)


async def staff_communities(session: AsyncSession, user_id: int) -> list[str]:
    rows = await session.exec(
        select(StaffCommunity.community_code).where(StaffCommunity.staff_id == user_id)
    )
    return sorted(rows.all())
