"""One-time, expiring staff invites: created by an admin, redeemed by a deep link.

`invite_staff` and `redeem` are what the /invite and /start handlers call: each opens
the session (the update's unit of work) and writes its audit row with the change.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.runtime import Runtime
from storage.models import AuditEntry, Community, Invite, Staff, StaffCommunity

ROLES = ("staff", "supervisor")
DEFAULT_TTL = timedelta(hours=72)


class InviteError(Exception):
    """Why an invite cannot be created or redeemed; `code` picks the message."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Redeemed:
    role: str
    communities: list[Community]


async def create_invite(
    session: AsyncSession,
    *,
    role: str,
    community_codes: list[str],
    created_by: int,
    now: datetime,
    ttl: timedelta = DEFAULT_TTL,
) -> Invite:
    if role not in ROLES:
        raise InviteError("bad_role", role)
    if not community_codes:
        raise InviteError("no_communities")
    rows = await session.exec(
        select(Community.code).where(col(Community.code).in_(community_codes))
    )
    unknown = sorted(set(community_codes) - set(rows.all()))
    if unknown:
        raise InviteError("unknown_communities", ", ".join(unknown))
    # 16 random bytes: unguessable, and "s-" + token fits a deep-link payload (64 chars).
    invite = Invite(
        token=secrets.token_urlsafe(16),
        role=role,
        communities=sorted(set(community_codes)),
        created_by=created_by,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(invite)
    return invite


async def redeem_invite(
    session: AsyncSession, token: str, user_id: int, display_name: str | None, now: datetime
) -> Redeemed:
    invite = await session.get(Invite, token)
    if invite is None:
        raise InviteError("unknown")
    if invite.redeemed_by is not None:
        raise InviteError("used")
    if invite.expires_at <= now:
        raise InviteError("expired")
    # Claim it atomically: of two simultaneous redemptions only one updates the row.
    claimed = await session.exec(  # type: ignore[call-overload]
        update(Invite)
        .where(col(Invite.token) == token, col(Invite.redeemed_by).is_(None))
        .values(redeemed_by=user_id, redeemed_at=now)
    )
    if claimed.rowcount != 1:
        raise InviteError("used")
    staff = await session.get(Staff, user_id)
    if staff is None:
        staff = Staff(user_id=user_id, role=invite.role, display_name=display_name, created_at=now)
    elif invite.role == "supervisor":
        staff.role = "supervisor"
    staff.active = True
    session.add(staff)
    await session.flush()
    existing = set(
        (
            await session.exec(
                select(StaffCommunity.community_code).where(StaffCommunity.staff_id == user_id)
            )
        ).all()
    )
    for code in invite.communities:
        if code not in existing:
            session.add(StaffCommunity(staff_id=user_id, community_code=code))
    rows = await session.exec(select(Community).where(col(Community.code).in_(invite.communities)))
    return Redeemed(staff.role, list(rows.all()))


async def invite_staff(
    runtime: Runtime, role: str, community_codes: list[str], created_by: int
) -> Invite:
    """/invite: a new invite (valid INVITE_TTL_HOURS), audited; InviteError says why not."""
    async with runtime.db.session() as session:
        created = await create_invite(
            session,
            role=role,
            community_codes=community_codes,
            created_by=created_by,
            now=runtime.clock.now(),
            ttl=timedelta(hours=runtime.settings.invite_ttl_hours),
        )
        session.add(
            AuditEntry(
                actor_id=created_by,
                action="invite_created",
                detail={"role": created.role, "communities": created.communities},
                at=runtime.clock.now(),
            )
        )
    return created


async def redeem(
    runtime: Runtime, token: str, user_id: int, display_name: str | None
) -> Redeemed:
    """/start s-<token>: the writer becomes staff, audited; InviteError says why not."""
    async with runtime.db.session() as session:
        redeemed = await redeem_invite(session, token, user_id, display_name, runtime.clock.now())
        session.add(AuditEntry(actor_id=user_id, action="invite_redeemed", at=runtime.clock.now()))
    return redeemed


def invite_link(bot_username: str | None, token: str) -> str:
    if bot_username:
        return f"https://t.me/{bot_username}?start=s-{token}"
    return f"/start s-{token}"
