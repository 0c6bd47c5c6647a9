"""A delivery worker alone against the in-process fake Bot API, on the test database.

For tests of pacing and lanes, where the whole bot (handlers, polling) is in
the way: queue rows, run one or two workers, look at what the fake received.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.clock import Clock
from bot.config import Settings
from bot.delivery import DeliveryWorker
from bot.devtools.fake_telegram import FakeTelegram
from bot.i18n import Catalogs
from bot.outbox import enqueue
from bot.runtime import Runtime
from storage.db import Database


@asynccontextmanager
async def sending(
    settings: Settings, *, workers: int = 1, **limits: Any
) -> AsyncIterator[tuple[Runtime, FakeTelegram, list[DeliveryWorker]]]:
    """Runtime on the real clock, a fake Bot API, and started workers with these limits."""
    settings = settings.model_copy(update=limits)
    db = Database(settings.database_url)
    runtime = Runtime(settings, db, Catalogs(settings.default_locale), Clock())
    async with FakeTelegram() as fake:
        bots, started = [], []
        try:
            for index in range(workers):
                bot = Bot(fake.token, base_url=fake.base_url, request=HTTPXRequest())
                await bot.initialize()
                bots.append(bot)
                worker = DeliveryWorker(runtime, bot, name=f"w{index}")
                started.append(worker)
                await worker.start()
            yield runtime, fake, started
        finally:
            for worker in started:
                await worker.stop()
            for bot in bots:
                await bot.shutdown()
            await db.dispose()


async def queue(runtime: Runtime, kind: str, chats: list[int], *, tag: str) -> None:
    """One message of `kind` to each chat, text "<tag> <chat>", in one transaction."""
    now = runtime.clock.now()
    async with runtime.db.session() as session:
        for chat in chats:
            await enqueue(
                session,
                chat_id=chat,
                text=f"{tag} {chat}",
                dedupe_key=f"{tag}:{chat}",
                kind=kind,
                now=now,
            )
