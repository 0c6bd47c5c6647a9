"""The rate limiter keeps both of Telegram's paces and honours retry_after, in real seconds."""

from __future__ import annotations

import asyncio

from bot.delivery.limiter import RateLimiter


class FakeTime:
    """A monotonic clock that moves only when the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def limiter(per_second: float = 10, per_chat: float = 1.0) -> tuple[RateLimiter, FakeTime]:
    time = FakeTime()
    return RateLimiter(per_second, per_chat, monotonic=time.monotonic, sleep=time.sleep), time


async def sends(lim: RateLimiter, time: FakeTime, chats: list[int]) -> list[float]:
    """When each message went out, relative to the start."""
    start = time.now
    moments = []
    for chat in chats:
        await lim.acquire(chat)
        moments.append(round(time.now - start, 6))
    return moments


async def test_messages_to_different_chats_keep_the_overall_pace() -> None:
    lim, time = limiter(per_second=10)
    assert await sends(lim, time, [1, 2, 3, 4]) == [0.0, 0.1, 0.2, 0.3]


async def test_messages_to_one_chat_keep_the_per_chat_pace() -> None:
    lim, time = limiter(per_second=10, per_chat=1.0)
    assert await sends(lim, time, [1, 1, 2, 1]) == [0.0, 1.0, 1.1, 2.0]


async def test_a_429_holds_that_chat_exactly_retry_after_and_no_other() -> None:
    lim, time = limiter(per_second=10, per_chat=0)
    await lim.acquire(1)
    assert lim.retry_after(1, 5) is False
    assert await sends(lim, time, [2, 3]) == [0.1, 0.2]
    start = time.now
    await lim.acquire(1)
    assert round(time.now - start + 0.2, 6) == 5.0  # 5 s after the 429, not sooner


async def test_429s_from_two_chats_pause_everything() -> None:
    lim, time = limiter(per_second=10, per_chat=0)
    lim.retry_after(1, 3)
    assert lim.retry_after(2, 3) is True
    assert await sends(lim, time, [9]) == [3.0]


async def test_a_wait_ends_early_when_the_worker_stops() -> None:
    lim = RateLimiter(1, 60)
    await lim.acquire(1)
    stop = asyncio.Event()
    waiting = asyncio.create_task(lim.acquire(1, abort=stop))
    await asyncio.sleep(0)
    stop.set()
    assert await asyncio.wait_for(waiting, timeout=5) is False


async def test_a_slot_after_the_lease_deadline_is_refused_without_waiting() -> None:
    lim, time = limiter(per_second=10, per_chat=1.0)
    await lim.acquire(1)
    assert await lim.acquire(1, deadline=time.now + 0.5) is False
    assert time.slept == []  # refused at once: the row goes back to the database
    assert await lim.acquire(1, deadline=time.now + 2) is True
