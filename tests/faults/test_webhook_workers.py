"""Webhook workers as real processes: one person's updates split between two
workers keep their order; the same update delivered twice, or to both
workers, is handled once."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import aiohttp
import pytest

from bot.devtools.harness import free_port
from tests.conftest import POSTGRES_URL
from tests.faults.world import (
    STAFF,
    BotProcess,
    FakeApi,
    Person,
    fault_database,
    figures,
    reports_by_person,
    seed_mothers,
    texts_to,
)

SPLIT = list(range(301, 311))
TWICE = list(range(401, 406))
WRITERS = [Person(7000 + i) for i in range(10)]


async def _open_report_and_tick(
    fake: FakeApi, http: aiohttp.ClientSession, worker: BotProcess, mother: Person
) -> tuple[dict, dict]:
    """/report on a worker; returns the tick and Done presses, not yet delivered."""
    assert await worker.post(http, mother.says("/report")) == 200
    calls = await mother.next_reply(fake, [])
    tick = mother.presses(calls, "Vaginal bleeding")
    done = mother.presses(calls, "Done")  # the same keyboard: pressed 30 ms after the tick
    return tick, done


async def _split(fake: FakeApi, http: aiohttp.ClientSession, a: BotProcess, b: BotProcess,
                 mother: Person) -> None:  # fmt: skip
    tick, done = await _open_report_and_tick(fake, http, a, mother)

    async def later() -> int:
        await asyncio.sleep(0.03)
        return await b.post(http, done)

    statuses = await asyncio.gather(a.post(http, tick), later())
    assert statuses == [200, 200]
    await fake.wait(lambda c: any("120" in t for t in texts_to(c, mother.id)), timeout=60)


async def _twice(fake: FakeApi, http: aiohttp.ClientSession, workers: list[BotProcess],
                 mother: Person) -> None:  # fmt: skip
    tick, done = await _open_report_and_tick(fake, http, workers[0], mother)
    before = await fake.calls()
    assert await workers[0].post(http, tick) == 200
    await mother.next_reply(fake, before)
    # Telegram retries a delivery it thinks failed, possibly to another worker.
    targets = [workers[0], workers[-1], workers[0]]
    assert await asyncio.gather(*[w.post(http, done) for w in targets]) == [200, 200, 200]
    await fake.wait(lambda c: any("120" in t for t in texts_to(c, mother.id)), timeout=60)


async def _run(tmp_path: Path, worker_count: int) -> dict[str, int]:
    async with fault_database(tmp_path) as url, FakeApi() as fake:
        await seed_mothers(url, SPLIT + TWICE)
        workers = [
            BotProcess(fake, url, tmp_path / f"w{i}", WEBHOOK_PORT=str(free_port()))
            for i in range(worker_count)
        ]
        for worker in workers:
            await worker.start()
        try:
            async with aiohttp.ClientSession() as http:
                helps = [w.says("/help") for w in WRITERS]
                posts = [worker.post(http, u) for u in helps for worker in workers + workers]
                assert set(await asyncio.gather(*posts)) == {200}
                if worker_count > 1:
                    a, b = workers[0], workers[1]
                    await asyncio.gather(*[_split(fake, http, a, b, Person(m)) for m in SPLIT])
                await asyncio.gather(*[_twice(fake, http, workers, Person(m)) for m in TWICE])
                calls = await fake.wait(
                    lambda c: len([t for t in texts_to(c, STAFF) if "bleeding" in t.lower()])
                    >= (len(SPLIT) if worker_count > 1 else 0) + len(TWICE),
                    timeout=60,
                )
                await asyncio.sleep(1.5)  # room for any duplicate to show up
                calls = await fake.calls()
        finally:
            for worker in workers:
                await worker.stop()
        reports = await reports_by_person(url)
    mothers = (SPLIT if worker_count > 1 else []) + TWICE
    help_replies = Counter(
        w.id for w in WRITERS for t in texts_to(calls, w.id) if "What I can do" in t
    )
    return {
        "writers_answered_once": sum(help_replies[w.id] == 1 for w in WRITERS),
        "reports_expected": len(mothers),
        "reports": sum(reports.values()),
        "mothers_with_one_report": sum(reports[m] == 1 for m in mothers),
        "alerts": len([t for t in texts_to(calls, STAFF) if "bleeding" in t.lower()]),
    }


async def test_the_same_update_three_times_is_handled_once(tmp_path: Path) -> None:
    counts = await _run(tmp_path, worker_count=1)
    figures("webhook_duplicates", **counts)
    assert counts["writers_answered_once"] == len(WRITERS)
    assert counts["reports"] == counts["mothers_with_one_report"] == len(TWICE)
    assert counts["alerts"] == len(TWICE)


@pytest.mark.skipif(not POSTGRES_URL, reason="several workers share PostgreSQL, never SQLite")
async def test_two_workers_keep_one_persons_order_and_handle_each_update_once(
    tmp_path: Path,
) -> None:
    counts = await _run(tmp_path, worker_count=2)
    figures("webhook_two_workers", **counts)
    assert counts["writers_answered_once"] == len(WRITERS)
    # The tick on one worker and Done 30 ms later on the other: the bleeding is never lost.
    assert counts["reports"] == counts["mothers_with_one_report"] == len(SPLIT) + len(TWICE)
    assert counts["alerts"] == len(SPLIT) + len(TWICE)
