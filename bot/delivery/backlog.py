"""Claimed outbox rows waiting for their turn, most urgent lane first.

The worker claims ahead (about half a second of sends at the configured rate)
so the wire never waits on the database. What was claimed waits here, one
queue per chat in order; `pop` hands out the head of the most urgent chat that
may send now, so an alert claimed behind a thousand broadcast rows goes next.
A chat is busy while one of its messages is in flight: its next message waits
for the answer (order, and the per-chat gap measured at the wire).
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from storage.models import Outbox


@dataclass
class Claimed:
    row: Outbox
    token: str
    deadline: float  # loop time after which the lease is too short to start a send
    tries: int = 0
    checked: float = 0.0  # loop time the claim filters last passed it


class Backlog:
    def __init__(self) -> None:
        self._chats: dict[int, deque[Claimed]] = {}
        self._ready: list[tuple[int, int, int]] = []  # (lane, order, chat)
        self._sleeping: list[tuple[float, int, int, int]] = []  # (at, lane, order, chat)
        self._busy: set[int] = set()
        self._order = itertools.count()
        self.waiting = 0

    def add(self, items: list[Claimed]) -> None:
        for item in items:
            chat = item.row.chat_id
            queue = self._chats.get(chat)
            if queue is None:
                queue = self._chats[chat] = deque()
                if chat not in self._busy:
                    heapq.heappush(self._ready, (item.row.priority, next(self._order), chat))
            queue.append(item)
            self.waiting += 1

    def pop(self, now: float, chat_ready_at: Callable[[int], float]) -> Claimed | None:
        """The next message to send now, or None if every waiting chat must wait."""
        while self._sleeping and self._sleeping[0][0] <= now:
            _, lane, order, chat = heapq.heappop(self._sleeping)
            heapq.heappush(self._ready, (lane, order, chat))
        while self._ready:
            lane, order, chat = heapq.heappop(self._ready)
            if chat in self._busy or not self._chats.get(chat):
                continue  # a stale entry: the chat is in flight, or its rows were taken out
            at = chat_ready_at(chat)
            if at > now:
                heapq.heappush(self._sleeping, (at, lane, order, chat))
                continue
            item = self._chats[chat].popleft()
            self.waiting -= 1
            self._busy.add(chat)
            return item
        return None

    def done(self, chat: int, ready_at: float, *, again: Claimed | None = None) -> None:
        """The chat's message in flight is answered; `again` goes back first (a 429)."""
        self._busy.discard(chat)
        queue = self._chats.get(chat)
        if again is not None:
            if queue is None:
                queue = self._chats[chat] = deque()
            queue.appendleft(again)
            self.waiting += 1
        if not queue:
            self._chats.pop(chat, None)
            return
        heapq.heappush(self._sleeping, (ready_at, queue[0].row.priority, next(self._order), chat))

    def drop_chat(self, chat: int) -> list[Claimed]:
        """Take out the chat's remaining messages (to hand back, keeping their order)."""
        queue = self._chats.get(chat)
        if not queue:
            return []
        items = list(queue)
        queue.clear()
        self.waiting -= len(items)
        return items

    def rows(self) -> list[Outbox]:
        """Every row still waiting (not in flight)."""
        return [item.row for queue in self._chats.values() for item in queue]

    def checked_before(self, moment: float) -> list[Claimed]:
        """The waiting items the claim filters last passed before `moment`."""
        return [item for queue in self._chats.values() for item in queue if item.checked < moment]

    def discard(self, row_ids: set[int | None]) -> None:
        """Take out rows that must not be sent after all (settled or held elsewhere)."""
        for chat in list(self._chats):
            queue = self._chats[chat]
            kept = deque(item for item in queue if item.row.id not in row_ids)
            self.waiting -= len(queue) - len(kept)
            if kept or chat in self._busy:
                self._chats[chat] = kept
            else:
                del self._chats[chat]

    def next_wake(self) -> float | None:
        return self._sleeping[0][0] if self._sleeping else None

    def take_all(self) -> list[Claimed]:
        items = [item for queue in self._chats.values() for item in queue]
        self._chats.clear()
        self._ready.clear()
        self._sleeping.clear()
        self.waiting = 0
        return items
