"""/metrics as a health authority scrapes it, while a real conversation goes on.

Driven through the harness (the bot's own handlers, the delivery worker, the
fake Bot API) and read over HTTP: the figures move because a mother reported,
an alert went to staff, one copy was refused by Telegram and a worker
acknowledged it, not because a test called the counters. /readyz is also
shown failing when the database goes away behind a TCP proxy, with the server
left running.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from types import SimpleNamespace

import pytest
from sqlalchemy.engine import make_url

from bot.clock import ManualClock
from bot.config import Settings
from bot.devtools.harness import BotHarness, free_port
from bot.i18n import Catalogs
from bot.runtime import Runtime
from storage.db import Database
from storage.models import User
from tests import factories
from tests.alert_helpers import drain
from tests.test_metrics import Server

MOTHER, WANG, LI = 301, 801, 802
Figures = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def moved(before: Figures, after: Figures, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


async def test_a_conversation_an_alert_and_a_refused_send_move_the_figures(
    harness: BotHarness,
) -> None:
    db = harness.runtime.db
    await factories.community(db, "C001")
    await factories.staff(db, WANG, ["C001"], display_name="Wang")
    await factories.staff(db, LI, ["C001"], display_name="Li")
    async with db.session() as session:
        for staff_id in (WANG, LI):
            session.add(User(id=staff_id, chat_id=staff_id, locale="en"))
    await factories.mother(db, MOTHER, week=38, locale="zh_Hans")
    harness.telegram.fail("sendMessage", chat_id=LI, status=400, description="Bad Request: x")
    async with Server(harness.runtime, harness.services[0].delivery) as server:
        before = await server.figures()
        mother = harness.user(MOTHER, language_code="zh-hans")
        await mother.send("/report")
        await mother.press("阴道出血")
        await mother.press("完成")
        await harness.telegram.wait_for(lambda c: c.chat_id == WANG and c.method == "sendMessage")
        await drain(harness)
        during = await server.figures()
        await harness.user(WANG, language_code="en").press("Acknowledge")
        await drain(harness)
        after = await server.figures()

    assert moved(before, during, "mch_updates_total", kind="command", outcome="ok") == 1
    assert moved(before, during, "mch_updates_total", kind="callback", outcome="ok") == 2
    assert moved(before, during, "mch_update_handling_seconds_count", kind="callback") == 2
    assert moved(before, during, "mch_sends_total", outcome="failed") == 1  # Li's copy
    assert moved(before, during, "mch_sends_total", outcome="sent") >= 1  # Wang's copy
    assert moved(before, during, "mch_open_alerts", level="emergency", age="under_10m") == 1
    assert during[("mch_oldest_unsent_emergency_alert_seconds", ())] == 0  # all settled
    assert moved(during, after, "mch_alert_first_ack_seconds_count", level="emergency") == 1
    assert moved(during, after, "mch_open_alerts", level="emergency", age="under_10m") == -1


class Proxy:
    """A TCP proxy to the database that can be cut, like a network or server outage."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = free_port()
        self.links: set[asyncio.StreamWriter] = set()
        self.server: asyncio.Server | None = None

    async def open(self) -> None:
        self.server = await asyncio.start_server(self._link, "127.0.0.1", self.port)

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.links):
            writer.transport.abort()
        await self.server.wait_closed()

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.links |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


@pytest.fixture
async def proxied(database_url: str) -> AsyncIterator[tuple[Proxy, str]]:
    url = make_url(database_url)
    if not url.drivername.startswith("postgresql"):
        pytest.skip("a database behind a TCP proxy is PostgreSQL (SQLite: a bad URL, above)")
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.open()
    yield proxy, url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    if proxy.server is not None and proxy.server.is_serving():
        await proxy.cut()


async def test_readyz_fails_while_the_database_is_unreachable_and_recovers(
    proxied: tuple[Proxy, str], settings: Settings, clock: ManualClock
) -> None:
    proxy, url = proxied
    db = Database(url)
    runtime = Runtime(settings, db, Catalogs("en"), clock)
    try:
        async with Server(runtime, SimpleNamespace(alive=True)) as server:
            assert (await server.get("/readyz"))[0] == 200
            await proxy.cut()  # the database server itself keeps running
            status, body = await server.get("/readyz")
            assert status == 503 and "unreachable" in body
            assert (await server.get("/healthz"))[0] == 200
            await proxy.open()
            for _ in range(50):  # the pool drops the dead connections and reconnects
                if (await server.get("/readyz"))[0] == 200:
                    break
                await asyncio.sleep(0.1)
            assert (await server.get("/readyz"))[0] == 200
    finally:
        await db.dispose()
