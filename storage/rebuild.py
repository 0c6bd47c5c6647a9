"""A database emptied and migrated to head: for the test suite and the benchmarks only.

On PostgreSQL the `public` schema is dropped and created again (give it a
database of its own: everything in it goes); on SQLite a new file simply
starts empty. Then Alembic brings the schema to head, as a worker would.
Never called by the bot itself.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from storage.db import Database


async def rebuild(url: str) -> None:
    if url.startswith("postgresql"):
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    db = Database(url)
    await db.upgrade()
    await db.dispose()
