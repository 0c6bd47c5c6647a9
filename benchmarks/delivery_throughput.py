"""How fast the delivery worker drains the outbox, and what it holds in memory.

Queues messages in the outbox, then lets one DeliveryWorker send them to the
fake Bot API over loopback HTTP (server and worker share one process and one
event loop, so the figures include the fake's own work). Prints figures;
asserts nothing.

Scenarios:
  unthrottled  the limiter set out of the way: what the worker, the database and
               HTTP can do (one message per chat, so the per-chat pace never binds)
  limits       the configured limits (SEND_RATE_PER_SECOND, SEND_PER_CHAT_INTERVAL),
               two messages per chat: the rate should sit just under the setting

Usage:
  python benchmarks/delivery_throughput.py [--messages 2000] [--limited 200]
      [--database-url postgresql://postgres@127.0.0.1:5432/bench_delivery]

On PostgreSQL only rows of kind "bench" are written and removed; point it at a
database of your own anyway.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.clock import Clock
from bot.config import Settings, normalise_database_url
from bot.delivery import DeliveryWorker
from bot.devtools.fake_telegram import FakeTelegram
from bot.i18n import Catalogs
from bot.runtime import Runtime
from storage.db import Database
from storage.models import Outbox


class CountOnly(list):  # type: ignore[type-arg]
    """Stands in for FakeTelegram.calls: counts calls instead of keeping them, so the
    memory figure is the worker's, not the fake server's record of every message."""

    count = 0

    def append(self, _call: object) -> None:
        self.count += 1


@dataclass
class Figures:
    scenario: str
    messages: int
    seconds: float
    peak_mib: float | None

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


async def queue(db: Database, run: str, messages: int, per_chat: int) -> None:
    now = Clock().now()
    async with db.session() as session:
        session.add_all(
            Outbox(
                dedupe_key=f"bench:{run}:{i}",
                kind="bench",
                chat_id=1_000_000 + i // per_chat,
                payload={"method": "sendMessage", "text": f"Benchmark message {i} " + "x" * 200},
                created_at=now,
                next_attempt_at=now,
            )
            for i in range(messages)
        )


async def clear(db: Database) -> None:
    async with db.session() as session:
        await session.exec(delete(Outbox).where(Outbox.kind == "bench"))  # type: ignore[call-overload]


async def drain(
    settings: Settings,
    telegram: FakeTelegram,
    *,
    scenario: str,
    messages: int,
    per_chat: int,
    measure_memory: bool,
) -> Figures:
    db = Database(settings.database_url)
    await db.upgrade()
    await clear(db)
    runtime = Runtime(settings, db, Catalogs(settings.default_locale), Clock())
    bot = Bot(
        telegram.token,
        base_url=telegram.base_url,
        request=HTTPXRequest(connection_pool_size=16),
    )
    await bot.initialize()
    await queue(db, scenario, messages, per_chat)
    worker = DeliveryWorker(runtime, bot)
    if measure_memory:
        tracemalloc.start()
    started = time.perf_counter()
    settled = 0
    while settled < messages:
        settled += await worker.run_once()
    seconds = time.perf_counter() - started
    peak = None
    if measure_memory:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    assert worker.stats["sent"] == messages, worker.stats
    await clear(db)
    await bot.shutdown()
    await db.dispose()
    return Figures(scenario, messages, seconds, peak)


async def main(messages: int, limited: int, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = normalise_database_url(database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        base = Settings(_env_file=None, DATABASE_URL=url)  # type: ignore[call-arg]
        results: list[Figures] = []
        async with FakeTelegram() as telegram:
            telegram.calls = CountOnly()
            free = base.model_copy(
                update={"send_rate_per_second": 1_000_000.0, "send_per_chat_interval": 0.0}
            )
            results.append(
                await drain(
                    free,
                    telegram,
                    scenario="unthrottled",
                    messages=messages,
                    per_chat=1,
                    measure_memory=False,
                )
            )
            memory = await drain(
                free,
                telegram,
                scenario="unthrottled+tracemalloc",
                messages=messages,
                per_chat=1,
                measure_memory=True,
            )
            results.append(memory)
            if limited:
                results.append(
                    await drain(
                        base,
                        telegram,
                        scenario=(
                            f"limits {base.send_rate_per_second:g}/s, "
                            f"{base.send_per_chat_interval:g}s/chat"
                        ),
                        messages=limited,
                        per_chat=2,
                        measure_memory=False,
                    )
                )
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    print(f"database: {backend}")
    print(f"{'scenario':<32} {'messages':>8} {'seconds':>8} {'msg/s':>8} {'peak MiB':>9}")
    for r in results:
        peak = f"{r.peak_mib:9.1f}" if r.peak_mib is not None else f"{'-':>9}"
        print(f"{r.scenario:<32} {r.messages:>8} {r.seconds:>8.2f} {r.rate:>8.1f} {peak}")
    print("(tracemalloc slows Python down: read the rate from the run without it)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument(
        "--limited", type=int, default=200, help="messages for the limits run (0: skip)"
    )
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    asyncio.run(main(args.messages, args.limited, args.database_url))
