"""The concurrency slots (CONCURRENT_UPDATES), handed to button presses first.

A button press continues a conversation the bot started: the person is watching
a spinner, and a report's "Done" is what raises a staff alert. When more
updates arrive than the bot can handle at once they wait for a slot; presses
wait in a lane of their own that is served first, so an alert is never stuck
behind a queue of menu requests. Within a lane, first come, first served. One
person's updates keep their order whatever their lane: the person's lock is
taken before a slot (processor.py).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import Update

PRESS, OTHER = 0, 1


def lane_of(update: object) -> int:
    return PRESS if isinstance(update, Update) and update.callback_query is not None else OTHER


class Slots:
    def __init__(self, count: int) -> None:
        self._free = count
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    @asynccontextmanager
    async def slot(self, lane: int) -> AsyncIterator[None]:
        if self._free > 0 and not self._waiting:
            self._free -= 1
        else:
            turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            heapq.heappush(self._waiting, (lane, next(self._order), turn))
            try:
                await turn
            except asyncio.CancelledError:
                if turn.done() and not turn.cancelled():
                    self._release()  # handed a slot just as it was cancelled: pass it on
                raise
        try:
            yield
        finally:
            self._release()

    def _release(self) -> None:
        while self._waiting:
            _, _, turn = heapq.heappop(self._waiting)
            if not turn.done():
                turn.set_result(None)
                return
        self._free += 1
