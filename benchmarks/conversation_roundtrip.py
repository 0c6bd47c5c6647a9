"""How long one message takes through the whole stack, and what the bot holds in memory.

Runs the real Application against the fake Bot API over loopback HTTP, on a
temporary SQLite file (or DATABASE_URL), and prints figures; it asserts
nothing. Usage: python benchmarks/conversation_roundtrip.py [--users 20] [--rounds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from bot.config import Settings
from bot.devtools.harness import BotHarness


async def main(users: int, rounds: int, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        settings = Settings(_env_file=None, DATABASE_URL=url)  # type: ignore[call-arg]
        tracemalloc.start()
        async with BotHarness(settings) as harness:
            people = [harness.user(10_000 + i, language_code="en") for i in range(users)]
            latencies: list[float] = []
            started = time.perf_counter()
            for _ in range(rounds):
                for person in people:
                    t0 = time.perf_counter()
                    await person.send("/help")
                    latencies.append(time.perf_counter() - t0)
            elapsed = time.perf_counter() - started
            # An onboarding conversation: 8 steps through dialogs stored in the database.
            t0 = time.perf_counter()
            for person in people:
                await person.send("/start")
                await person.press("English")
                await person.press("I agree")
                await person.press("I am pregnant")
                await person.press("How many weeks")
                await person.send("30+1")
                await person.press("Yes")
                await person.press("Green")
            onboarding = (time.perf_counter() - t0) / users
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    latencies.sort()
    print(f"database: {url.split(':', 1)[0]}")
    print(
        f"messages: {len(latencies)}  throughput: {len(latencies) / elapsed:.1f} msg/s (sequential)"
    )
    print(
        f"round trip: p50 {statistics.median(latencies) * 1000:.1f} ms, "
        f"p95 {latencies[int(len(latencies) * 0.95)] * 1000:.1f} ms"
    )
    print(f"onboarding to the community question: {onboarding * 1000:.0f} ms per person (8 steps)")
    print(f"peak traced Python memory: {peak / 1e6:.1f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    asyncio.run(main(args.users, args.rounds, args.database_url))
