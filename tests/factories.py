"""Small factories that build the world tests need: communities, staff, families."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from storage.db import Database
from storage.models import Child, Community, Profile, Staff, StaffCommunity, User

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
TODAY = T0.date()


async def community(
    db: Database,
    code: str = "C001",
    *,
    name_zh: str = "幸福社区",
    name_en: str = "Xingfu Community",
    district_zh: str = "东城区",
    district_en: str = "Dongcheng District",
    latitude: float | None = 31.230,
    longitude: float | None = 121.470,
) -> Community:
    row = Community(
        code=code,
        name_zh=name_zh,
        name_en=name_en,
        district_zh=district_zh,
        district_en=district_en,
        latitude=latitude,
        longitude=longitude,
    )
    async with db.session() as session:
        session.add(row)
    return row


async def staff(
    db: Database,
    user_id: int,
    communities: list[str],
    *,
    role: str = "staff",
    display_name: str = "Worker",
) -> Staff:
    row = Staff(user_id=user_id, role=role, display_name=display_name)
    async with db.session() as session:
        session.add(row)
        await session.flush()
        for code in communities:
            session.add(StaffCommunity(staff_id=user_id, community_code=code))
    return row


async def _user(db: Database, user_id: int, locale: str | None) -> None:
    async with db.session() as session:
        if await session.get(User, user_id) is None:
            session.add(User(id=user_id, chat_id=user_id, locale=locale, created_at=T0))


async def mother(
    db: Database,
    user_id: int,
    *,
    community_code: str | None = "C001",
    week: int = 30,
    today: date = TODAY,
    risk_colour: str | None = None,
    locale: str | None = None,
    display_name: str = "Mother",
    phone: str | None = None,
) -> Profile:
    """A consenting pregnant woman at `week`+0 on `today`."""
    await _user(db, user_id, locale)
    profile = Profile(
        user_id=user_id,
        consent="given",
        consent_at=T0,
        display_name=display_name,
        pregnant=True,
        due_date=today + timedelta(days=280 - week * 7),
        dating_method="due_date",
        risk_colour=risk_colour,
        community_code=community_code,
        phone=phone,
        onboarded_at=T0,
    )
    async with db.session() as session:
        session.add(profile)
    return profile


async def parent(
    db: Database,
    user_id: int,
    births: list[date],
    *,
    community_code: str | None = "C001",
    locale: str | None = None,
    display_name: str = "Parent",
) -> list[Child]:
    """A consenting parent with children born on `births`."""
    await _user(db, user_id, locale)
    children = [
        Child(user_id=user_id, birth_date=b, nickname=f"child{i + 1}") for i, b in enumerate(births)
    ]
    async with db.session() as session:
        session.add(
            Profile(
                user_id=user_id,
                consent="given",
                consent_at=T0,
                display_name=display_name,
                parent=True,
                community_code=community_code,
                onboarded_at=T0,
            )
        )
        await session.flush()
        for child in children:
            session.add(child)
    return children
