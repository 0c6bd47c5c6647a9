"""The admin's progress message is edited in order, and every CSV export is audited.

A retried edit must never overwrite a newer one: each edit waits for the one
before it, and one still waiting (not in flight) is superseded by the newest.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.broadcasts import export, progress, service
from bot.broadcasts.segments import Segment
from bot.clock import ManualClock
from bot.config import Settings
from bot.devtools import population
from bot.i18n import Catalogs
from bot.observability.logging import PrivacyFilter
from bot.runtime import Runtime
from storage import outbox as store
from storage.db import Database
from storage.models import AuditEntry, Broadcast, Outbox

ADMIN = 9000
TEXTS = {"en": "<b>Heat warning</b>: drink water."}


async def running_broadcast(runtime: Runtime) -> Broadcast:
    now = runtime.clock.now()
    await population.seed(runtime.db, 20, now, now.date())
    broadcast, _ = await service.create(runtime, service.Request(ADMIN, TEXTS, Segment(), True))
    async with runtime.db.session() as session:
        fresh = await session.get(Broadcast, broadcast.id)
        assert fresh is not None
        fresh.progress_chat_id, fresh.progress_message_id = ADMIN, 77
        session.add(fresh)
    return fresh


def state(broadcast: Broadcast, sent: int) -> progress.Progress:
    assert broadcast.id is not None
    counts = {store.SENT: sent, store.PENDING: broadcast.recipients - sent}
    return progress.figures(broadcast.id, counts, None, None)


async def edits(db: Database) -> list[Outbox]:
    async with db.session() as session:
        found = await session.exec(
            select(Outbox).where(col(Outbox.kind) == progress.KIND).order_by(col(Outbox.id))
        )
        return list(found.all())


async def test_progress_edits_are_chained_and_a_waiting_one_is_superseded(
    settings: Settings, db: Database, clock: ManualClock
) -> None:
    runtime = Runtime(settings, db, Catalogs(settings.default_locale), clock)
    broadcast = await running_broadcast(runtime)
    await progress._edit(runtime, broadcast, state(broadcast, 1), False)
    await progress._edit(runtime, broadcast, state(broadcast, 2), False)
    first, second = await edits(db)
    # The first had not gone out yet: it is dropped, the newest stands.
    assert (first.status, first.last_error) == (store.SKIPPED, "superseded")
    assert second.after_id == first.id and second.status == store.PENDING
    # The second is in flight (leased) when the third is queued: it is kept, and the
    # third waits for its answer; no claim may take the third meanwhile.
    async with db.session() as session:
        leased = await store.claim_due(
            session, token="w/1", now=clock.now(), lease=timedelta(seconds=30), limit=1000
        )
    assert second.id in {r.id for r in leased}
    await progress._edit(runtime, broadcast, state(broadcast, 3), False)
    _, second, third = await edits(db)
    assert second.status == store.PENDING and third.after_id == second.id
    async with db.session() as session:
        again = await store.claim_due(
            session, token="w/2", now=clock.now(), lease=timedelta(seconds=30), limit=1000
        )
        assert third.id not in {r.id for r in again}
        assert second.id is not None
        await store.mark_sent(session, second.id, now=clock.now(), message_id=77)
        await store.release(session, [r.id for r in again if r.id is not None], "w/2")
    async with db.session() as session:
        later = await store.claim_due(
            session, token="w/3", now=clock.now(), lease=timedelta(seconds=30), limit=1000
        )
    assert third.id in {r.id for r in later}
    assert third.dedupe_key.startswith(f"bprogress:{broadcast.id}:3:")


async def test_a_csv_export_is_audited_without_personal_data_in_the_log(
    settings: Settings, db: Database, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = Runtime(settings, db, Catalogs(settings.default_locale), clock)
    broadcast = await running_broadcast(runtime)
    assert broadcast.id is not None
    async with db.session() as session:
        chats = (
            await session.exec(
                select(Outbox.chat_id).where(col(Outbox.broadcast_id) == broadcast.id)
            )
        ).all()
    # As the bot logs: every record through the privacy filter (aiosqlite's DEBUG lines
    # carry the statement's parameters, the admin's id among them).
    private = PrivacyFilter()
    caplog.handler.addFilter(private)  # pytest keeps one capture handler: taken off below
    try:
        with caplog.at_level(logging.DEBUG):
            table = await export.export(runtime, broadcast.id, ADMIN, "chat")
    finally:
        caplog.handler.removeFilter(private)
    lines = table.strip().splitlines()
    assert lines[0] == ",".join(export.HEADER) and len(lines) == 1 + broadcast.recipients
    async with db.session() as session:
        entries = (
            await session.exec(select(AuditEntry).where(col(AuditEntry.action) == export.ACTION))
        ).all()
    assert [(e.actor_id, e.subject_user_id, e.detail) for e in entries] == [
        (ADMIN, None, {"broadcast_id": broadcast.id, "rows": broadcast.recipients, "via": "chat"})
    ]
    assert entries[0].at == clock.now()
    logged = caplog.text
    assert "exported" in logged
    for chat in [ADMIN, *chats]:
        assert str(chat) not in logged
