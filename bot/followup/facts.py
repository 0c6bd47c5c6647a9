"""What the planner needs about a batch of people, read in a handful of bulk queries.

Only people who could be due are read: consent given, not paused, reachable,
pregnant or a parent. A batch is a keyset page of user ids, so 100,000 people
cost about 100,000 / BATCH rounds of five indexed queries, never a query per person.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.domain.followup_plan import INTERACTIVE, History, Person
from bot.domain.schedule_model import Schedule
from bot.i18n import negotiate_locale
from storage.models import Child, Dialog, FollowupItem, Profile, Report, User

BATCH = 2000


@dataclass(frozen=True)
class Recipient:
    person: Person
    history: History
    chat_id: int
    locale: str
    community_code: str | None


def infected(data: dict[str, Any], fever_from_c: float) -> bool:
    """A positive test, or a fever (ticked, or a reading at or above the threshold)."""
    temperature = data.get("temperature_c")
    return (
        data.get("test_result") == "positive"
        or "fever" in (data.get("symptoms") or ())
        or (isinstance(temperature, int | float) and temperature >= fever_from_c)
    )


async def candidate_ids(session: AsyncSession, after: int, limit: int = BATCH) -> list[int]:
    rows = await session.exec(
        select(Profile.user_id)
        .join(User, col(User.id) == col(Profile.user_id))
        .where(
            col(Profile.user_id) > after,
            Profile.consent == "given",
            col(Profile.paused).is_(False),
            col(User.active).is_(True),
            or_(col(Profile.pregnant).is_(True), col(Profile.parent).is_(True)),
        )
        .order_by(col(Profile.user_id))
        .limit(limit)
    )
    return list(rows.all())


async def load(
    session: AsyncSession,
    ids: list[int],
    now: datetime,
    settings: Settings,
    schedule: Schedule,
) -> list[Recipient]:
    """Person and History for each id (in id order); ids no longer eligible are left out."""
    if not ids:
        return []
    rows = await session.exec(
        select(Profile, User)
        .join(User, col(User.id) == col(Profile.user_id))
        .where(col(Profile.user_id).in_(ids))
    )
    pairs = rows.all()
    births: dict[int, list[Any]] = defaultdict(list)
    for user_id, birth in (
        await session.exec(
            select(Child.user_id, Child.birth_date).where(col(Child.user_id).in_(ids))
        )
    ).all():
        births[user_id].append(birth)
    since = now - timedelta(days=schedule.checkins.infection_days)
    infection: set[int] = set()
    for user_id, data in (
        await session.exec(
            select(Report.user_id, Report.data).where(
                col(Report.user_id).in_(ids), col(Report.created_at) >= since
            )
        )
    ).all():
        if infected(data, schedule.checkins.fever_from_c):
            infection.add(user_id)
    talking = set(
        (
            await session.exec(
                select(Dialog.user_id).where(
                    col(Dialog.user_id).in_(ids),
                    col(Dialog.updated_at) > now - settings.dialog_expiry,
                )
            )
        ).all()
    )
    sent: dict[int, set[str]] = defaultdict(set)
    asked: set[int] = set()
    local_midnight = datetime.combine(
        now.astimezone(settings.zone).date(), time(0), tzinfo=settings.zone
    )
    for user_id, key, action, sent_at in (
        await session.exec(
            select(
                FollowupItem.user_id, FollowupItem.key, FollowupItem.action, FollowupItem.sent_at
            ).where(col(FollowupItem.user_id).in_(ids), col(FollowupItem.expires_at) > now)
        )
    ).all():
        sent[user_id].add(key)
        if action in INTERACTIVE and sent_at >= local_midnight:
            asked.add(user_id)
    # A re-ask today stands in for today's check-in, even once its ladder has ended.
    horizon = max((r.after_hours for r in schedule.checkins.priority.ladder), default=0.0)
    for user_id, sent_at, ref, steps in (
        await session.exec(
            select(
                FollowupItem.user_id,
                FollowupItem.sent_at,
                FollowupItem.ref,
                FollowupItem.ladder_steps,
            ).where(
                col(FollowupItem.user_id).in_(ids),
                FollowupItem.action == "checkin",
                col(FollowupItem.ladder_steps) > 0,
                col(FollowupItem.sent_at) >= local_midnight - timedelta(hours=horizon),
            )
        )
    ).all():
        rungs = schedule.checkins.tier("priority" if ref == "priority" else "routine").ladder
        if any(
            r.step == "reask" and sent_at + timedelta(hours=r.after_hours) >= local_midnight
            for r in rungs[:steps]
        ):
            asked.add(user_id)
    # A ladder still climbing outlives its check-in's window (the re-ask comes next day).
    ladder = set(
        (
            await session.exec(
                select(FollowupItem.user_id).where(
                    col(FollowupItem.user_id).in_(ids),
                    FollowupItem.action == "checkin",
                    FollowupItem.status == "sent",
                    col(FollowupItem.next_step_at).is_not(None),
                )
            )
        ).all()
    )
    found: list[Recipient] = []
    for profile, user in sorted(pairs, key=lambda pair: pair[0].user_id):
        if profile.consent != "given" or profile.paused or not user.active:
            continue
        person = Person(
            user_id=profile.user_id,
            pregnant=profile.pregnant,
            due_date=profile.due_date,
            colour=profile.risk_colour,
            outcome=profile.pregnancy_outcome,
            child_births=tuple(sorted(births.get(profile.user_id, ()))),
            recent_infection=profile.user_id in infection,
            joined=profile.onboarded_at or profile.consent_at,
        )
        history = History(
            sent=frozenset(sent.get(profile.user_id, ())),
            ladder_open=profile.user_id in ladder,
            in_conversation=profile.user_id in talking,
            asked_today=profile.user_id in asked,
        )
        locale = negotiate_locale(user.locale, user.language_code, settings.default_locale)
        found.append(Recipient(person, history, user.chat_id, locale, profile.community_code))
    return found
