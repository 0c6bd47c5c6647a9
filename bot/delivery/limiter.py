"""Pacing sends under both of Telegram's limits, and honouring retry_after.

Telegram allows about 30 messages a second across chats and about one a
second in one private chat (BRIEF section 6); both numbers are configuration.
python-telegram-bot's AIORateLimiter only knows the first, and pauses every
chat on any 429, so this small limiter keeps one schedule for the bot as a
whole and one per chat. Time is the event loop's monotonic clock (real
seconds), not the application clock: the pace of the wire does not move when
a test moves the calendar.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

# Keep per-chat entries this long after they stopped mattering, then forget them,
# so a broadcast to a hundred thousand chats does not keep a hundred thousand floats.
_FORGET_AFTER = 60.0
_PRUNE_EVERY = 1000


class RateLimiter:
    """`await acquire(chat_id)` returns when a message to that chat may go out."""

    def __init__(
        self,
        per_second: float,
        per_chat_interval: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self.gap = 1.0 / per_second
        self.chat_gap = max(0.0, per_chat_interval)
        self._now = monotonic
        self._sleep = sleep
        self._next_any = float("-inf")
        self._paused_until = float("-inf")
        self._next_chat: dict[int, float] = {}
        self._recent_429: dict[int, float] = {}
        self._grants = 0
        # A dispatcher that wakes late may catch up this far, so sleeping's overshoot (and a
        # busy machine) does not lower the rate (24/s at 25/s before issue 13): three
        # hundredths of a second of sends, or half of one at slow rates. Any second then
        # holds at most 3% (or half a message) more than the rate.
        self._credit = max(0.03 - self.gap, self.gap / 2)

    def any_ready_at(self) -> float:
        """The earliest moment any message may be sent (the overall pace, a pause)."""
        return max(self._next_any, self._paused_until)

    def chat_ready_at(self, chat_id: int) -> float:
        """When this chat's own pace (or a 429 for it) next allows a message."""
        return max(self._paused_until, self._next_chat.get(chat_id, float("-inf")))

    def take(self, chat_id: int, now: float) -> None:
        """Take the slot the dispatcher found ready (any_ready_at and chat_ready_at <= now)."""
        self._next_any = max(self._next_any, now - self._credit) + self.gap
        self._next_chat[chat_id] = max(self._next_chat.get(chat_id, now), now + self.chat_gap)
        self._grants += 1
        if self._grants % _PRUNE_EVERY == 0:
            self._prune(now)

    def finished(self, chat_id: int, now: float) -> None:
        """Telegram answered a send to this chat at `now`. The next one starts a full gap
        later: it then arrives at least a gap after this one did, whatever the latency
        (spacing only the starts let the gap shrink to 0.77 s at the wire)."""
        if self.chat_gap > 0:
            self._next_chat[chat_id] = max(self._next_chat.get(chat_id, now), now + self.chat_gap)

    def ready_at(self, chat_id: int) -> float:
        """The earliest moment a message to `chat_id` may be sent."""
        return max(self._next_any, self._paused_until, self._next_chat.get(chat_id, float("-inf")))

    async def acquire(
        self,
        chat_id: int,
        *,
        abort: asyncio.Event | None = None,
        deadline: float | None = None,
    ) -> bool:
        """Wait for a slot and take it. False, without waiting, if the slot comes after
        `deadline`; False as soon as `abort` is set."""
        while True:
            if abort is not None and abort.is_set():
                return False
            now = self._now()
            if deadline is not None and self.ready_at(chat_id) > deadline:
                return False
            wait = self.ready_at(chat_id) - now
            if wait <= 0:
                self._next_any = now + self.gap
                self._next_chat[chat_id] = now + self.chat_gap
                self._grants += 1
                if self._grants % _PRUNE_EVERY == 0:
                    self._prune(now)
                return True
            if abort is None:
                await self._sleep(wait)
            else:
                await _wait_or(abort, wait)

    def retry_after(self, chat_id: int, seconds: float) -> bool:
        """Telegram said 429 with retry_after for this chat: wait exactly that long.

        A 429 does not say whether the chat or the whole bot went too fast. One
        chat limited is that chat's pace; a second chat limited within the same
        window means the bot as a whole is over the limit, so everything pauses,
        as Telegram asks. Returns True when everything was paused.
        """
        now = self._now()
        until = now + seconds
        self._next_chat[chat_id] = max(self._next_chat.get(chat_id, until), until)
        others = [c for c, t in self._recent_429.items() if c != chat_id and t > now]
        self._recent_429[chat_id] = until
        if others:
            self.pause_all(seconds)
            return True
        return False

    def pause_all(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._now() + seconds)

    def _prune(self, now: float) -> None:
        horizon = now - _FORGET_AFTER
        self._next_chat = {c: t for c, t in self._next_chat.items() if t > horizon}
        self._recent_429 = {c: t for c, t in self._recent_429.items() if t > now}


async def _wait_or(event: asyncio.Event, timeout: float) -> None:
    try:
        async with asyncio.timeout(timeout):
            await event.wait()
    except TimeoutError:
        pass
