"""What every part of the running bot shares: settings, database, catalogs, clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.clock import Clock
from bot.config import Settings
from bot.i18n import Catalogs
from storage.db import Database


@dataclass
class Runtime:
    settings: Settings
    db: Database
    catalogs: Catalogs
    clock: Clock = field(default_factory=Clock)

    @classmethod
    async def open(cls, settings: Settings, *, clock: Clock | None = None) -> Runtime:
        """Connect and migrate: the schema is always current before any update is read."""
        # Each update in hand holds one connection (its person's lock), plus the workers'.
        db = Database(settings.database_url, pool_size=settings.concurrent_updates + 4)
        await db.upgrade()
        return cls(settings, db, Catalogs(settings.default_locale), clock or Clock())

    def today(self) -> date:
        """Today's date where the users live (the configured time zone)."""
        return self.clock.now().astimezone(self.settings.zone).date()

    async def close(self) -> None:
        await self.db.dispose()
