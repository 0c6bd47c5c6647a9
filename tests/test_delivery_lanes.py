"""The priority lane and pacing at the wire: alerts overtake broadcasts, both limits hold
where messages arrive, and repeated failures end with "retry limit"."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import timedelta

from sqlmodel import col, select

from bot.config import Settings
from bot.delivery import lanes
from bot.devtools.fake_limits import arrivals_of_calls, pacing
from storage import outbox as store
from storage.db import Database
from storage.models import Outbox
from tests.delivery_world import queue, sending


def test_every_kind_has_one_lane_and_unknown_kinds_are_normal() -> None:
    assert lanes.lane_of("alert") == lanes.lane_of("escalation") == lanes.URGENT
    assert lanes.lane_of("alert_edit") == lanes.lane_of("emergency") == lanes.URGENT
    assert lanes.lane_of("notice") == lanes.lane_of("followup_anc_visit") == lanes.NORMAL
    assert lanes.lane_of("something_new") == lanes.NORMAL
    assert lanes.lane_of("broadcast") == lanes.BULK


async def test_a_claim_takes_alerts_then_notices_then_broadcasts(settings: Settings) -> None:
    async with sending(settings, workers=0) as (runtime, _fake, _):
        await queue(runtime, "broadcast", [1, 2, 3], tag="b")
        await queue(runtime, "notice", [4], tag="n")
        await queue(runtime, "alert", [5], tag="a")
        async with runtime.db.session() as session:
            rows = await store.claim_due(
                session, token="t/1", now=runtime.clock.now(), lease=timedelta(seconds=30), limit=2
            )
    # Queued last, claimed first; the three broadcast rows wait for the next claim.
    assert sorted(r.kind for r in rows) == ["alert", "notice"]


async def test_a_staff_alert_raised_mid_broadcast_is_sent_within_a_second(
    settings: Settings,
) -> None:
    async with sending(settings, send_rate_per_second=25.0) as (runtime, fake, _):
        await queue(runtime, "broadcast", list(range(10_000, 10_400)), tag="b")
        await fake.wait_for(lambda c: c.text.startswith("b "), timeout=10)
        await asyncio.sleep(1.0)  # the broadcast is going at full pace, its backlog claimed
        raised = time.monotonic()
        await queue(runtime, "alert", [77], tag="ALERT")
        call = await fake.wait_for(lambda c: c.chat_id == 77, timeout=5)
        waited = call.at - raised
        broadcast_so_far = len([c for c in fake.calls if c.text.startswith("b ")])
    assert waited < 1.0, waited
    assert broadcast_so_far < 200  # it really was mid-broadcast


async def test_the_per_chat_gap_holds_where_messages_arrive_when_answers_are_slow(
    settings: Settings,
) -> None:
    jitter = random.Random(7)
    chats = [501, 502, 503]
    async with sending(
        settings, send_rate_per_second=100.0, send_per_chat_interval=0.3
    ) as (runtime, fake, _):
        fake.latency = lambda _method: jitter.uniform(0.0, 0.25)
        for round_ in range(4):
            await queue(runtime, "notice", chats, tag=f"r{round_}")
        for chat in chats:
            await fake.wait_for(lambda c, x=chat: c.text == f"r3 {x}", timeout=20)
        seen = pacing(arrivals_of_calls(fake.calls))
    assert seen.sends == 12
    assert seen.problems(rate=100.0, chat_gap=0.3) == []
    # Messages to one chat arrive in the order they were queued.
    for chat in chats:
        assert [c.text.split()[0] for c in fake.sent_to(chat)] == ["r0", "r1", "r2", "r3"]


async def test_a_message_that_keeps_failing_is_given_up_with_retry_limit(
    settings: Settings, db: Database
) -> None:
    from bot.delivery import policy as worker_module

    async with sending(settings) as (runtime, fake, [worker]):
        fake.fail("sendMessage", chat_id=88, times=1000, status=500)
        async with runtime.db.session() as session:
            await queue(runtime, "notice", [88], tag="x")
            del session
        for _ in range(worker_module.RETRY_LIMIT + 2):
            async with runtime.db.session() as session:
                row = (await session.exec(select(Outbox).where(col(Outbox.chat_id) == 88))).one()
                if row.status != "pending":
                    break
                row.next_attempt_at = runtime.clock.now()  # skip the backoff
                session.add(row)
            await worker.drain()
    assert row.status == "failed" and (row.last_error or "").startswith("retry limit")
    assert row.attempts == worker_module.RETRY_LIMIT
    assert len([c for c in fake.calls if c.chat_id == 88]) == worker_module.RETRY_LIMIT
