"""The two dialects storage/db.py uses: SQLite statements in one thread hop with writers
taking turns (storage/sqlite_driver.py), and PostgreSQL transactions begun at the first
write (storage/postgres_driver.py), without JIT compiling."""

from __future__ import annotations

import asyncio

import aiosqlite.core
import pytest
from sqlalchemy import exc, text

from storage import sqlite_driver
from storage.db import Database
from storage.postgres_driver import reads_alone
from tests.conftest import backend

sqlite_only = pytest.mark.skipif(backend() != "sqlite", reason="the SQLite dialect")
postgres_only = pytest.mark.skipif(backend() != "postgresql", reason="the PostgreSQL dialect")


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every call handed to an aiosqlite connection's thread."""
    seen: list[object] = []
    original = aiosqlite.core.Connection._execute

    async def counted(self: object, fn: object, *args: object, **kwargs: object) -> object:
        seen.append(fn)
        return await original(self, fn, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(aiosqlite.core.Connection, "_execute", counted)
    return seen


@pytest.fixture
async def short_wait(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """A table t, and writers that give up after a fifth of a second."""
    monkeypatch.setattr(sqlite_driver, "WRITE_WAIT", 0.2)
    async with db.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))


@sqlite_only
async def test_a_select_is_one_hop_and_a_read_ends_without_one(
    db: Database, hops: list[object]
) -> None:
    async with db.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))  # the connection is open and warm
        hops.clear()
        rows = (await connection.execute(text("SELECT 1 + 1 AS two, 'x' AS x"))).all()
        assert [tuple(r) for r in rows] == [(2, "x")]
        assert len(hops) == 1
        await connection.rollback()  # nothing was written: sqlite3 would do nothing
    assert len(hops) == 1  # and neither did the pool's reset


@sqlite_only
async def test_a_write_reports_its_row_count_and_commits(db: Database) -> None:
    async with db.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
    async with db.engine.begin() as connection:
        result = await connection.execute(text("INSERT INTO t (v) VALUES ('a'), ('b')"))
        assert result.rowcount == 2
        changed = await connection.execute(text("UPDATE t SET v = 'c' RETURNING id"))
        assert sorted(r[0] for r in changed) == [1, 2]
    async with db.engine.connect() as connection:
        values = (await connection.execute(text("SELECT v FROM t"))).scalars().all()
    assert values == ["c", "c"]


@sqlite_only
async def test_writers_take_turns_without_database_is_locked(db: Database) -> None:
    async with db.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)"))
    order: list[str] = []
    first_wrote = asyncio.Event()

    async def first() -> None:
        async with db.engine.begin() as connection:
            await connection.execute(text("INSERT INTO t (who) VALUES ('first')"))
            first_wrote.set()
            await asyncio.sleep(0.3)  # holds SQLite's write lock meanwhile
            order.append("first commits")

    async def second() -> None:
        await first_wrote.wait()
        async with db.engine.begin() as connection:
            await connection.execute(text("INSERT INTO t (who) VALUES ('second')"))
            order.append("second wrote")

    await asyncio.gather(first(), second())
    assert order == ["first commits", "second wrote"]
    async with db.engine.connect() as connection:
        who = (await connection.execute(text("SELECT who FROM t ORDER BY id"))).scalars().all()
    assert who == ["first", "second"]


@sqlite_only
async def test_only_writes_wait_and_not_longer_than_the_busy_timeout(
    db: Database, short_wait: None
) -> None:
    async with db.engine.begin() as holder:
        await holder.execute(text("INSERT INTO t DEFAULT VALUES"))
        # A new connection (two: the pool may hold one idle) runs the pragmas (journal
        # mode, busy timeout), then reads: neither waits for the writer.
        async with db.engine.connect() as other, db.engine.connect() as another:
            assert (await another.execute(text("SELECT count(*) FROM t"))).scalar() == 0
            with pytest.raises(exc.OperationalError, match="database is locked"):
                await other.execute(text("INSERT INTO t DEFAULT VALUES"))
            await other.rollback()
    # The holder committed and gave its turn up: the next writer goes at once.
    async with db.engine.begin() as connection:
        await connection.execute(text("INSERT INTO t DEFAULT VALUES"))


def test_only_plain_selects_run_outside_a_transaction() -> None:
    assert reads_alone("SELECT users.id FROM users WHERE users.id = $1")
    assert reads_alone("  select 1")
    assert not reads_alone("UPDATE inbox SET status = $1")
    assert not reads_alone("INSERT INTO users (id) VALUES ($1) RETURNING users.id")
    assert not reads_alone("WITH x AS (DELETE FROM t RETURNING id) SELECT id FROM x")
    assert not reads_alone("SELECT broadcasts.id FROM broadcasts WHERE id = $1 FOR UPDATE")
    assert not reads_alone("SELECT id FROM outbox FOR NO KEY UPDATE SKIP LOCKED")
    assert not reads_alone("SELECT id FROM t FOR SHARE")
    assert not reads_alone("SELECT pg_advisory_xact_lock($1)")


@postgres_only
async def test_a_unit_that_only_reads_opens_no_transaction(db: Database) -> None:
    async with db.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        async with db.unit(connection) as unit:
            await unit.session.exec(text("SELECT 1"))  # type: ignore[call-overload]
            assert raw.driver_connection.is_in_transaction() is False  # type: ignore[union-attr]
            await unit.session.exec(text("CREATE TEMP TABLE t (id int)"))  # type: ignore[call-overload]
            assert raw.driver_connection.is_in_transaction() is True  # type: ignore[union-attr]
            await unit.session.exec(text("INSERT INTO t VALUES (1)"))  # type: ignore[call-overload]
            seen = await unit.session.exec(text("SELECT count(*) FROM t"))  # type: ignore[call-overload]
            assert seen.scalar() == 1  # a read after the first write is in its transaction


@postgres_only
async def test_postgresql_connections_compile_no_statement_with_jit(db: Database) -> None:
    """JIT compiling cost 150 ms of /due's 180 over 100,000 profiles (storage/db.py)."""
    async with db.engine.connect() as connection:
        setting = await connection.execute(text("SHOW jit"))
        assert setting.scalar() == "off"
