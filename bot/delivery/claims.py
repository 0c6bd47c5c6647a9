"""Claiming due outbox rows into the delivery worker's backlog, and checking again the
rows that wait there.

A claim leases rows (storage/outbox.py `claim_due`) and runs the filters over them in
the same session: a filter may settle or hold rows (a cancelled broadcast, a person in
the middle of a conversation; bot/broadcasts) and returns the rest. Rows wait in the
backlog for their turn under the rate limits, so a cancel that comes after the claim
must still stop them: `recheck` runs the filters again over what has waited a while.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.delivery.backlog import Backlog, Claimed
from bot.runtime import Runtime
from storage import outbox as store
from storage.models import Outbox

Filter = Callable[[AsyncSession, list[Outbox], datetime], Awaitable[list[Outbox]]]

# Share of the lease a claim may spend sending; the rest is margin for the last call.
LEASE_SHARE = 0.8
# How often claimed rows still waiting are run through the filters again (a cancel).
RECHECK_EVERY = 0.5


class Claims:
    def __init__(self, runtime: Runtime, lease: timedelta, filters: list[Filter]) -> None:
        self.runtime = runtime
        self.lease = lease
        self.filters = filters  # the worker's list: features append to it after start-up

    async def claim(self, token: str, limit: int, backlog: Backlog) -> int:
        """Claim up to `limit` rows into the backlog; returns how many the claim returned
        (before the filters: a claim that came back full is followed by another at once)."""
        # No more than can go out at the overall pace well within the lease.
        pace = self.runtime.settings.send_rate_per_second * self.lease.total_seconds() / 2
        now = self.runtime.clock.now()
        async with self.runtime.db.session() as session:
            rows = await store.claim_due(
                session,
                token=token,
                now=now,
                lease=self.lease,
                limit=max(1, min(limit, int(pace))),
            )
            found = len(rows)
            for keep in self.filters:
                rows = await keep(session, rows, now)
        claimed_at = asyncio.get_running_loop().time()
        deadline = claimed_at + self.lease.total_seconds() * LEASE_SHARE
        backlog.add([Claimed(row, token, deadline, checked=claimed_at) for row in rows])
        return found

    async def recheck(self, backlog: Backlog) -> None:
        """Run the filters again over what has waited since they last passed it, so a
        cancel (or a conversation begun since the claim) stops rows already claimed, not
        only later claims. Rows claimed within the last RECHECK_EVERY were just checked."""
        now = asyncio.get_running_loop().time()
        items = backlog.checked_before(now - RECHECK_EVERY)
        if not items:
            return
        rows = [item.row for item in items]
        async with self.runtime.db.session() as session:
            kept = rows
            for keep in self.filters:
                kept = await keep(session, kept, self.runtime.clock.now())
        still = {id(row) for row in kept}
        for item in items:
            item.checked = now
        backlog.discard({r.id for r in rows if id(r) not in still})
