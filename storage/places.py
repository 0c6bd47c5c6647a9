"""Queries on the published list of fever clinics and hospitals.

The list is replaced whole, never edited row by row: it is what the health authority
published on one date, and a parent must never be shown half of the old list and half
of the new one. Replacing happens in the caller's transaction, so a failure anywhere
leaves the previous list exactly as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import delete, func, text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Counter, Place, PlaceList

LIST_ID = 1
# Bumped with every replacement, so a process that caches the list can tell, with one
# cheap query, whether another process (the import command, another worker) changed it.
VERSION_COUNTER = "place_list_version"
_SOURCE_NAME_MAX = 200


async def replace_places(
    session: AsyncSession,
    places: Sequence[Place],
    *,
    published: date | None,
    source_name: str | None,
    now: datetime,
) -> int:
    """Make ``places`` the published list; returns how many places the old list had.

    Call inside one ``db.session()``: the delete, the inserts and the metadata commit
    together or not at all.
    """
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        # Two imports at once would otherwise both delete and then collide on ids;
        # this mode still lets the bot read the old list while the new one is written.
        await session.exec(text("LOCK TABLE places IN SHARE ROW EXCLUSIVE MODE"))  # type: ignore[call-overload]
    previous = await count_places(session)
    await session.exec(delete(Place))  # type: ignore[call-overload]
    session.add_all(places)
    await session.flush()
    meta = await session.get(PlaceList, LIST_ID)
    if meta is None:
        meta = PlaceList(id=LIST_ID)
    meta.published = published
    meta.imported_at = now
    meta.source_name = source_name[:_SOURCE_NAME_MAX] if source_name else None
    meta.count = len(places)
    session.add(meta)
    counter = await session.get(Counter, VERSION_COUNTER)
    if counter is None:
        counter = Counter(name=VERSION_COUNTER, value=0)
    counter.value += 1
    session.add(counter)
    await session.flush()
    return previous


async def count_places(session: AsyncSession) -> int:
    result = await session.exec(select(func.count()).select_from(Place))
    return int(result.one())


async def all_places(session: AsyncSession) -> Sequence[Place]:
    rows = await session.exec(select(Place).order_by(Place.id))
    return rows.all()


async def list_metadata(session: AsyncSession) -> PlaceList | None:
    """When the list was published and imported, from which file, how many places."""
    return await session.get(PlaceList, LIST_ID)


async def list_version(session: AsyncSession) -> int:
    """0 before the first import; changes whenever the list is replaced."""
    counter = await session.get(Counter, VERSION_COUNTER)
    return counter.value if counter is not None else 0
