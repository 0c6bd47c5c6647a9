"""Queries on users."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import User
from storage.person import load_person


def _insert(session: AsyncSession):  # type: ignore[no-untyped-def]
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


async def touch_user(
    session: AsyncSession, user_id: int, chat_id: int, language_code: str | None, now: datetime
) -> User:
    """Record that a user wrote to us, atomically, even when two workers see them at once.

    Most updates come from people we already know with nothing changed: those
    cost one read and no write, and that read brings the person's dialog, profile and
    staff row along (storage/person.py), or finds them already loaded.
    """
    known = (await load_person(session, user_id)).user
    if (
        known is not None
        and known.active
        and known.chat_id == chat_id
        and known.language_code == language_code
    ):
        return known
    insert = _insert(session)
    stmt = insert(User).values(
        id=user_id,
        chat_id=chat_id,
        language_code=language_code,
        active=True,
        created_at=now,
        updated_at=now,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[User.id],
        set_={
            "chat_id": stmt.excluded.chat_id,
            "language_code": stmt.excluded.language_code,
            "active": True,
            "updated_at": stmt.excluded.updated_at,
        },
    )
    await session.exec(stmt)  # type: ignore[call-overload]
    user = (await load_person(session, user_id)).user  # afresh: the write forgot the load
    assert user is not None
    return user


async def set_locale(session: AsyncSession, user_id: int, locale: str, now: datetime) -> None:
    user = await session.get(User, user_id)
    if user is not None:
        user.locale = locale
        user.updated_at = now
        session.add(user)
