"""Engine, sessions, units of work and schema upgrades for SQLite and PostgreSQL.

A unit of work is one session for everything done while handling one update:
the person and their dialog are loaded once (the session's identity map), and
every `Database.session()` block opened by a handler inside it joins it rather
than starting a transaction of its own. The unit commits before anything is
sent to Telegram (`commit_before_sending`), so whatever a reply confirms is
already stored, and at the end. Outside a unit, `session()` is a short
transaction of its own, as before.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, exc, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import ORMExecuteState, Session
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.postgres_driver import late_begin_url
from storage.sqlite_driver import one_hop_url

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 0x6D6368  # "mch": any constant shared by every worker will do


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    # WAL lets the shell, a CLI import and the bot share one file; the busy
    # timeout turns a brief lock into a wait instead of an error.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def _upgrade(connection: Connection, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


@dataclass(eq=False)
class Unit:
    """The session of one update's handling, and how that handling ended."""

    db: Database
    session: AsyncSession
    task: asyncio.Task[object] | None = field(default_factory=asyncio.current_task)
    # A handler raised: roll back what was not yet committed instead of committing it.
    failed: bool = False
    # The database went away mid-way: the update is to be handled again later.
    database_failed: bool = False
    closed: bool = False
    # Marks the update handled; committed as soon as Telegram has taken the first request
    # that followed the update's committed effects (or at the end). A crash before that
    # sends the request again (`apply`) or, with nothing committed, replays the update
    # cleanly; a crash in the request's round trip may repeat that one reply, never lose it.
    finish: Callable[[], Awaitable[object]] | None = None
    # The same mark made outside this session, grouped with other updates' marks (see
    # bot/processing/done.py), for when the session has nothing uncommitted to join it:
    # it starts at once and the unit waits for it when it closes (`marking`).
    finish_apart: Callable[[], asyncio.Future[None]] | None = None
    marking: asyncio.Future[None] | None = None
    # Records, in the transaction that commits the update's effects, the request about
    # to go out (storage/inbox.py `mark_applied`): a crash before Telegram takes it sends
    # that request again instead of handling the update on top of its own effects.
    apply: Callable[[dict[str, Any] | None], Awaitable[object]] | None = None
    applied: bool = False

    def joins(self, db: Database) -> bool:
        return self.db is db and not self.closed and asyncio.current_task() is self.task

    async def undo(self) -> None:
        """Roll back what is not yet committed (a handler failed half-way)."""
        if not self.closed and self.session.in_transaction():
            await self.session.rollback()

    async def commit(self, *, finish: bool = True, resend: dict[str, Any] | None = None) -> None:
        """Make what was done so far durable (or undo it, after a failure); with `finish`,
        mark the update handled (in the same transaction, or grouped with other updates'
        marks when there is nothing else to commit); without, record `resend` as the
        request that follows these effects."""
        if self.closed:
            return
        if self.session.in_transaction():
            transaction = self.session.sync_session.get_transaction()
            if transaction is not None and not transaction.is_active:
                # A statement already failed (its error is on its way up): what it belonged
                # to was not stored, and the reply about to go out must still go (a mother
                # must hear "call 120" even if her report could not be saved).
                self.failed = True
            if self.failed:
                await self.session.rollback()
        wrote = _wrote(self.session)
        if finish and self.finish is not None:
            mark, apart = self.finish, self.finish_apart
            self.finish = self.finish_apart = self.apply = None
            if not wrote and apart is not None and not self.failed:
                self.marking = apart()  # awaited when the unit closes
            else:
                await mark()
                wrote = True
        elif wrote and self.apply is not None and self.finish is not None:
            await self.apply(resend)
            self.applied = True
        # A transaction that only read has nothing to make durable: closing the session
        # ends it (one call to the database fewer per update).
        if wrote and self.session.in_transaction():
            await self.session.commit()


_current_unit: ContextVar[Unit | None] = ContextVar("mch_unit_of_work", default=None)


def current_unit() -> Unit | None:
    unit = _current_unit.get()
    if unit is None or unit.closed or asyncio.current_task() is not unit.task:
        return None
    return unit


async def commit_before_sending(resend: Callable[[], dict[str, Any] | None] | None = None) -> None:
    """Called before every Bot API request: nothing is confirmed before it is stored.
    A unit that has only read so far has nothing to store and costs no commit; one that
    wrote stores, with its effects, the request (`resend()`) a replay would send again."""
    unit = current_unit()
    if unit is not None and not unit.database_failed and _wrote(unit.session):
        await unit.commit(finish=False, resend=resend() if resend is not None else None)


async def mark_handled_after_sending() -> None:
    """Called once Telegram has taken a request: the update counts as handled from now,
    if its effects are committed (`applied`). Until they are, a crash must replay it
    whole: a button answered before the press's report was stored is not the report
    (such an update is marked when its unit ends)."""
    unit = current_unit()
    if unit is None or unit.database_failed or unit.finish is None or not unit.applied:
        return
    if unit.finish_apart is not None and not unit.failed and not _wrote(unit.session):
        unit.marking = unit.finish_apart()
        unit.finish = unit.finish_apart = None
        return
    await unit.commit()


_WROTE = "mch_wrote"


def _wrote(session: AsyncSession) -> bool:
    """Something not yet committed: written already, or waiting to be flushed."""
    sync = session.sync_session
    return bool(session.info.get(_WROTE) or sync.new or sync.dirty or sync.deleted)


@event.listens_for(Session, "do_orm_execute")
def _note_writes(state: ORMExecuteState) -> None:
    # Anything but a SELECT counts as a write (a textual statement too): a unit that
    # wrote must commit, one that only read may simply close.
    if not state.is_select:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context: object) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_writes(session: Session) -> None:
    session.info.pop(_WROTE, None)


class Database:
    """One engine and its session factory, shared by the whole process."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 5) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        # No pre-ping: it costs a round trip per checkout. A dead pooled connection
        # fails its first statement, is invalidated, and the caller's retry gets a
        # fresh one (see bot/processing).
        # hide_parameters: SQL errors must not carry names, phones or texts into logs.
        options: dict[str, object] = {"echo": echo, "hide_parameters": True}
        if not self.is_sqlite:
            options |= {"pool_size": pool_size, "max_overflow": 10, "pool_timeout": 10}
            # No JIT: every statement here is short, and when the planner's estimate
            # passes jit_above_cost (a count over 100,000 profiles with a subquery on a
            # table not analysed yet) compiling took 150 ms of /due's 180; 34 ms without.
            options["connect_args"] = {"server_settings": {"jit": "off"}}
        elif ":memory:" not in url and "mode=memory" not in url:
            # A file's pool keeps as many connections as updates are handled at once: with
            # the default five, every update past the fifteenth opened a connection (a
            # thread, the pragmas) and closed it again, hundreds a minute under load.
            options |= {"pool_size": pool_size, "max_overflow": 10}
        # SQLite: aiosqlite with one thread hop per statement (storage/sqlite_driver.py);
        # PostgreSQL: asyncpg with BEGIN at the first write (storage/postgres_driver.py).
        driver_url = late_begin_url(one_hop_url(url))
        self.engine: AsyncEngine = create_async_engine(driver_url, **options)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction commits on success and rolls back on error.

        Inside a unit of work (an update being handled) it is the unit's session:
        the unit decides when to commit.
        """
        unit = _current_unit.get()
        if unit is not None and unit.joins(self):
            yield unit.session
            return
        async with self._sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def unit(self, connection: AsyncConnection | None = None) -> AsyncIterator[Unit]:
        """One update's unit of work, optionally on a connection the caller holds (the
        one that holds the person's lock). Commits at the end unless a handler failed."""
        if connection is not None:
            session = AsyncSession(bind=connection, expire_on_commit=False)
        else:
            session = self._sessions()
        unit = Unit(self, session)
        token = _current_unit.set(unit)
        try:
            yield unit
            await unit.commit()
        except BaseException:
            if session.in_transaction():
                await session.rollback()
            raise
        finally:
            unit.closed = True
            _current_unit.reset(token)
            await session.close()
            # Its connection is back in the pool (the group needs one); the update counts
            # as finished only once its mark is durable.
            if unit.marking is not None:
                try:
                    await unit.marking
                except Exception:
                    log.warning("could not mark an update handled; it is handled again later")

    async def upgrade(self, revision: str = "head") -> None:
        """Bring the schema to `revision` with Alembic, on this engine's connection.

        Every worker migrates on start. On PostgreSQL they may start together, so
        the upgrade runs under a transaction-scoped advisory lock: the first
        migrates, the others wait and then find nothing to do.
        """
        async with self.engine.begin() as conn:
            if not self.is_sqlite:
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )
            await conn.run_sync(_upgrade, revision)

    async def dispose(self) -> None:
        await self.engine.dispose()


# PostgreSQL's "not now" refusals (SQLSTATE): too many connections (for the server, a
# database or a role), shutting down or starting up. A connection exception (class 08)
# is one too. They say nothing about the statement: the same work succeeds later.
REFUSED_FOR_NOW = frozenset({"53300", "57P01", "57P02", "57P03"})


def _refused_for_now(sqlstate: object) -> bool:
    return isinstance(sqlstate, str) and (sqlstate in REFUSED_FOR_NOW or sqlstate[:2] == "08")


def is_database_down(error: BaseException) -> bool:
    """The database could not be reached (as opposed to a bug or a refused statement).

    Such a failure is answered with "try again shortly" and the update is kept
    for later; anything else is a real error.
    """
    if isinstance(error, exc.DBAPIError):
        return (
            bool(error.connection_invalidated)
            or isinstance(error, exc.OperationalError | exc.InterfaceError)
            or _refused_for_now(getattr(error.orig, "sqlstate", None))
        )
    return isinstance(
        error, exc.TimeoutError | exc.ResourceClosedError | OSError | TimeoutError
    ) or type(error).__module__.startswith("asyncpg")
