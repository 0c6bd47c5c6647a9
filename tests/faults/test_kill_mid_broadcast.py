"""kill -9 of `python -m bot run` in the middle of a broadcast, then a restart: every
eligible person gets it, nobody excluded does, and a repeat is only ever a message that
was in flight at the kill (docs/exactly-once.md)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bot.broadcasts import service
from bot.broadcasts.segments import Segment
from bot.clock import Clock
from bot.config import Settings, normalise_database_url
from bot.delivery.policy import default_concurrency
from bot.devtools import population
from bot.devtools.fake_limits import arrivals_of_calls, pacing
from bot.i18n import Catalogs
from bot.runtime import Runtime
from storage.db import Database
from tests.faults.world import BotProcess, FakeApi, delivered, fault_database, figures

PEOPLE, RATE = 1200, 100


async def queue_broadcast(url: str) -> set[int]:
    """Seed the population and queue one urgent broadcast to everyone; its chat ids."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, DATABASE_URL=url, BROADCAST_SECOND_ADMIN_ABOVE=PEOPLE + 1
    )
    db = Database(settings.database_url)
    await db.upgrade()
    runtime = Runtime(settings, db, Catalogs(settings.default_locale), Clock())
    try:
        now = runtime.clock.now()
        seeded = await population.seed(db, PEOPLE, now, now.date())
        request = service.Request(1, {"zh_Hans": "停电通知", "en": "Power cut"}, Segment(), True)
        broadcast, _ = await service.create(runtime, request)
    finally:
        await db.dispose()
    eligible = {p.chat_id for p in seeded if p.reachable}
    assert broadcast.recipients == len(eligible)
    return eligible


async def test_kill_9_mid_broadcast_and_a_restart_finish_it_with_no_one_missed(
    tmp_path: Path,
) -> None:
    async with fault_database(tmp_path) as url, FakeApi() as fake:
        eligible = await queue_broadcast(normalise_database_url(url))
        env = {"SEND_RATE_PER_SECOND": str(RATE)}
        bot = BotProcess(fake, url, tmp_path / "bot", **env)
        await bot.start()
        await fake.wait(lambda calls: len(delivered(calls)) >= len(eligible) // 3, timeout=60)
        bot.kill()
        await bot.wait_dead()
        at_kill = len(await fake.calls())
        bot = BotProcess(fake, url, tmp_path / "bot", **env)
        await bot.start()

        def everyone(calls: list[dict[str, object]]) -> bool:
            return {int(c["params"]["chat_id"]) for c in delivered(calls)} >= eligible  # type: ignore[index]

        calls = await fake.wait(everyone, timeout=120, what="everyone")
        await bot.stop()

    counts = Counter(int(c["params"]["chat_id"]) for c in delivered(calls))
    repeated = sum(n - 1 for n in counts.values() if n > 1)
    seen = pacing(arrivals_of_calls(calls[at_kill:]))  # one process's pace
    figures(
        "kill_mid_broadcast",
        recipients=len(eligible),
        delivered=sum(counts.values()),
        missing=len(eligible - set(counts)),
        duplicated=repeated,
        in_flight_bound=default_concurrency(RATE),
        peak_per_second=seen.peak_per_second,
        min_chat_gap=round(seen.min_chat_gap, 3),
    )
    assert set(counts) == eligible  # everyone eligible, and nobody excluded
    assert repeated <= default_concurrency(RATE)
    assert seen.problems(rate=RATE, chat_gap=1.0) == []
