"""/metrics figures move as things happen; /readyz says when a worker cannot do its work."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.clock import ManualClock
from bot.config import Settings
from bot.devtools.harness import BotHarness, free_port
from bot.i18n import Catalogs
from bot.observability import healthcheck, metrics, processing
from bot.observability.endpoints import start_metrics_server, worker_alive
from bot.observability.logging import PrivacyFilter, user_hash
from bot.runtime import Runtime
from storage.db import Database
from storage.models import FollowupItem
from tests import factories
from tests.alert_helpers import raise_alert


class Server:
    def __init__(self, runtime: Runtime, worker: Any) -> None:
        self.runtime, self.worker, self.port = runtime, worker, free_port()

    async def __aenter__(self) -> Server:
        self.runner = await start_metrics_server(self.runtime, self.worker, "127.0.0.1", self.port)
        self.http = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.close()
        await self.runner.cleanup()

    async def get(self, path: str) -> tuple[int, str]:
        async with self.http.get(f"http://127.0.0.1:{self.port}{path}") as response:
            return response.status, await response.text()

    async def figures(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        status, body = await self.get("/metrics")
        assert status == 200
        return {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body)
            for s in family.samples
        }


@pytest.fixture
async def server(db: Database, settings: Settings, clock: ManualClock) -> AsyncIterator[Server]:
    worker = SimpleNamespace(alive=True)  # a delivery worker, as /readyz sees one
    async with Server(Runtime(settings, db, Catalogs("en"), clock), worker) as running:
        yield running


async def test_figures_move_as_updates_alerts_and_sends_happen(
    server: Server, clock: ManualClock
) -> None:
    before = await server.figures()
    db = server.runtime.db
    await factories.community(db, "C001")
    await factories.staff(db, 801, ["C001"])
    await factories.staff(db, 802, ["C001"])
    await factories.mother(db, 301)
    alert = await raise_alert(server.runtime, 301)  # two staff copies, waiting to be sent

    metrics.observe_update("command", "ok", 0.04)
    metrics.observe_send("sent")
    metrics.observe_send("failed")
    metrics.observe_send("retry_after")  # the delivery worker's name for a 429
    metrics.observe_first_ack(
        "emergency", alert.created_at, alert.created_at + timedelta(minutes=3)
    )
    metrics.observe_escalation(manual=False)
    clock.advance(minutes=15)
    after = await server.figures()

    def moved(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert moved("mch_updates_total", kind="command", outcome="ok") == 1
    assert moved("mch_update_handling_seconds_count", kind="command") == 1
    assert moved("mch_sends_total", outcome="failed") == 1
    assert moved("mch_sends_total", outcome="429") == 1
    assert moved("mch_alert_first_ack_seconds_bucket", level="emergency", le="300.0") == 1
    assert moved("mch_alert_first_ack_seconds_bucket", level="emergency", le="120.0") == 0
    assert moved("mch_escalations_total", reason="timeout") == 1
    # Read from the database at scrape time:
    assert after[("mch_outbox_depth", (("kind", "alert"),))] == 2
    assert after[("mch_oldest_unsent_emergency_alert_seconds", ())] == 15 * 60
    assert after[("mch_open_alerts", (("age", "10m_to_1h"), ("level", "emergency")))] == 1


async def test_readyz_is_ready_with_a_database_at_head_and_a_running_worker(
    server: Server,
) -> None:
    status, body = await server.get("/readyz")
    assert status == 200, body
    assert (await server.get("/healthz"))[0] == 200


async def test_readyz_fails_when_the_delivery_worker_is_not_running(server: Server) -> None:
    server.worker.alive = False
    status, body = await server.get("/readyz")
    assert status == 503 and "delivery_worker" in body


@pytest.mark.parametrize(
    ("database", "reason"),
    [
        ("missing/dir/bot.sqlite3", "unreachable"),  # the database cannot be opened
        ("empty.sqlite3", "schema at nothing"),  # reachable, but never migrated
    ],
)
async def test_readyz_fails_when_the_database_is_down_or_behind(
    settings: Settings, clock: ManualClock, tmp_path: Path, database: str, reason: str
) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / database}")
    runtime = Runtime(settings, db, Catalogs("en"), clock)
    try:
        async with Server(runtime, SimpleNamespace(alive=True)) as down:
            status, body = await down.get("/readyz")
            assert status == 503 and reason in body
            assert (await down.get("/healthz"))[0] == 200  # alive, just not ready
            assert (await down.get("/metrics"))[0] == 200  # in-process figures still shown
    finally:
        await db.dispose()


async def test_a_running_bot_worker_counts_as_alive_until_it_stops(harness: BotHarness) -> None:
    worker = harness.services[0].delivery
    assert worker_alive(worker)
    await worker.stop()
    assert not worker_alive(worker)
    await worker.start()  # the harness stops it again at the end


async def test_the_container_healthcheck_asks_the_running_worker(
    server: Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the checkout
    monkeypatch.delenv("WEBHOOK_URL", raising=False)
    monkeypatch.setenv("METRICS_PORT", str(server.port))
    assert await asyncio.to_thread(healthcheck.main) == 0
    monkeypatch.setenv("METRICS_PORT", str(free_port()))  # nothing listens there
    assert await asyncio.to_thread(healthcheck.main) == 1


def test_handling_an_update_binds_its_log_fields_then_counts_and_times_it() -> None:
    update = SimpleNamespace(
        update_id=41, effective_user=SimpleNamespace(id=5550001234), callback_query=object()
    )
    ok = ("mch_updates_total", "callback", "ok")
    failed = ("mch_updates_total", "callback", "error")

    def count(name: str, kind: str, outcome: str) -> float:
        value = metrics.REGISTRY.get_sample_value(name, {"kind": kind, "outcome": outcome})
        return value or 0.0

    before = count(*ok), count(*failed)
    with processing.handling(update):
        record = logging.LogRecord("bot.x", logging.INFO, __file__, 1, "hello", (), None)
        PrivacyFilter().filter(record)
    with processing.handling(update):
        processing.mark_failed()  # what the error handler does
    assert (record.update_id, record.flow) == (41, None)  # type: ignore[attr-defined]
    assert record.user == user_hash(5550001234)  # type: ignore[attr-defined]
    assert (count(*ok) - before[0], count(*failed) - before[1]) == (1, 1)


async def test_scheduler_lag_is_how_late_the_most_overdue_follow_up_step_is(
    server: Server, clock: ManualClock
) -> None:
    db = server.runtime.db
    await factories.community(db, "C001")
    await factories.mother(db, 301)
    assert (await server.figures())[("mch_scheduler_lag_seconds", ())] == 0
    now = clock.now()
    async with db.session() as session:
        session.add(
            FollowupItem(
                user_id=301, key="checkin:w20", event="week", action="checkin", ref="t1",
                token="abc", sent_at=now, expires_at=now + timedelta(days=2),
                next_step_at=now + timedelta(minutes=5),
            )
        )  # fmt: skip
    assert (await server.figures())[("mch_scheduler_lag_seconds", ())] == 0  # not due yet
    clock.advance(minutes=25)
    assert (await server.figures())[("mch_scheduler_lag_seconds", ())] == 20 * 60
