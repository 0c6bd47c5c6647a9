"""Staff follow-up tasks: opened by the ladder, listed in /due, closed with an outcome.

Staff hear of new tasks in one low-urgency digest a day (at the schedule's
digest hour, outside quiet hours), never one alert per person: alert overload
is what health workers complain of most (Medic CHT issues 11159, 11160). A
digest claims its tasks with a conditional UPDATE, so several workers send it once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, time, timedelta

from sqlalchemy import update
from sqlmodel import and_, col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import alerts
from bot.alert_actions import audit
from bot.domain.schedule_model import Schedule
from bot.i18n import N_
from bot.outbox import enqueue
from bot.runtime import Runtime
from storage.models import FollowupItem, FollowupTask, Profile

OUTCOMES = ("reached", "not_reached", "referred")
OUTCOME_LABELS = {
    "reached": N_("✅ Reached"),
    "not_reached": N_("📵 Not reached"),
    "referred": N_("🏥 Referred"),
}
URGENCY_ORDER = {"priority": 0, "routine": 1}
# Why staff should reach her (docs/followup.md, "Answers"): silence on the ladder, an
# answer of "something is wrong", or a priority-group mother who is isolating.
REASONS = ("no_answer", "something_wrong", "isolating")
REASON_LABELS = {
    "no_answer": N_("no answer to check-ins"),
    "something_wrong": N_("answered “something is wrong”"),
    "isolating": N_("isolating"),
}
# An answer task is not opened again for the same reason within this many days: a mother
# isolating for ten days answers "isolating" ten times, and staff need one task.
ANSWER_TASK_DAYS = 7


async def open_task(
    session: AsyncSession,
    item: FollowupItem,
    profile: Profile,
    now: datetime,
    *,
    urgency: str,
    reason: str = "no_answer",
) -> FollowupTask:
    task = FollowupTask(
        user_id=item.user_id,
        item_id=item.id,
        community_code=profile.community_code,
        reason=reason,
        urgency=urgency,
        created_at=now,
    )
    session.add(task)
    await session.flush()
    return task


async def open_answer_task(
    session: AsyncSession, item_id: int, user_id: int, reason: str, urgency: str, now: datetime
) -> FollowupTask | None:
    """A task from her answer to a check-in; None if one for that reason is recent."""
    recent = await session.exec(
        select(FollowupTask.id).where(
            col(FollowupTask.user_id) == user_id,
            or_(
                col(FollowupTask.item_id) == item_id,  # a late answer to a check-in tasked already
                and_(
                    col(FollowupTask.reason) == reason,
                    col(FollowupTask.created_at) > now - timedelta(days=ANSWER_TASK_DAYS),
                ),
            ),
        )
    )
    item = await session.get(FollowupItem, item_id)
    profile = await session.get(Profile, user_id)
    if recent.first() is not None or item is None or profile is None:
        return None
    return await open_task(session, item, profile, now, urgency=urgency, reason=reason)


async def open_tasks(
    session: AsyncSession, communities: Sequence[str] | None
) -> list[FollowupTask]:
    """Open tasks in these communities (None: everywhere), most urgent then oldest first."""
    query = select(FollowupTask).where(FollowupTask.status == "open")
    if communities is not None:
        query = query.where(col(FollowupTask.community_code).in_(communities))
    found = list((await session.exec(query)).all())
    found.sort(key=lambda t: (URGENCY_ORDER.get(t.urgency, 9), t.created_at, t.id or 0))
    return found


async def close_task(
    session: AsyncSession,
    task_id: int,
    outcome: str,
    staff_id: int,
    communities: Sequence[str] | None,
    now: datetime,
) -> FollowupTask | None:
    """Close an open task in the staff member's scope; None if it is not theirs or not open."""
    if outcome not in OUTCOMES:
        return None
    task = await session.get(FollowupTask, task_id)
    if task is None or task.status != "open":
        return None
    if communities is not None and task.community_code not in communities:
        return None
    won = await session.exec(  # type: ignore[call-overload]
        update(FollowupTask)
        .where(col(FollowupTask.id) == task_id, col(FollowupTask.status) == "open")
        .values(status="closed", outcome=outcome, closed_at=now, closed_by=staff_id)
    )
    if won.rowcount != 1:
        return None
    session.add(audit(staff_id, "task_closed", task.user_id, now, task_id=task_id, outcome=outcome))
    await session.refresh(task)
    return task


def digest_time(now: datetime, schedule: Schedule, zone: object) -> datetime:
    local = now.astimezone(zone)  # type: ignore[arg-type]
    return datetime.combine(local.date(), time(schedule.checkins.digest_hour), tzinfo=local.tzinfo)


DIGEST = N_(
    "🗂 <b>Follow-up tasks</b>: {n} new since yesterday — people who did not answer "
    "their check-ins, answered that something is wrong, or are isolating. Please try to "
    "reach them; /due lists them, most urgent first, and closes each with an outcome."
)


async def send_digests(runtime: Runtime, now: datetime, schedule: Schedule) -> Counter[str]:
    """Once a day: each staff member hears how many new tasks their communities have."""
    counts: Counter[str] = Counter()
    settings = runtime.settings
    cutoff = digest_time(now, schedule, settings.zone)
    if now < cutoff or settings.quiet.contains(
        now.astimezone(settings.zone).time().replace(tzinfo=None)
    ):
        return counts
    async with runtime.db.session() as session:
        # Claimed in one statement whatever their number (no list of ids: SQLite caps the
        # parameters of one statement), then counted per community: one recipient look-up
        # per community, and one message per staff member with the count.
        claimed = await session.exec(  # type: ignore[call-overload]
            update(FollowupTask)
            .where(
                col(FollowupTask.digested_at).is_(None),
                FollowupTask.status == "open",
                col(FollowupTask.created_at) < cutoff,
            )
            .values(digested_at=now)
            .returning(FollowupTask.id, FollowupTask.community_code)
        )
        won = list(claimed.all())
        if not won:
            return counts
        per_community = Counter(community for _task_id, community in won)
        per_staff: Counter[int] = Counter()
        for community, n in per_community.items():
            for chat_id in await alerts.alert_recipients(session, community, settings):
                per_staff[chat_id] += n
        first = min(task_id for task_id, _ in won)
        for n, (chat_id, new) in enumerate(sorted(per_staff.items())):
            tr = runtime.catalogs.get(await alerts.recipient_locale(session, chat_id, settings))
            await enqueue(
                session,
                chat_id=chat_id,
                text=tr.gettext(DIGEST).format(n=new),
                # Row ids only, never a Telegram id: this claim's first task, and a counter.
                dedupe_key=f"fu:dg:{first}:{n}",
                kind="followup_digest",
                now=now,
            )
            counts["digests"] += 1
    return counts
