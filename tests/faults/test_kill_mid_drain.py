"""kill -9 while the delivery worker drains the outbox: nothing lost, and a
restart repeats at most the messages that were in flight at the kill."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bot.config import normalise_database_url
from bot.delivery.policy import default_concurrency
from storage.db import Database
from storage.models import Outbox
from tests.faults.world import BotProcess, FakeApi, delivered, duplicates, fault_database, figures

MESSAGES, CHATS, KILLS = 2000, 400, 3
RATE = 400
CONCURRENCY = default_concurrency(RATE)  # the worker's sends in flight at that rate


async def queue_messages(url: str, count: int = MESSAGES, *, chats: int = CHATS) -> None:
    """`count` messages m0, m1, ... already queued in the outbox, as a broadcast would."""
    db = Database(normalise_database_url(url))
    await db.upgrade()
    now = datetime.now(UTC)
    async with db.session() as session:
        for i in range(count):
            session.add(
                Outbox(
                    dedupe_key=f"drain:{i}",
                    kind="broadcast",
                    chat_id=5_000_000 + i % chats,
                    payload={"method": "sendMessage", "text": f"m{i}"},
                    created_at=now,
                    next_attempt_at=now,
                )
            )
    await db.dispose()


async def test_kill_9_mid_drain_loses_nothing_and_repeats_at_most_what_was_in_flight(
    tmp_path: Path,
) -> None:
    async with fault_database(tmp_path) as url, FakeApi() as fake:
        await queue_messages(url)
        env = {"SEND_RATE_PER_SECOND": str(RATE), "SEND_PER_CHAT_INTERVAL": "0"}
        kills_at: list[int] = []
        for kill in range(KILLS):
            bot = BotProcess(fake, url, tmp_path / "bot", **env)
            await bot.start()
            goal = (kill + 1) * MESSAGES // (KILLS + 1)
            await fake.wait(lambda calls, g=goal: len(delivered(calls)) >= g, timeout=120)
            bot.kill()
            await bot.wait_dead()
            kills_at.append(len(await fake.calls()))
        bot = BotProcess(fake, url, tmp_path / "bot", **env)
        await bot.start()
        calls = await fake.wait(
            lambda calls: len({c["params"]["text"] for c in delivered(calls)}) >= MESSAGES,
            timeout=180,
        )
        await bot.stop()

    counts = Counter(str(c["params"]["text"]) for c in delivered(calls))
    missing = MESSAGES - len(counts)
    repeated = duplicates(counts)
    # A repeat within one run is a send that timed out after Telegram had it; a repeat
    # across a kill is one that was in flight when the process died.
    runs = Counter(
        (str(c["params"]["text"]), sum(c["index"] >= k for k in kills_at)) for c in delivered(calls)
    )
    within_run = sum(n - 1 for n in runs.values() if n > 1)
    figures(
        "kill_mid_drain",
        kills=KILLS,
        messages=MESSAGES,
        delivered=sum(counts.values()),
        lost=missing,
        duplicated=repeated,
        repeated_after_kill=repeated - within_run,
        timed_out_after_delivery=within_run,
    )
    assert missing == 0
    assert repeated - within_run <= KILLS * CONCURRENCY
