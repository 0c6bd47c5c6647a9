"""The follow-up job the delivery worker runs on each pass: scan, climb, digest.

Scanning walks the people who could be due in keyset batches; for each batch,
in one transaction, it asks the pure planner what is due and, for each
occurrence, inserts its FollowupItem (unique per person and key, ON CONFLICT
DO NOTHING) and queues its message in the outbox. Only the worker whose insert
went in queues the message, so two workers, or a restart in the middle,
send each occurrence once. Time is driven by the delivery worker's job loop;
the database holds what was sent and what is still climbing its ladder.
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.followup_plan import (
    Occurrence,
    Plan,
    PriorityRule,
    StageIndex,
    next_rung,
    plan,
    rung_at,
)
from bot.domain.schedule_load import load_schedule
from bot.domain.schedule_model import Schedule
from bot.education.catalog import ContentCatalog, load_catalog
from bot.followup import facts, ladder, messages, tasks
from bot.followup.facts import Recipient
from bot.reports import triage_rules
from bot.runtime import Runtime
from storage.models import FollowupItem

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


async def claim(session: AsyncSession, is_sqlite: bool, values: dict[str, object]) -> int | None:
    """Insert the item unless its (user, key) exists; the id only for the winner."""
    insert = sqlite_insert if is_sqlite else pg_insert
    statement = (
        insert(FollowupItem)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["user_id", "key"])
        .returning(FollowupItem.id)  # type: ignore[arg-type]
    )
    result = await session.exec(statement)  # type: ignore[call-overload]
    return result.scalar_one_or_none()  # type: ignore[no-any-return]


async def send_occurrence(
    runtime: Runtime, session: AsyncSession, who: Recipient, occurrence: Occurrence, now: datetime
) -> bool:
    """Claim one occurrence and queue its message; False when another worker has it."""
    tier = schedule().checkins.tier(occurrence.ref) if occurrence.action == "checkin" else None
    rung = next_rung(tier.ladder, 0) if tier is not None else None
    token = secrets.token_hex(3)
    item_id = await claim(
        session,
        runtime.db.is_sqlite,
        {
            "user_id": who.person.user_id,
            "key": occurrence.key,
            "event": occurrence.event,
            "action": occurrence.action,
            "ref": occurrence.ref,
            "status": "sent",
            "token": token,
            "sent_at": now,
            "expires_at": occurrence.expires_at,
            "ladder_steps": 0,
            "next_step_at": rung_at(rung, now) if rung is not None else None,
        },
    )
    if item_id is None:
        return False
    await messages.queue(
        session,
        occurrence.action,
        occurrence.ref,
        item_id=item_id,
        token=token,
        step=0,
        chat_id=who.chat_id,
        pregnant=who.person.pregnant,
        tr=runtime.catalogs.get(who.locale),
        settings=runtime.settings,
        catalog=catalog(),
        now=now,
    )
    return True


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
    batch planned and sent in one transaction."""
    counts: Counter[str] = Counter()
    after = 0
    while True:
        async with runtime.db.session() as session:
            plans, last = await plan_batch(runtime, session, now, after=after, limit=batch)
            for who, found in plans:
                counts["held"] += len(found.held)
                for occurrence in found.send:
                    if await send_occurrence(runtime, session, who, occurrence, now):
                        counts[f"sent_{occurrence.action}"] += 1
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
