"""How long it takes, and how much memory, to compute the day's due follow-up items.

Seeds N registered people (70 % pregnant across all weeks and colours, 30 % parents
with a child 0-6; a tenth reported in the last two weeks; a fifth already had
follow-up items this week), then runs what the follow-up runner runs each minute
to decide what is due — the keyset batches of bot/followup/facts.py and the pure
planner — for everyone, at 10:00 local on a Monday, without sending. Prints one
JSON line. Goal (issue 12): 100,000 people in under 5 s within 500 MB.

Usage:
  python benchmarks/schedule.py [--people 10000 100000]
      [--database-url postgresql://postgres@127.0.0.1:5432/bench_schedule]

Without --database-url it runs on a temporary SQLite file only; with it, on SQLite
and then on that PostgreSQL database (its public schema is dropped and rebuilt:
name a database of your own).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import time
import tracemalloc
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from benchmarks._load import backend, database
from bot.clock import ManualClock
from bot.config import Settings
from bot.followup import facts, runner
from bot.runtime import Runtime
from storage.models import Child, FollowupItem, Profile, Report, User

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
BASE = 1_000_000
CHUNK = 5000
COLOURS = ("green", "yellow", "orange", "red", "purple", None)


def rows(count: int) -> dict[str, list[dict[str, Any]]]:
    today = NOW.date()
    users, profiles, children, reports, items = [], [], [], [], []
    for n in range(count):
        user_id = BASE + n
        users.append({"id": user_id, "chat_id": user_id, "locale": None, "created_at": NOW})
        pregnant = n % 10 < 7
        profiles.append(
            {
                "user_id": user_id,
                "consent": "given",
                "consent_at": NOW - timedelta(days=90),
                "pregnant": pregnant,
                "parent": not pregnant,
                "due_date": today + timedelta(days=(n * 7) % 266) if pregnant else None,
                "risk_colour": COLOURS[n % len(COLOURS)] if pregnant else None,
                "paused": n % 50 == 0,
                "onboarded_at": NOW - timedelta(days=90),
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
        if not pregnant:
            children.append(
                {"user_id": user_id, "birth_date": today - timedelta(days=(n * 13) % 2000)}
            )
        if n % 10 == 3:
            data = {"symptoms": ["fever"] if n % 20 == 3 else [], "temperature_c": 37.0}
            reports.append(
                {
                    "user_id": user_id,
                    "subject": "pregnancy" if pregnant else "child",
                    "data": data,
                    "level": "routine",
                    "reasons": [],
                    "created_at": NOW - timedelta(days=n % 14),
                }
            )
        if n % 5 == 1:
            items.append(
                {
                    "user_id": user_id,
                    "key": "checkin:2026-11-29",
                    "event": "checkin",
                    "action": "checkin",
                    "ref": "priority",
                    "status": "answered",
                    "token": "abcdef",
                    "sent_at": NOW - timedelta(days=1),
                    "expires_at": NOW - timedelta(hours=10),
                    "ladder_steps": 1,
                }
            )
    return {
        "users": users,
        "profiles": profiles,
        "children": children,
        "reports": reports,
        "items": items,
    }


async def seed(runtime: Runtime, count: int) -> None:
    tables = rows(count)
    for model, key in (
        (User, "users"),
        (Profile, "profiles"),
        (Child, "children"),
        (Report, "reports"),
        (FollowupItem, "items"),
    ):
        data = tables[key]
        for start in range(0, len(data), CHUNK):
            async with runtime.db.session() as session:
                await session.exec(insert(model), params=data[start : start + CHUNK])  # type: ignore[call-overload]


async def compute(runtime: Runtime) -> Counter[str]:
    """The day's due items for everyone, batch by batch, as the runner decides them."""
    counts: Counter[str] = Counter()
    after = 0
    while True:
        async with runtime.db.session() as session:
            plans, last = await runner.plan_batch(
                runtime, session, NOW, after=after, limit=facts.BATCH
            )
        if last is None:
            return counts
        for _who, found in plans:
            counts["due"] += len(found.send)
            counts["held"] += len(found.held)
            for occurrence in found.send:
                counts[occurrence.action] += 1
        counts["people"] += len(plans)
        after = last


async def measure(url: str | None, count: int) -> dict[str, Any]:
    async with database(url) as db_url:
        settings = Settings(_env_file=None, DATABASE_URL=db_url)  # type: ignore[call-arg]
        runtime = await Runtime.open(settings, clock=ManualClock(NOW))
        try:
            await seed(runtime, count)
            runner.schedule(), runner.catalog()  # loaded once per process, not timed
            started = time.perf_counter()
            counts = await compute(runtime)
            seconds = time.perf_counter() - started
            # The runner scans every minute: later scans find the calendar caches warm.
            started = time.perf_counter()
            await compute(runtime)
            repeat = time.perf_counter() - started
            tracemalloc.start()
            await compute(runtime)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        finally:
            await runtime.close()
    return {
        "backend": backend(db_url),
        "registered": count,
        "candidates": counts["people"],
        "due": counts["due"],
        "due_by_action": {k: counts[k] for k in ("checkin", "stage", "topic", "dialog")},
        "seconds": round(seconds, 3),
        "seconds_repeat": round(repeat, 3),
        "peak_traced_mb": round(peak / 2**20, 1),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--database-url", help="a PostgreSQL database of your own")
    args = parser.parse_args()
    results = []
    for url in [None, *([args.database_url] if args.database_url else [])]:
        for count in args.people:
            results.append(await measure(url, count))
    goal = [r for r in results if r["registered"] == 100_000]
    load = os.getloadavg()[0]
    print(
        json.dumps(
            {
                "benchmark": "schedule",
                "goal": "100000 people in < 5 s within 500 MB",
                "met": bool(goal) and all(r["seconds"] < 5 and r["max_rss_mb"] < 500 for r in goal),
                "results": results,
                "load_average_1m": round(load, 2),  # the machine is shared: figures vary
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
