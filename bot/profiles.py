"""Profiles: consent, corrections with history, pause, export and erasure.

No Telegram types here: handlers call these inside one database session.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.followup.cancel import cancel_followup
from storage.models import (
    Child,
    Profile,
    ProfileChange,
)
from storage.person import known_absent

TRACKED_FIELDS = (
    "pregnant",
    "parent",
    "due_date",
    "dating_method",
    "risk_colour",
    "pregnancy_outcome",
    "community_code",
    "phone",
)


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:200]


async def get_profile(session: AsyncSession, user_id: int) -> Profile | None:
    if known_absent(session, Profile, user_id):  # the update's person load found none
        return None
    return await session.get(Profile, user_id)


async def record_consent(
    session: AsyncSession, user_id: int, given: bool, display_name: str | None, now: datetime
) -> Profile:
    """Store the answer to the consent question; a refusal stores nothing else."""
    profile = await session.get(Profile, user_id)
    if profile is None:
        profile = Profile(user_id=user_id, consent="", consent_at=now, created_at=now)
    profile.consent = "given" if given else "declined"
    profile.consent_at = now
    profile.display_name = display_name[:100] if given and display_name else None
    profile.updated_at = now
    profile.paused = False
    session.add(profile)
    return profile


async def update_profile(
    session: AsyncSession, profile: Profile, changes: dict[str, Any], actor_id: int, now: datetime
) -> list[str]:
    """Apply changes, keeping each corrected value in the history. Returns changed fields."""
    changed = []
    for field, value in changes.items():
        old = getattr(profile, field)
        if old == value:
            continue
        setattr(profile, field, value)
        changed.append(field)
        if field in TRACKED_FIELDS:
            session.add(
                ProfileChange(
                    user_id=profile.user_id,
                    field=field,
                    old_value=_text(old),
                    new_value=_text(value),
                    changed_by=actor_id,
                    changed_at=now,
                )
            )
    if changed:
        profile.updated_at = now
        session.add(profile)
    if "pregnant" in changed and not profile.pregnant:
        # A birth or a loss: what was scheduled for the pregnancy must not arrive.
        await cancel_followup(session, profile.user_id, now)
    return changed


async def children_of(session: AsyncSession, user_id: int) -> list[Child]:
    rows = await session.exec(
        select(Child).where(Child.user_id == user_id).order_by(col(Child.birth_date))
    )
    return list(rows.all())


async def add_child(
    session: AsyncSession, user_id: int, birth: date, nickname: str | None, now: datetime
) -> Child:
    child = Child(user_id=user_id, birth_date=birth, nickname=nickname, created_at=now)
    session.add(child)
    session.add(
        ProfileChange(
            user_id=user_id,
            field="child_added",
            new_value=birth.isoformat(),
            changed_by=user_id,
            changed_at=now,
        )
    )
    await session.flush()
    return child


async def correct_child(
    session: AsyncSession,
    user_id: int,
    child_id: int,
    changes: dict[str, Any],
    now: datetime,
) -> Child | None:
    """Correct a child's `birth_date` or `nickname`, keeping the old value in the history.

    None if the child is not this parent's (a stale or forged button)."""
    child = await session.get(Child, child_id)
    if child is None or child.user_id != user_id:
        return None
    for field, value in changes.items():
        if field not in ("birth_date", "nickname") or getattr(child, field) == value:
            continue
        session.add(
            ProfileChange(
                user_id=user_id,
                field=f"child_{field}",
                old_value=_text(getattr(child, field)),
                new_value=_text(value),
                changed_by=user_id,
                changed_at=now,
            )
        )
        setattr(child, field, value)
    session.add(child)
    return child


async def remove_child(session: AsyncSession, user_id: int, child_id: int, now: datetime) -> bool:
    child = await session.get(Child, child_id)
    if child is None or child.user_id != user_id:
        return False
    session.add(
        ProfileChange(
            user_id=user_id,
            field="child_removed",
            old_value=child.birth_date.isoformat(),
            changed_by=user_id,
            changed_at=now,
        )
    )
    await session.delete(child)
    return True


async def set_paused(session: AsyncSession, user_id: int, paused: bool, now: datetime) -> bool:
    """Pause or resume proactive messages. False when there is no profile to pause."""
    profile = await session.get(Profile, user_id)
    if profile is None:
        return False
    profile.paused = paused
    profile.updated_at = now
    session.add(profile)
    if paused:
        await cancel_followup(session, user_id, now)
    return True
