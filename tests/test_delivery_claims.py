"""The outbox claim: concurrent workers never get the same row, and order rules hold."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from storage import outbox as store
from storage.db import Database
from storage.models import Outbox

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


async def queue(db: Database, rows: list[tuple[int, str]], **extra: object) -> list[int]:
    async with db.session() as session:
        made = [
            Outbox(
                dedupe_key=key,
                kind="notice",
                chat_id=chat,
                payload={"method": "sendMessage", "text": key},
                created_at=NOW,
                next_attempt_at=NOW,
                **extra,  # type: ignore[arg-type]
            )
            for chat, key in rows
        ]
        session.add_all(made)
        await session.flush()
        return [r.id for r in made if r.id is not None]


async def claim(db: Database, token: str, *, now: datetime = NOW, limit: int = 100) -> list[Outbox]:
    async with db.session() as session:
        return await store.claim_due(session, token=token, now=now, lease=LEASE, limit=limit)


async def test_four_claimers_on_separate_connections_never_share_a_row(database_url: str) -> None:
    setup = Database(database_url)
    await queue(setup, [(chat, f"m{chat}") for chat in range(1, 401)])
    await setup.dispose()
    engines = [Database(database_url) for _ in range(4)]
    claimed: list[list[int]] = [[] for _ in engines]

    async def worker(index: int) -> None:
        for round_ in range(1000):
            rows = await claim(engines[index], f"w{index}/{round_}", limit=7)
            if not rows:
                return
            claimed[index] += [r.id for r in rows if r.id is not None]
            async with engines[index].session() as session:
                for row in rows:
                    assert row.id is not None
                    await store.mark_sent(session, row.id, now=NOW, message_id=1)

    try:
        await asyncio.gather(*(worker(i) for i in range(4)))
    finally:
        for engine in engines:
            await engine.dispose()
    every = [row_id for rows in claimed for row_id in rows]
    assert len(every) == len(set(every)) == 400


async def test_a_leased_row_waits_for_its_lease_and_a_chat_stays_with_one_claimer(
    db: Database,
) -> None:
    await queue(db, [(7, "first"), (7, "second"), (8, "other")])
    mine = await claim(db, "a/1", limit=1)
    assert [r.dedupe_key for r in mine] == ["first"]
    # Chat 7 is in a live lease: another claimer gets chat 8 only.
    theirs = await claim(db, "b/1")
    assert [r.dedupe_key for r in theirs] == ["other"]
    # Once the leases have run out, every row (and its chat) is free again.
    later = await claim(db, "c/1", now=NOW + LEASE + timedelta(seconds=1))
    assert [r.dedupe_key for r in later] == ["first", "second", "other"]


async def test_a_row_waits_for_the_row_it_comes_after(db: Database) -> None:
    [original] = await queue(db, [(7, "original")])
    await queue(db, [(9, "edit")], after_id=original)
    first = await claim(db, "a/1")
    assert [r.dedupe_key for r in first] == ["original"]
    assert await claim(db, "a/2") == []  # the edit waits while the original is pending
    async with db.session() as session:
        await store.mark_sent(session, original, now=NOW, message_id=5)
    assert [r.dedupe_key for r in await claim(db, "a/3")] == ["edit"]


async def test_a_rescheduled_row_is_not_due_before_its_time_and_release_frees_it(
    db: Database,
) -> None:
    [row_id] = await queue(db, [(7, "retry me")])
    await claim(db, "a/1")
    async with db.session() as session:
        await store.reschedule(
            session, row_id, "a/1", at=NOW + timedelta(seconds=8), error="NetworkError"
        )
    assert await claim(db, "a/2", now=NOW + timedelta(seconds=7)) == []
    [again] = await claim(db, "a/3", now=NOW + timedelta(seconds=8))
    assert again.attempts == 1 and again.last_error == "NetworkError"
    async with db.session() as session:
        await store.release(session, [row_id], "a/3")
    assert [r.id for r in await claim(db, "a/4", now=NOW + timedelta(seconds=8))] == [row_id]
