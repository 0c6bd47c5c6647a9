"""The account work every handler needs, over storage: who is writing, their language,
whether they can be reached, and the update's unit of work when something fails.

Handlers call these instead of opening sessions or importing storage themselves.
"""

from __future__ import annotations

from bot.runtime import Runtime
from storage.db import current_unit, is_database_down
from storage.models import User
from storage.outbox import deactivate_chat
from storage.users import set_locale, touch_user

__all__ = [
    "database_failed",
    "identify_account",
    "is_database_down",
    "mark_unreachable",
    "save_language",
    "undo_current_unit",
]


async def identify_account(
    runtime: Runtime, user_id: int, chat_id: int, language_code: str | None
) -> User:
    """The writer's account, created or refreshed (safe when two workers see them at once)."""
    async with runtime.db.session() as session:
        return await touch_user(session, user_id, chat_id, language_code, runtime.clock.now())


async def save_language(runtime: Runtime, user_id: int, locale: str) -> None:
    async with runtime.db.session() as session:
        await set_locale(session, user_id, locale, runtime.clock.now())


async def mark_unreachable(runtime: Runtime, chat_id: int) -> None:
    """The person blocked the bot: not reachable until they write again."""
    async with runtime.db.session() as session:
        await deactivate_chat(session, chat_id, runtime.clock.now())


def database_failed() -> None:
    """Mark this update's unit of work as failed by the database (it is retried later)."""
    unit = current_unit()
    if unit is not None:
        unit.database_failed = True


async def undo_current_unit() -> bool:
    """Undo what the failed handler wrote; False when no unit of work is open."""
    unit = current_unit()
    if unit is None:
        return False
    await unit.undo()
    return True
