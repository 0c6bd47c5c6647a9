"""Fixtures that build the world: a migrated database, settings, a running bot.

Every test gets a database of its own. SQLite by default; set
MCH_TEST_DATABASE_URL (scripts/test does) to run the same tests on PostgreSQL,
where the schema is rebuilt from the migrations once per run and tables are
emptied before each test.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.clock import ManualClock
from bot.config import Settings, normalise_database_url
from bot.devtools.harness import BotHarness
from storage.db import Database
from storage.rebuild import rebuild

POSTGRES_URL = os.environ.get("MCH_TEST_DATABASE_URL")


def backend() -> str:
    return "postgresql" if POSTGRES_URL else "sqlite"


async def _truncate_postgres(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        rows = await conn.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
        )
        tables = [f'"{r[0]}"' for r in rows]
        if tables:
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    await engine.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once per run: a template SQLite file, or the PostgreSQL test database."""
    if POSTGRES_URL:
        url = normalise_database_url(POSTGRES_URL)
        asyncio.run(rebuild(url))
        return url
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    asyncio.run(rebuild(f"sqlite+aiosqlite:///{path}"))
    return str(path)


@pytest.fixture
async def database_url(migrated_template: str, tmp_path: Path) -> str:
    if POSTGRES_URL:
        await _truncate_postgres(migrated_template)
        return migrated_template
    target = tmp_path / "bot.sqlite3"
    shutil.copy(migrated_template, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture
def settings(database_url: str) -> Settings:
    # Scheduled follow-up is off unless a test turns it on (fixture `followup_harness`):
    # other stories move the clock and would otherwise also receive check-ins.
    return Settings(  # type: ignore[call-arg]
        _env_file=None, DATABASE_URL=database_url, ADMIN_IDS="9000", FOLLOWUP_ENABLED="false"
    )


@pytest.fixture
def clock() -> ManualClock:
    # A Monday morning in Shanghai, so opening hours and schedules are predictable.
    return ManualClock(datetime(2026, 11, 30, 2, 0, tzinfo=UTC))


@pytest.fixture
async def harness(settings: Settings, clock: ManualClock) -> AsyncIterator[BotHarness]:
    async with BotHarness(settings, clock=clock) as running:
        yield running


@pytest.fixture
async def followup_harness(settings: Settings, clock: ManualClock) -> AsyncIterator[BotHarness]:
    """The running bot with scheduled follow-up on, as in production."""
    on = settings.model_copy(update={"followup_enabled": True})
    async with BotHarness(on, clock=clock) as running:
        yield running


@pytest.fixture(params=["polling", "webhook"])
async def any_harness(
    request: pytest.FixtureRequest, settings: Settings, clock: ManualClock
) -> AsyncIterator[BotHarness]:
    """The same story told over long polling and over the webhook endpoint."""
    async with BotHarness(settings, clock=clock, webhook=request.param == "webhook") as running:
        yield running


@pytest.fixture
def no_network_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("TELEGRAM_BOT_TOKEN", "WEBHOOK_URL", "WEBHOOK_SECRET", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    yield
