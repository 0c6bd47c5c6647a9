"""The database goes away (a TCP proxy the test controls cuts it off): the bot
lives, people are answered at once — a danger sign with the emergency number —
and their updates are handled when the database is back."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL
from tests.faults.world import (
    BotProcess,
    FakeApi,
    Person,
    TcpProxy,
    fault_database,
    figures,
    seed_mothers,
    texts_to,
)

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL, reason="SQLite is a local file: there is no connection to lose"
)
OUTAGE_SECONDS = 10
CANNOT_REACH = "cannot reach my records"


async def test_a_database_outage_answers_everyone_and_loses_nothing(tmp_path: Path) -> None:
    mother, asker, before = Person(301), Person(6001), Person(6002)
    async with fault_database(tmp_path) as url, FakeApi() as fake, TcpProxy() as proxy:
        await seed_mothers(url, [mother.id])
        through_proxy = url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
        assert through_proxy != url
        bot = BotProcess(fake, through_proxy, tmp_path / "bot")
        await bot.start()
        try:
            await fake.queue(before.says("/help"))
            await fake.wait(lambda c: any("What I can do" in t for t in texts_to(c, before.id)))

            proxy.cut()
            await fake.queue(mother.says("I am bleeding a lot"), asker.says("/help"))
            during = await fake.wait(
                lambda c: bool(texts_to(c, mother.id)) and bool(texts_to(c, asker.id)),
                timeout=20,
            )
            mother_during = texts_to(during, mother.id)
            asker_during = texts_to(during, asker.id)
            await asyncio.sleep(OUTAGE_SECONDS)
            proxy.restore()

            after = await fake.wait(
                lambda c: any("What I can do" in t for t in texts_to(c, asker.id))
                and any(CANNOT_REACH not in t for t in texts_to(c, mother.id)),
                timeout=90,
            )
            alive = bot.process is not None and bot.process.returncode is None
        finally:
            await bot.stop()
    figures(
        "database_outage",
        outage_seconds=OUTAGE_SECONDS,
        answered_during=int(bool(mother_during)) + int(bool(asker_during)),
        handled_after=2,
        replies_to_mother=len(texts_to(after, mother.id)),
    )
    assert alive
    assert "120" in mother_during[0] and CANNOT_REACH in mother_during[0]
    assert CANNOT_REACH in asker_during[0] and "120" in asker_during[0]
    # Answered once during the outage, however often the bot retried meanwhile.
    assert sum(CANNOT_REACH in t for t in texts_to(after, mother.id)) == 1
    assert sum(CANNOT_REACH in t for t in texts_to(after, asker.id)) == 1
