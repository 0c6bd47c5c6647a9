"""The follow-up job the delivery worker runs on each pass: scan, climb, digest.

Scanning walks the people who could be due in keyset batches; for each batch,
in one transaction, it asks the pure planner what is due and claims every
occurrence with multi-row inserts (unique per person and key, ON CONFLICT DO
NOTHING), queueing the won ones' messages in the outbox (bot/followup/batch.py).
Only the worker whose insert went in queues the message, so two workers, or a
restart in the middle, send each occurrence once. Time is driven by the delivery worker's job loop;
the database holds what was sent and what is still climbing its ladder.
"""

from __future__ import annotations

import functools
import logging
from collections import Counter
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.followup_plan import (
    Plan,
    PriorityRule,
    StageIndex,
    plan,
)
from bot.domain.schedule_load import load_schedule
from bot.domain.schedule_model import Schedule
from bot.education.catalog import ContentCatalog, load_catalog
from bot.followup import facts, ladder, tasks
from bot.followup.batch import send_plans
from bot.followup.facts import Recipient
from bot.reports import triage_rules
from bot.runtime import Runtime

log = logging.getLogger(__name__)

# A scan reads everyone who could be due (about 5 s per 100,000 people), so it runs every
# few minutes; what becomes due in between (her conversation ended) waits that long.
SCAN_EVERY = timedelta(minutes=5)


@functools.cache
def catalog() -> ContentCatalog:
    return load_catalog()


@functools.cache
def schedule() -> Schedule:
    return load_schedule(topics={t.id for t in catalog().topics})


def priority_rule() -> PriorityRule:
    rules = triage_rules()
    return PriorityRule(rules.priority_colours, rules.priority_gestation_days)


@functools.cache
def stages() -> StageIndex:
    return StageIndex((*catalog().pregnancy_stages, *catalog().child_stages))


async def plan_batch(
    runtime: Runtime, session: AsyncSession, now: datetime, *, after: int, limit: int
) -> tuple[list[tuple[Recipient, Plan]], int | None]:
    """What is due (and held) for the next batch of people after `after`; reads only."""
    settings = runtime.settings
    rule, programme, index = priority_rule(), schedule(), stages()
    zone, quiet = settings.zone, settings.quiet
    people, last = await facts.load(session, now, settings, programme, after=after, limit=limit)
    plans = [
        (who, plan(who.person, who.history, now, programme, index, rule, zone, quiet))
        for who in people
    ]
    return plans, last


async def scan(runtime: Runtime, now: datetime, batch: int = facts.BATCH) -> Counter[str]:
    """Every person who could be due, batch by batch (keyset on the user id), each
    batch planned, claimed and queued in one transaction (bot/followup/batch.py)."""
    counts: Counter[str] = Counter()
    after = 0
    while True:
        async with runtime.db.session() as session:
            plans, last = await plan_batch(runtime, session, now, after=after, limit=batch)
            counts["held"] += sum(len(found.held) for _who, found in plans)
            counts.update(
                await send_plans(
                    session,
                    plans,
                    now,
                    is_sqlite=runtime.db.is_sqlite,
                    settings=runtime.settings,
                    catalogs=runtime.catalogs,
                    schedule=schedule(),
                    catalog=catalog(),
                )
            )
        if last is None:
            return counts
        counts["people"] += len(plans)
        after = last


class FollowupJob:
    """A delivery-worker job: a scan every SCAN_EVERY (none in quiet hours, when nothing
    could go out), the ladder and the digest on each pass."""

    __name__ = "followup"

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.last_scan: datetime | None = None

    async def __call__(self) -> Counter[str]:
        now = self.runtime.clock.now()
        counts: Counter[str] = Counter()
        settings = self.runtime.settings
        quiet = settings.quiet.contains(now.astimezone(settings.zone).time().replace(tzinfo=None))
        stale = self.last_scan is None or not timedelta(0) <= now - self.last_scan < SCAN_EVERY
        if stale and not quiet:
            self.last_scan = now
            counts += await scan(self.runtime, now)
        counts += await ladder.climb(self.runtime, now, schedule(), catalog())
        counts += await tasks.send_digests(self.runtime, now, schedule())
        if any(v for k, v in counts.items() if k != "people"):
            log.info("follow-up pass: %s", dict(counts))
        return counts
