"""How fast a broadcast goes out, end to end, against a fake Bot API in another process.

Seeds N people, creates a broadcast to everyone through the broadcast service
(one outbox row each, one transaction), then lets one DeliveryWorker send it at
the configured rate to `python -m bot.devtools.fake_server`, which records each
arrival. Prints one JSON line:

    recipients, sent, duplicates, missing, configured_rate, achieved_rate,
    ratio (achieved / configured), peak_rss_mb (this process), seconds, database

achieved_rate is sends over the time from the worker's start to the last answer
recorded;
wire_rate is sends over the time between the first and last arrival at the fake;
cpu_ms_per_message is this process's CPU per message (the machine's share matters:
the fake and the database run beside it).

Usage:
  python benchmarks/broadcast.py [--recipients 20000] [--rate 1000]
      [--database-url postgresql://postgres@127.0.0.1:5432/bench_broadcast]

On PostgreSQL the schema of the given database is dropped and rebuilt: give it a
database of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp
from telegram import Bot

from bot.broadcasts import progress, service
from bot.broadcasts.segments import Segment
from bot.clock import Clock
from bot.config import Settings, normalise_database_url
from bot.delivery import DeliveryWorker
from bot.devtools import population
from bot.i18n import Catalogs
from bot.runtime import Runtime
from storage import broadcasts as queries
from storage.db import Database
from storage.rebuild import rebuild

ADMIN = 1


async def pending(db: Database, broadcast_id: int) -> int:
    async with db.session() as session:
        return await queries.pending_count(session, broadcast_id)


async def run(recipients: int, rate: float, url: str) -> dict[str, object]:
    await rebuild(url)
    fake = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.devtools.fake_server", stdout=asyncio.subprocess.PIPE
    )
    assert fake.stdout is not None
    ready = json.loads(await fake.stdout.readline())
    base = f"http://127.0.0.1:{ready['port']}"
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        DATABASE_URL=url,
        SEND_RATE_PER_SECOND=rate,
        ALLOW_PAID_BROADCAST=rate > 30,
        BROADCAST_SECOND_ADMIN_ABOVE=recipients + 1,
    )
    db = Database(settings.database_url)
    runtime = Runtime(settings, db, Catalogs(settings.default_locale), Clock())
    bot = Bot(ready["token"], base_url=f"{base}/bot")
    try:
        now = runtime.clock.now()
        seeded = await population.seed(db, recipients, now, now.date())
        texts = {"zh_Hans": "<b>高温预警</b>：请多喝水，避免中午外出。", "en": "<b>Heat</b>."}
        broadcast, _ = await service.create(
            runtime, service.Request(ADMIN, texts, Segment(), urgent=True)
        )
        assert broadcast.id is not None
        worker = DeliveryWorker(runtime, bot, name="bench")
        worker.filters.append(service.hold_filter(runtime))
        started = time.perf_counter()
        cpu_started = time.process_time()
        await worker.start()
        # The last answer recorded, seen within 10 ms (a database poll every 0.1 s added up
        # to a tenth of a second and its own load to the time measured).
        while worker.records.settled < broadcast.recipients:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        seconds = time.perf_counter() - started
        while await pending(db, broadcast.id):  # noqa: ASYNC110 (the rows are in the database)
            await asyncio.sleep(0.1)
        cpu = time.process_time() - cpu_started
        await worker.stop()
        final = await progress.progress_of(runtime, broadcast.id)
        async with aiohttp.ClientSession() as http, http.get(f"{base}/control/calls") as r:
            calls = (await r.json())["calls"]
    finally:
        fake.terminate()
        await fake.wait()
        await db.dispose()
    sends = [c for c in calls if c["ok"] and c["method"] == "sendMessage"]
    counts = Counter(int(c["params"]["chat_id"]) for c in sends)
    expected = {p.chat_id for p in seeded if p.reachable}
    arrivals = sorted(c["at"] for c in sends)
    wire = (arrivals[-1] - arrivals[0]) if len(arrivals) > 1 else 0.0
    achieved = len(sends) / seconds if seconds else 0.0
    return {
        "recipients": broadcast.recipients,
        "sent": final.sent,
        "duplicates": sum(n - 1 for n in counts.values() if n > 1),
        "missing": len(expected - set(counts)),
        "configured_rate": rate,
        "achieved_rate": round(achieved, 1),
        "ratio": round(achieved / rate, 3),
        "wire_rate": round(len(sends) / wire, 1) if wire else None,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "seconds": round(seconds, 2),
        # CPU of this process per message: the ceiling on a free core is 1000 / this.
        "cpu_ms_per_message": round(1000 * cpu / max(1, len(sends)), 3),
        "database": "postgresql" if url.startswith("postgresql") else "sqlite",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = normalise_database_url(args.database_url or f"sqlite:///{Path(tmp) / 'b.sqlite3'}")
        print(json.dumps(asyncio.run(run(args.recipients, args.rate, url))), flush=True)


if __name__ == "__main__":
    main()
