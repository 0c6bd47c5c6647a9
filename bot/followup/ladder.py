"""The non-response ladder of unanswered check-ins: nudge, re-ask, then a staff task.

Each step is claimed by a conditional UPDATE on the step count (as escalation
claims an alert), so with several workers each step happens once. Before a
step, the ladder looks for what resolves it (Medic CHT's `resolvedIf`): any
report she sent since the check-in counts as her answer. Messages to her keep
the rules of sending (quiet hours, a conversation in progress); a task for her
staff does not wait, it is announced in the next daily digest.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import dialogs
from bot.domain.followup_plan import next_rung, rung_at
from bot.domain.schedule_model import Rung, Schedule
from bot.education.catalog import ContentCatalog
from bot.followup import messages, tasks
from bot.i18n import negotiate_locale
from bot.observability import metrics
from bot.runtime import Runtime
from storage.models import FollowupItem, Profile, Report, User

BATCH = 200
CONVERSATION_RETRY = timedelta(minutes=15)


async def due_steps(session: AsyncSession, now: datetime, limit: int = BATCH) -> list[int]:
    rows = await session.exec(
        select(FollowupItem.id)
        .where(FollowupItem.status == "sent", col(FollowupItem.next_step_at) <= now)
        .order_by(col(FollowupItem.next_step_at))
        .limit(limit)
    )
    return [i for i in rows.all() if i is not None]


async def _set(session: AsyncSession, item: FollowupItem, **values: object) -> bool:
    """Change the item only if nobody moved its ladder since we read it."""
    won = await session.exec(  # type: ignore[call-overload]
        update(FollowupItem)
        .where(
            col(FollowupItem.id) == item.id,
            col(FollowupItem.ladder_steps) == item.ladder_steps,
            col(FollowupItem.status) == "sent",
        )
        .values(**values)
    )
    return bool(won.rowcount == 1)


async def _answered_since(session: AsyncSession, item: FollowupItem) -> datetime | None:
    found = await session.exec(
        select(Report.created_at)
        .where(col(Report.user_id) == item.user_id, col(Report.created_at) >= item.sent_at)
        .order_by(col(Report.created_at))
        .limit(1)
    )
    return found.first()


async def step(
    runtime: Runtime,
    session: AsyncSession,
    item_id: int,
    now: datetime,
    schedule: Schedule,
    catalog: ContentCatalog,
) -> str | None:
    """Take the next step of one check-in's ladder; returns what was done, if anything."""
    item = await session.get(FollowupItem, item_id, populate_existing=True)
    if item is None or item.status != "sent" or item.next_step_at is None:
        return None
    if item.next_step_at > now:
        return None
    ladder = schedule.checkins.tier("priority" if item.ref == "priority" else "routine").ladder
    rung = next_rung(ladder, item.ladder_steps)
    if rung is None:
        return "ended" if await _set(session, item, next_step_at=None) else None
    answered = await _answered_since(session, item)
    if answered is not None:
        done = await _set(session, item, status="answered", answered_at=answered, next_step_at=None)
        return "resolved" if done else None
    profile = await session.get(Profile, item.user_id)
    user = await session.get(User, item.user_id)
    if profile is None or user is None or profile.paused or not user.active:
        return (
            "cancelled"
            if await _set(session, item, status="cancelled", next_step_at=None)
            else None
        )
    settings = runtime.settings
    if rung.step != "task":
        if settings.quiet.contains(now.astimezone(settings.zone).time().replace(tzinfo=None)):
            await _set(session, item, next_step_at=settings.quiet.release(now, settings.zone))
            return "held"
        if await dialogs.in_conversation(session, item.user_id, now, settings.dialog_expiry):
            await _set(session, item, next_step_at=now + CONVERSATION_RETRY)
            return "held"
    steps = item.ladder_steps + 1
    following: Rung | None = next_rung(ladder, steps)
    claimed = await _set(
        session,
        item,
        ladder_steps=steps,
        status="tasked" if rung.step == "task" else "sent",
        next_step_at=rung_at(following, item.sent_at) if following is not None else None,
    )
    if not claimed:
        return None
    if rung.step == "task":
        await tasks.open_task(session, item, profile, now, urgency=item.ref)
        return "task"
    metrics.observe_followup_lag(rung.step, rung_at(rung, item.sent_at), now)
    tr = runtime.catalogs.get(
        negotiate_locale(user.locale, user.language_code, settings.default_locale)
    )
    await messages.queue(
        session,
        rung.step,
        item.ref,
        item_id=item_id,
        token=item.token,
        step=steps,
        chat_id=user.chat_id,
        pregnant=profile.pregnant,
        tr=tr,
        settings=settings,
        catalog=catalog,
        now=now,
    )
    return rung.step


async def climb(
    runtime: Runtime, now: datetime, schedule: Schedule, catalog: ContentCatalog
) -> Counter[str]:
    counts: Counter[str] = Counter()
    async with runtime.db.session() as session:
        ids = await due_steps(session, now)
    for item_id in ids:
        async with runtime.db.session() as session:
            done = await step(runtime, session, item_id, now, schedule, catalog)
        if done is not None:
            counts[f"ladder_{done}"] += 1
    return counts
