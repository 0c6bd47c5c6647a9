"""Queries on the community list an admin loaded."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Community


async def all_communities(session: AsyncSession) -> Sequence[Community]:
    rows = await session.exec(select(Community).order_by(Community.district_zh, Community.code))
    return rows.all()


async def districts(session: AsyncSession) -> list[tuple[str, str]]:
    """(Chinese name, English name) of every district, in a stable order."""
    rows = await session.exec(
        select(Community.district_zh, Community.district_en)
        .distinct()
        .order_by(Community.district_zh)
    )
    return [(zh, en) for zh, en in rows.all()]


async def in_district(session: AsyncSession, district_zh: str) -> Sequence[Community]:
    rows = await session.exec(
        select(Community).where(Community.district_zh == district_zh).order_by(Community.code)
    )
    return rows.all()


async def replace_communities(session: AsyncSession, communities: list[Community]) -> int:
    """Upsert the list by code; communities people already belong to are never dropped."""
    for community in communities:
        await session.merge(community)
    return len(communities)
