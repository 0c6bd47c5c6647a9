"""What the planner needs about a batch of people, read in five bulk queries.

Only people who could be due are read: consent given, not paused, reachable,
pregnant or a parent. A batch is a keyset page of user ids, and every query of a
batch is a range on the user id (an index range scan, never a list of thousands
of ids), so 100,000 people cost 100,000 / BATCH rounds of five queries.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import datetime, time, timedelta
from typing import Any, NamedTuple

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.domain.followup_plan import INTERACTIVE, History, Person
from bot.domain.schedule_model import Schedule
from bot.i18n import negotiate_locale
from storage.models import Child, Dialog, FollowupItem, Profile, Report, User

BATCH = 2000


class Recipient(NamedTuple):
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


async def _people(session: AsyncSession, after: int, limit: int, only: int | None) -> list[Any]:
    # Columns, not ORM objects: building 100,000 Profile instances costs more than planning.
    query = (
        select(
            Profile.user_id,
            Profile.pregnant,
            Profile.due_date,
            Profile.risk_colour,
            Profile.pregnancy_outcome,
            Profile.community_code,
            Profile.onboarded_at,
            Profile.consent_at,
            User.chat_id,
            User.locale,
            User.language_code,
        )
        .join(User, col(User.id) == col(Profile.user_id))
        .where(
            Profile.consent == "given",
            col(Profile.paused).is_(False),
            col(User.active).is_(True),
            or_(col(Profile.pregnant).is_(True), col(Profile.parent).is_(True)),
        )
        .order_by(col(Profile.user_id))
    )
    if only is not None:
        query = query.where(col(Profile.user_id) == only)
    else:
        query = query.where(col(Profile.user_id) > after).limit(limit)
    return list((await session.exec(query)).all())


def _reasked_today(
    schedule: Schedule, ref: str, sent_at: datetime, steps: int, midnight: datetime
) -> bool:
    """A re-ask today stands in for today's check-in, even once its ladder has ended."""
    rungs = schedule.checkins.tier("priority" if ref == "priority" else "routine").ladder
    return any(
        r.step == "reask" and sent_at + timedelta(hours=r.after_hours) >= midnight
        for r in rungs[:steps]
    )


async def load(
    session: AsyncSession,
    now: datetime,
    settings: Settings,
    schedule: Schedule,
    *,
    after: int = 0,
    limit: int = BATCH,
    only: int | None = None,
) -> tuple[list[Recipient], int | None]:
    """The next batch of people who could be due (ids above `after`, or just `only`).

    Returns them in id order, with the last id read (None when there are no more).
    """
    people = await _people(session, after, limit, only)
    if not people:
        return [], None
    last = people[-1][0]
    first = only if only is not None else after + 1

    def mine(column: Any) -> Any:
        return col(column).between(first, last)

    births: dict[int, list[Any]] = defaultdict(list)
    for user_id, birth in (
        await session.exec(select(Child.user_id, Child.birth_date).where(mine(Child.user_id)))
    ).all():
        births[user_id].append(birth)
    since = now - timedelta(days=schedule.checkins.infection_days)
    infection = {
        user_id
        for user_id, data in (
            await session.exec(
                select(Report.user_id, Report.data).where(
                    mine(Report.user_id), col(Report.created_at) >= since
                )
            )
        ).all()
        if infected(data, schedule.checkins.fever_from_c)
    }
    talking = set(
        (
            await session.exec(
                select(Dialog.user_id).where(
                    mine(Dialog.user_id), col(Dialog.updated_at) > now - settings.dialog_expiry
                )
            )
        ).all()
    )
    midnight = datetime.combine(now.astimezone(settings.zone).date(), time(0), settings.zone)
    horizon = max((r.after_hours for r in schedule.checkins.priority.ladder), default=0.0)
    sent: dict[int, set[str]] = defaultdict(set)
    asked: set[int] = set()
    ladder: set[int] = set()
    for user_id, key, action, ref, status, sent_at, expires, steps, next_step in (
        await session.exec(
            select(
                FollowupItem.user_id,
                FollowupItem.key,
                FollowupItem.action,
                FollowupItem.ref,
                FollowupItem.status,
                FollowupItem.sent_at,
                FollowupItem.expires_at,
                FollowupItem.ladder_steps,
                FollowupItem.next_step_at,
            ).where(
                mine(FollowupItem.user_id),
                or_(
                    col(FollowupItem.expires_at) > now,
                    col(FollowupItem.next_step_at).is_not(None),
                    col(FollowupItem.sent_at) >= midnight - timedelta(hours=horizon),
                ),
            )
        )
    ).all():
        if expires > now:
            sent[user_id].add(key)
            if action in INTERACTIVE and sent_at >= midnight:
                asked.add(user_id)
        if (
            action == "checkin"
            and steps
            and _reasked_today(schedule, ref, sent_at, steps, midnight)
        ):
            asked.add(user_id)
        # A ladder still climbing outlives its check-in's window (the re-ask comes next day).
        if action == "checkin" and status == "sent" and next_step is not None:
            ladder.add(user_id)
    locale = functools.lru_cache(maxsize=64)(
        lambda saved, code: negotiate_locale(saved, code, settings.default_locale)
    )
    found: list[Recipient] = []
    for row in people:
        user_id, pregnant, due, colour, outcome, community, onboarded, consented = row[:8]
        chat_id, saved, code = row[8:]
        person = Person(
            user_id=user_id,
            pregnant=pregnant,
            due_date=due,
            colour=colour,
            outcome=outcome,
            child_births=tuple(sorted(births.get(user_id, ()))),
            recent_infection=user_id in infection,
            joined=onboarded or consented,
        )
        history = History(
            sent=frozenset(sent.get(user_id, ())),
            ladder_open=user_id in ladder,
            in_conversation=user_id in talking,
            asked_today=user_id in asked,
        )
        found.append(Recipient(person, history, chat_id, locale(saved, code), community))
    return found, last
