"""A background task that runs one step again and again until stopped.

Inbox recovery and the delivery worker have the same shape: start a task, run a
pass every `interval` seconds (or at once when woken), log a failed pass and try
again at the next, and on stop let the pass in progress finish (or cancel it).
This is that shape once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Periodic:
    def __init__(
        self,
        name: str,
        step: Callable[[], Awaitable[object]],
        interval: float,
        *,
        first_at_start: bool = False,
    ) -> None:
        self.name = name
        self.step = step
        self.interval = interval
        self.first_at_start = first_at_start  # run a pass at once, or wait an interval first
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._loop(), name=self.name)

    def alive(self) -> bool:
        return self._task is not None and not self._task.done()

    def wake(self) -> None:
        """Run the next pass now instead of at the end of the interval."""
        self._wake.set()

    async def stop(self, *, cancel: bool = False) -> None:
        """Return once the pass in progress (if any) has finished, or with `cancel` once it
        has been cancelled; no pass starts after."""
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            if cancel:
                self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        waiting = not self.first_at_start
        while not self._stopping.is_set():
            if waiting:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.interval):
                        await self._wake.wait()
                if self._stopping.is_set():
                    break
            waiting = True
            self._wake.clear()
            try:
                await self.step()
            except Exception:
                log.warning("%s: a pass failed; trying again", self.name, exc_info=True)
