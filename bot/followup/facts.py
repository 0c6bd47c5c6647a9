"""What the planner needs about a batch of people, read in five bulk queries.

Only people who could be due are read: consent given, not paused, reachable,
pregnant or a parent. A batch is a keyset page of user ids, and every query of a
batch is a range on the user id (an index range scan, never a list of thousands
of ids), so 100,000 people cost 100,000 / BATCH rounds of five queries.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from typing import Any, NamedTuple

from sqlalchemy import case, false, func
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.domain.followup_plan import INTERACTIVE, SKIP_REASONS, History, Person
from bot.domain.schedule_model import Schedule
from bot.i18n import negotiate_locale
from storage.models import Child, Dialog, FollowupItem, Profile, Report, User

BATCH = 2000
# Rows of these statuses were never sent (bot/followup/batch.py): they keep the key from
# being planned again, but they are no question asked today.
UNSENT = frozenset(SKIP_REASONS)
# Who joined this recently may have a check-in that fell due before she came (a routine
# one is the week's): only for her is the moment she joined read, not for everyone.
JOINED_WITHIN = timedelta(days=8)


class Recipient(NamedTuple):
    person: Person
    history: History
    chat_id: int
    locale: str
    community_code: str | None


def _utc(moment: Any) -> datetime | None:
    """A datetime read through a SQL expression, where the column's type is not applied
    (SQLite gives text, PostgreSQL an aware value)."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def infected(data: dict[str, Any], fever_from_c: float) -> bool:
    """A positive test, or a fever (ticked, or a reading at or above the threshold)."""
    temperature = data.get("temperature_c")
    return (
        data.get("test_result") == "positive"
        or "fever" in (data.get("symptoms") or ())
        or (isinstance(temperature, int | float) and temperature >= fever_from_c)
    )


async def _rows(session: AsyncSession, query: Any) -> list[Any]:
    """Plain rows through the connection: the ORM's row processing is skipped (it cost
    as much as the planning itself at 100,000 people)."""
    connection = await session.connection()
    return list((await connection.execute(query)).all())


async def _people(
    session: AsyncSession, after: int, limit: int, only: int | None, now: datetime
) -> list[Any]:
    # Columns, not ORM objects: building 100,000 Profile instances costs more than planning.
    joined = func.coalesce(Profile.onboarded_at, Profile.consent_at)
    query = (
        select(
            Profile.user_id,
            Profile.pregnant,
            Profile.due_date,
            Profile.risk_colour,
            Profile.pregnancy_outcome,
            Profile.community_code,
            case((joined > now - JOINED_WITHIN, joined), else_=None).label("joined"),
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
    return await _rows(session, query)


def _reask(schedule: Schedule, tier: str, midnight: datetime) -> tuple[int, datetime] | None:
    """(steps after which a tier's re-ask was sent, the earliest send of a check-in whose
    re-ask fell today); None when the tier's ladder has no re-ask."""
    rungs = schedule.checkins.tier("priority" if tier == "priority" else "routine").ladder
    for n, rung in enumerate(rungs):
        if rung.step == "reask":
            return n + 1, midnight - timedelta(hours=rung.after_hours)
    return None


def _since(reask: tuple[int, datetime] | None) -> Any:
    """SQL: this check-in's re-ask (if it had one) went out today."""
    if reask is None:
        return false()
    return col(FollowupItem.sent_at) >= reask[1]


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
    people = await _people(session, after, limit, only, now)
    if not people:
        return [], None
    last = people[-1][0]
    first = only if only is not None else after + 1

    def mine(column: Any) -> Any:
        return col(column).between(first, last)

    births: dict[int, list[Any]] = defaultdict(list)
    for user_id, birth in await _rows(
        session, select(Child.user_id, Child.birth_date).where(mine(Child.user_id))
    ):
        births[user_id].append(birth)
    since = now - timedelta(days=schedule.checkins.infection_days)
    infection = {
        user_id
        for user_id, data in await _rows(
            session,
            select(Report.user_id, Report.data).where(
                mine(Report.user_id), col(Report.created_at) >= since
            ),
        )
        if infected(data, schedule.checkins.fever_from_c)
    }
    talking = {
        user_id
        for (user_id,) in await _rows(
            session,
            select(Dialog.user_id).where(
                mine(Dialog.user_id), col(Dialog.updated_at) > now - settings.dialog_expiry
            ),
        )
    }
    midnight = datetime.combine(now.astimezone(settings.zone).date(), time(0), settings.zone)
    horizon = max((r.after_hours for r in schedule.checkins.priority.ladder), default=0.0)
    reask = {tier: _reask(schedule, tier, midnight) for tier in ("priority", "routine")}
    sent: dict[int, set[str]] = defaultdict(set)
    asked: set[int] = set()
    ladder: set[int] = set()
    # Times compared in SQL, not read: 100,000 datetimes cost more to decode than to plan.
    for (
        user_id,
        key,
        action,
        ref,
        status,
        steps,
        is_open,
        today,
        climbing,
        re_p,
        re_r,
    ) in await _rows(
        session,
        select(
            FollowupItem.user_id,
            FollowupItem.key,
            FollowupItem.action,
            FollowupItem.ref,
            FollowupItem.status,
            FollowupItem.ladder_steps,
            col(FollowupItem.expires_at) > now,
            col(FollowupItem.sent_at) >= midnight,
            col(FollowupItem.next_step_at).is_not(None),
            _since(reask["priority"]),
            _since(reask["routine"]),
        ).where(
            mine(FollowupItem.user_id),
            or_(
                col(FollowupItem.expires_at) > now,
                col(FollowupItem.next_step_at).is_not(None),
                col(FollowupItem.sent_at) >= midnight - timedelta(hours=horizon),
            ),
        ),
    ):
        if status in UNSENT:
            if is_open:
                sent[user_id].add(key)
            continue
        if is_open:
            sent[user_id].add(key)
            if action in INTERACTIVE and today:
                asked.add(user_id)
        if action == "checkin" and steps:
            # A re-ask today stands in for today's check-in, even once its ladder has ended.
            tier_reask = reask["priority" if ref == "priority" else "routine"]
            if (
                tier_reask is not None
                and steps >= tier_reask[0]
                and (re_p if ref == "priority" else re_r)
            ):
                asked.add(user_id)
        # A ladder still climbing outlives its check-in's window (the re-ask comes next day).
        if action == "checkin" and status == "sent" and climbing:
            ladder.add(user_id)
    locale = functools.lru_cache(maxsize=64)(
        lambda saved, code: negotiate_locale(saved, code, settings.default_locale)
    )
    found: list[Recipient] = []
    for row in people:
        user_id, pregnant, due, colour, outcome, community, joined = row[:7]
        chat_id, saved, code = row[7:]
        person = Person(
            user_id=user_id,
            pregnant=pregnant,
            due_date=due,
            colour=colour,
            outcome=outcome,
            child_births=tuple(sorted(births.get(user_id, ()))),
            recent_infection=user_id in infection,
            joined=_utc(joined),
        )
        history = History(
            sent=frozenset(sent.get(user_id, ())),
            ladder_open=user_id in ladder,
            in_conversation=user_id in talking,
            asked_today=user_id in asked,
        )
        found.append(Recipient(person, history, chat_id, locale(saved, code), community))
    return found, last
