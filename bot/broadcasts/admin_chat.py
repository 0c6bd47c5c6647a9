"""What the /broadcast chat commands read and queue beyond bot/broadcasts/service.py:
a staged broadcast's test, the recent list, and the request to the other admins.

Each call is one session (inside an update, its unit of work). The texts stay with the
handler, which chooses them; this module only finds each admin's language and queues.
`Broadcast` is re-exported for the handler's type hints.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.broadcasts import service
from bot.i18n import Translator, negotiate_locale
from bot.outbox import enqueue
from bot.runtime import Runtime
from storage import broadcasts as queries
from storage.models import Broadcast, User

__all__ = ["Broadcast", "ask_to_confirm", "recent", "send_test"]

# (text, reply_markup) of the request, in the language of the admin it goes to.
Request = Callable[[Translator], tuple[str, dict[str, Any]]]


async def send_test(runtime: Runtime, broadcast_id: int, admin_id: int) -> None:
    """Each version of a staged broadcast to the admin alone; BroadcastError if none."""
    async with runtime.db.session() as session:
        staged = await session.get(Broadcast, broadcast_id)
    if staged is None:
        raise service.BroadcastError("not_found")
    await service.send_test(runtime, admin_id, staged.texts)


async def recent(runtime: Runtime, limit: int) -> list[Broadcast]:
    async with runtime.db.session() as session:
        return await queries.recent(session, limit)


async def ask_to_confirm(
    runtime: Runtime, broadcast: Broadcast, others: list[int], request: Request
) -> None:
    """Queue `request` to each of the other admins, each in their own language."""
    now = runtime.clock.now()
    default = runtime.settings.default_locale
    async with runtime.db.session() as session:
        for admin in others:
            account = await session.get(User, admin)
            tr = runtime.catalogs.get(
                negotiate_locale(account.locale, account.language_code, default)
                if account
                else None
            )
            text, markup = request(tr)
            await enqueue(
                session,
                chat_id=admin,
                text=text,
                dedupe_key=f"broadcast-confirm:{broadcast.id}:{admin}",
                kind="notice",
                now=now,
                reply_markup=markup,
            )
