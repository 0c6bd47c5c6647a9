"""Storage behaves the same on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import inspect

from storage.db import Database
from storage.models import Dialog, User
from storage.users import touch_user

BIG_ID = 7_123_456_789  # Telegram ids no longer fit in 32 bits


async def test_migrations_create_the_tables(db: Database) -> None:
    async with db.engine.connect() as conn:
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert {"users", "dialogs", "alembic_version"} <= tables


async def test_upgrade_is_idempotent(db: Database) -> None:
    await db.upgrade()
    await db.upgrade()


async def test_touch_user_inserts_then_updates(db: Database) -> None:
    first = datetime(2026, 1, 1, tzinfo=UTC)
    later = datetime(2026, 1, 2, tzinfo=UTC)
    async with db.session() as session:
        user = await touch_user(session, BIG_ID, BIG_ID, "zh-hans", first)
        assert user.created_at == first
    async with db.session() as session:
        user = await touch_user(session, BIG_ID, BIG_ID, "en", later)
    assert (user.language_code, user.created_at, user.updated_at) == ("en", first, later)


async def test_concurrent_first_messages_do_not_collide(db: Database) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)

    async def touch() -> None:
        async with db.session() as session:
            await touch_user(session, 42, 42, None, now)

    await asyncio.gather(*(touch() for _ in range(5)))
    async with db.session() as session:
        assert (await session.get(User, 42)) is not None


async def test_json_dialog_data_round_trips(db: Database) -> None:
    async with db.session() as session:
        session.add(Dialog(user_id=BIG_ID, flow="onboarding", step="due", data={"week": "32+4"}))
    async with db.session() as session:
        dialog = await session.get(Dialog, BIG_ID)
    assert dialog is not None and dialog.data == {"week": "32+4"}
    assert dialog.updated_at.tzinfo is not None


async def test_a_failed_transaction_leaves_nothing(db: Database) -> None:
    try:
        async with db.session() as session:
            session.add(User(id=77, chat_id=77))
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    async with db.session() as session:
        assert await session.get(User, 77) is None


async def test_the_migrations_match_the_models(db: Database) -> None:
    """A model change without a migration fails here, not in production."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    def diff(connection) -> list[object]:  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        return compare_metadata(context, SQLModel.metadata)

    async with db.engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []


async def test_workers_starting_together_migrate_once(database_url: str) -> None:
    """Several workers on one PostgreSQL run their start-up upgrade at the same moment."""
    import pytest
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    if database_url.startswith("sqlite"):
        pytest.skip("several workers share PostgreSQL; SQLite is for one process")
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
    workers = [Database(database_url) for _ in range(4)]
    try:
        # Without the lock they deadlock or collide; the timeout turns a hang into a failure.
        async with asyncio.timeout(60):
            await asyncio.gather(*(w.upgrade() for w in workers))
        async with workers[0].engine.connect() as conn:
            version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
        assert len(version) == 1
    finally:
        for worker in workers:
            await worker.dispose()
