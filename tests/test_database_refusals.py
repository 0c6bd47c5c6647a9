"""PostgreSQL refusing a connection "for now" (too many clients) counts as an outage:
the update is spooled and the person answered, not a 500 that Telegram retries blind.
Seen with several workers at their pool size on one server (max_connections)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.config import normalise_database_url
from storage.db import is_database_down
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="a PostgreSQL refusal")


async def _error_of(url: str, statement: str = "SELECT 1") -> BaseException:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    except Exception as error:  # the error is what is looked at
        return error
    finally:
        await engine.dispose()
    raise AssertionError("the statement did not fail")


async def test_too_many_connections_is_an_outage_and_a_bad_statement_is_not() -> None:
    assert POSTGRES_URL is not None
    server = normalise_database_url(POSTGRES_URL)
    role = f"mch_limit_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT 0'))
    try:
        scheme, rest = server.split("://", 1)
        refused = await _error_of(f"{scheme}://{role}@{rest.split('@', 1)[1]}")
        assert "too many connections" in str(refused)
        assert is_database_down(refused)
        assert not is_database_down(await _error_of(server, "SELECT * FROM no_such_table"))
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        await admin.dispose()
