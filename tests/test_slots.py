"""The concurrency slots hand a freed slot to a waiting button press before other updates."""

from __future__ import annotations

import asyncio

from bot.processing.slots import OTHER, PRESS, Slots


async def test_a_waiting_press_gets_the_next_slot_before_earlier_messages() -> None:
    slots = Slots(1)
    order: list[str] = []
    release = asyncio.Event()

    async def hold() -> None:
        async with slots.slot(OTHER):
            await release.wait()

    async def wait_for_slot(name: str, lane: int) -> None:
        async with slots.slot(lane):
            order.append(name)

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0)
    waiting = [
        asyncio.create_task(wait_for_slot(name, lane))
        for name, lane in [("help", OTHER), ("guide", OTHER), ("done", PRESS), ("tick", PRESS)]
    ]
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(holder, *waiting)
    assert order == ["done", "tick", "help", "guide"]


async def test_a_cancelled_waiter_does_not_lose_a_slot() -> None:
    slots = Slots(1)
    release = asyncio.Event()

    async def hold() -> None:
        async with slots.slot(OTHER):
            await release.wait()

    async def take() -> None:
        async with slots.slot(PRESS):
            pass

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0)
    gone = asyncio.create_task(take())
    await asyncio.sleep(0)
    gone.cancel()
    release.set()
    await holder
    await asyncio.wait_for(take(), 1)  # the slot came back
    await asyncio.wait_for(asyncio.gather(take(), take()), 1)
