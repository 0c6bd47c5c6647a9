"""How the staff views scale: /help, /ledger and /due latency for an admin with 1,000
and with 100,000 people in the database.

The real bot (BotService via the harness, polling the in-process fake Bot API) runs on a
database seeded, in bulk, with a population like a district's: five communities, two
thirds of the people pregnant (every week from 4 to 41, some graded orange, red or
purple, a few delivered), the rest parents; most of the priority group reported in the
past week, some did not; a few open alerts. An admin (who sees everyone) sends each
command --repeat times; latency is from the update being queued at the fake to the bot
having finished handling it (its unit of work committed), timed in this process. Then
the population grows to the next size and the same is measured again.

Goal (issue 14): /ledger grows by less than 2x from 1,000 to 100,000 people.
Prints one JSON line on stdout; progress goes to stderr.
Usage: python benchmarks/scale.py [--sizes 1000,100000] [--repeat 5]
    [--database-url postgresql://postgres@127.0.0.1:5432/mch_bench]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from _load import COMMUNITIES, backend, database, run, stderr
from sqlalchemy import insert

from bot.devtools.harness import BotHarness
from storage.db import Database
from storage.models import Alert, Community, Profile, Report, User

ADMIN = 9_000_001
BASE = 10_000_000
CHUNK = 5_000
COMMANDS = ["/help", "/ledger", "/due"]
EXPECTED = {"/help": "What I can do", "/ledger": "People: ", "/due": "Due for follow-up"}


async def _seed_communities(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(
            insert(Community),
            [
                {
                    "code": code,
                    "name_zh": f"社区{code}",
                    "name_en": f"Community {code}",
                    "district_zh": "东城区",
                    "district_en": "Dongcheng District",
                    "latitude": 31.23,
                    "longitude": 121.47,
                }
                for code in COMMUNITIES
            ],
        )
        await conn.execute(
            insert(User), [{"id": ADMIN, "chat_id": ADMIN, "locale": "en", "created_at": _now()}]
        )


def _now() -> datetime:
    return datetime.now(UTC)


def _rows(start: int, stop: int, rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    """Users, profiles, reports and alerts for people start..stop-1 (as bulk rows)."""
    now = _now()
    today = now.date()
    users, profiles, reports = [], [], []
    for n in range(start, stop):
        user_id = BASE + n
        users.append({"id": user_id, "chat_id": user_id, "locale": "zh_Hans", "created_at": now})
        pregnant = n % 3 != 0
        week = rng.randint(4, 41)
        colour = rng.choice([None] * 6 + ["green", "yellow", "orange", "red", "purple"])
        profiles.append(
            {
                "user_id": user_id,
                "consent": "given",
                "consent_at": now,
                "display_name": f"Person {n}",
                "pregnant": pregnant,
                "parent": not pregnant,
                "due_date": today + timedelta(days=280 - week * 7) if pregnant else None,
                "dating_method": "due_date" if pregnant else None,
                "risk_colour": colour if pregnant else None,
                "pregnancy_outcome": "birth" if pregnant and n % 50 == 0 else None,
                "community_code": COMMUNITIES[n % len(COMMUNITIES)],
                "phone": "13800000000",
                "paused": False,
                "onboarded_at": now,
                "created_at": now,
                "updated_at": now,
            }
        )
        # The priority group is followed weekly: most reported in the past days.
        if pregnant and (week >= 37 or colour in {"orange", "red", "purple"}):
            if rng.random() < 0.9:
                days = rng.randint(0, 6)
                reports.append(_report(user_id, now - timedelta(days=days)))
        elif rng.random() < 0.2:
            reports.append(_report(user_id, now - timedelta(days=rng.randint(0, 60))))
    return {"users": users, "profiles": profiles, "reports": reports}


def _report(user_id: int, at: datetime) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "subject": "pregnancy",
        "data": {},
        "level": "routine",
        "reasons": [],
        "created_at": at,
    }


async def grow(db: Database, start: int, stop: int, rng: random.Random) -> None:
    for first in range(start, stop, CHUNK):
        rows = _rows(first, min(stop, first + CHUNK), rng)
        async with db.engine.begin() as conn:
            await conn.execute(insert(User), rows["users"])
            await conn.execute(insert(Profile), rows["profiles"])
            if rows["reports"]:
                await conn.execute(insert(Report), rows["reports"])


async def open_alerts(db: Database, people: int, count: int, rng: random.Random) -> None:
    """`count` open alerts on reports of random people (staff have not acknowledged yet)."""
    async with db.engine.begin() as conn:
        for _ in range(count):
            n = rng.randrange(people)
            result = await conn.execute(
                insert(Report).returning(Report.id), [_report(BASE + n, _now())]
            )
            report_id = result.scalar_one()
            await conn.execute(
                insert(Alert),
                [
                    {
                        "report_id": report_id,
                        "user_id": BASE + n,
                        "community_code": COMMUNITIES[n % len(COMMUNITIES)],
                        "level": "see_doctor_today",
                        "status": "open",
                        "created_at": _now(),
                    }
                ],
            )


async def measure(harness: BotHarness, repeat: int) -> dict[str, Any]:
    admin = harness.user(ADMIN, language_code="en")
    figures: dict[str, Any] = {}
    for command in COMMANDS:
        await admin.send(command)  # warm: caches, connections, the query plans
        times = []
        shown = True
        for _ in range(repeat):
            started = time.perf_counter()
            reply = await admin.send(command)
            times.append(time.perf_counter() - started)
            assert reply.calls, f"no answer to {command}"
            shown = shown and EXPECTED[command] in reply.text
        name = command.strip("/")
        figures[f"{name}_shown"] = shown  # False: answered with something else (an error)
        figures[f"{name}_p50_ms"] = round(statistics.median(times) * 1000, 1)
        figures[f"{name}_max_ms"] = round(max(times) * 1000, 1)
    return figures


async def main(args: argparse.Namespace) -> None:
    sizes = sorted(int(x) for x in args.sizes.split(",") if x)
    rng = random.Random(args.seed)
    results: dict[str, Any] = {}
    async with database(args.database_url) as url:
        db = Database(url)
        await _seed_communities(db)
        people = 0
        # One bot for every size (the population grows under it while it is idle): a
        # fresh fake would number its updates from 1 again, which the inbox has seen.
        async with BotHarness(_settings(url)) as harness:
            for size in sizes:
                stderr(f"growing to {size} people on {backend(url)}")
                started = time.perf_counter()
                await grow(db, people, size, rng)
                if people == 0:
                    await open_alerts(db, size, args.alerts, rng)
                people = size
                stderr(f"  seeded in {time.perf_counter() - started:.1f} s")
                async with db.engine.begin() as conn:  # fresh statistics for the planner
                    await conn.exec_driver_sql("ANALYZE")
                results[str(size)] = await measure(harness, args.repeat)
                stderr(f"  {size}: {results[str(size)]}")
        await db.dispose()
    small, large = results[str(sizes[0])], results[str(sizes[-1])]
    print(
        json.dumps(
            {
                "database": backend(url),
                "repeat": args.repeat,
                "open_alerts": args.alerts,
                "people": results,
                "ledger_growth": round(large["ledger_p50_ms"] / small["ledger_p50_ms"], 2),
                "due_growth": round(large["due_p50_ms"] / small["due_p50_ms"], 2),
            }
        ),
        flush=True,
    )


def _settings(url: str) -> Any:
    from bot.config import Settings

    return Settings(_env_file=None, DATABASE_URL=url, ADMIN_IDS=str(ADMIN))  # type: ignore[call-arg]


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--alerts", type=int, default=20, help="open alerts (default 20)")
    parser.add_argument("--seed", type=int, default=14)


if __name__ == "__main__":
    run(__doc__ or "", main, _arguments)
