"""Creating, confirming and cancelling broadcasts: what the chat and the command line call.

A broadcast and one outbox row per recipient are written in one transaction,
so a crash leaves either the whole broadcast queued or nothing; the delivery
worker then sends it exactly like any other outbox row, in the bulk lane
(bot/delivery/lanes.py), behind every alert. Recipients are chosen and
exclusions applied when it is queued; quiet hours move the start of a
non-urgent broadcast to the end of the window; a person mid-conversation is
held by the worker's claim filter (`hold_filter`) until she finishes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.broadcasts.segments import Person, Segment, Selection, select_people, text_for
from bot.delivery import lanes
from bot.dialogs import expired
from bot.domain.children import child_age
from bot.domain.gestation import gestational_age
from bot.domain.locales import SUPPORTED_LOCALES
from bot.education.telegram_html import message_length, telegram_html_problems
from bot.ledger import is_priority
from bot.outbox import enqueue
from bot.reports import local_day, triage_rules
from bot.runtime import Runtime
from storage import broadcasts as queries
from storage.models import Broadcast, Outbox

# preview (counted, shown to the admin) -> queued, or draft (waiting for a second admin)
# -> queued; a preview may be discarded, anything queued cancelled.
PREVIEW, DRAFT, QUEUED, DISCARDED = "preview", "draft", "queued", "discarded"
MAX_LENGTH = 4096
# A person mid-conversation is asked again after this long.
CONVERSATION_HOLD = timedelta(minutes=2)


class BroadcastError(ValueError):
    """Why a broadcast cannot be made; `code` is stable, the chat and CLI word it."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


def check_texts(texts: dict[str, str]) -> None:
    """Every version is valid Telegram HTML that fits one message, in a known language."""
    if not texts or not any(t.strip() for t in texts.values()):
        raise BroadcastError("no_text")
    for locale, text in texts.items():
        if locale not in SUPPORTED_LOCALES:
            raise BroadcastError("unknown_language", locale)
        problems = telegram_html_problems(text)
        if problems:
            raise BroadcastError("bad_html", f"{locale}: {problems[0]}")
        if message_length(text) > MAX_LENGTH:
            raise BroadcastError("too_long", locale)


async def people(session: AsyncSession, runtime: Runtime) -> list[Person]:
    """The population as segments see it, today."""
    settings = runtime.settings
    today = local_day(runtime.clock.now(), settings)
    rules = triage_rules()
    found = []
    for user, profile, community, births in await queries.population(session):
        pregnant = profile.pregnant and profile.pregnancy_outcome is None
        due = profile.due_date if pregnant else None
        gestation = gestational_age(due, today) if due else None
        locale = user.locale if user.locale in SUPPORTED_LOCALES else settings.default_locale
        found.append(
            Person(
                user_id=user.id,
                chat_id=user.chat_id,
                locale=locale or settings.default_locale,
                active=user.active,
                paused=profile.paused,
                pregnant=pregnant,
                pregnancy_loss=profile.pregnancy_outcome == "loss",
                parent=profile.parent,
                district=community.district_zh if community else None,
                district_en=community.district_en if community else None,
                community=profile.community_code,
                colour=profile.risk_colour if pregnant else None,
                priority_group=pregnant and is_priority(gestation, profile.risk_colour, rules),
                gestation_weeks=gestation.weeks if gestation else None,
                child_age_months=tuple(child_age(b, today).months for b in births),
            )
        )
    return found


async def preview(runtime: Runtime, segment: Segment) -> Selection:
    """Who would receive it now: the count per language an admin confirms."""
    async with runtime.db.session() as session:
        return select_people(segment, await people(session, runtime))


@dataclass(frozen=True)
class Request:
    admin_id: int
    texts: dict[str, str]
    segment: Segment
    urgent: bool = False
    send_at: datetime | None = None  # None: now
    progress_chat_id: int | None = None
    progress_message_id: int | None = None


def start_time(runtime: Runtime, send_at: datetime | None, urgent: bool) -> datetime:
    """When sending may begin: the chosen time, moved past quiet hours unless urgent."""
    settings = runtime.settings
    moment = max(send_at or runtime.clock.now(), runtime.clock.now())
    return moment if urgent else settings.quiet.release(moment, settings.zone)


async def stage(runtime: Runtime, request: Request) -> tuple[Broadcast, Selection]:
    """Store it as a preview: counted, nothing queued (the chat shows the count first)."""
    check_texts(request.texts)
    async with runtime.db.session() as session:
        selection = select_people(request.segment, await people(session, runtime))
        if not selection.recipients:
            raise BroadcastError("nobody")
        broadcast = Broadcast(
            created_by=request.admin_id,
            texts=dict(request.texts),
            segment=request.segment.to_json(),
            urgent=request.urgent,
            status=PREVIEW,
            recipients=len(selection.recipients),
            send_at=request.send_at or runtime.clock.now(),
            progress_chat_id=request.progress_chat_id,
            progress_message_id=request.progress_message_id,
            created_at=runtime.clock.now(),
        )
        session.add(broadcast)
        await session.flush()
    return broadcast, selection


async def release(
    runtime: Runtime,
    broadcast_id: int,
    admin_id: int,
    *,
    progress: tuple[int, int] | None = None,
) -> Broadcast:
    """The admin said send: queue it, or leave it for a second admin if it is large.

    Recipients are chosen again now (someone may have stopped since the preview)."""
    async with runtime.db.session() as session:
        broadcast = await session.get(Broadcast, broadcast_id, with_for_update=True)
        if broadcast is None or broadcast.created_by != admin_id:
            raise BroadcastError("not_found")
        if broadcast.status != PREVIEW:
            raise BroadcastError("not_a_preview")
        if progress is not None:
            broadcast.progress_chat_id, broadcast.progress_message_id = progress
        selection = select_people(
            Segment.from_json(broadcast.segment), await people(session, runtime)
        )
        broadcast.recipients = len(selection.recipients)
        if broadcast.recipients > runtime.settings.broadcast_second_admin_above:
            broadcast.status = DRAFT
            session.add(broadcast)
            return broadcast
        await _queue(session, runtime, broadcast, selection)
    return broadcast


async def discard(runtime: Runtime, broadcast_id: int, admin_id: int) -> None:
    async with runtime.db.session() as session:
        broadcast = await session.get(Broadcast, broadcast_id)
        if broadcast is not None and broadcast.status == PREVIEW:
            broadcast.status = DISCARDED
            session.add(broadcast)


async def create(runtime: Runtime, request: Request) -> tuple[Broadcast, Selection]:
    """Stage and release at once (the command line, tests)."""
    staged, selection = await stage(runtime, request)
    assert staged.id is not None
    return await release(runtime, staged.id, request.admin_id), selection


async def confirm(runtime: Runtime, broadcast_id: int, admin_id: int) -> Broadcast:
    """A second admin releases a large draft; recipients are chosen again, as of now."""
    async with runtime.db.session() as session:
        broadcast = await session.get(Broadcast, broadcast_id, with_for_update=True)
        if broadcast is None:
            raise BroadcastError("not_found")
        if broadcast.status != DRAFT:
            raise BroadcastError("not_a_draft")
        if admin_id == broadcast.created_by:
            raise BroadcastError("same_admin")
        segment = Segment.from_json(broadcast.segment)
        selection = select_people(segment, await people(session, runtime))
        broadcast.confirmed_by = admin_id
        broadcast.recipients = len(selection.recipients)
        await _queue(session, runtime, broadcast, selection)
    return broadcast


async def _queue(
    session: AsyncSession, runtime: Runtime, broadcast: Broadcast, selection: Selection
) -> None:
    """Mark it queued and write its rows, in the caller's transaction."""
    assert broadcast.id is not None
    broadcast.status = QUEUED
    broadcast.send_at = start_time(runtime, broadcast.send_at, broadcast.urgent)
    session.add(broadcast)
    paid = runtime.settings.allow_paid_broadcast
    rows: list[dict[str, Any]] = []
    for index, person in enumerate(selection.recipients):
        payload: dict[str, Any] = {
            "method": "sendMessage",
            "text": text_for(broadcast.texts, person.locale, runtime.settings.default_locale),
        }
        if paid:
            payload["allow_paid_broadcast"] = True
        rows.append(
            {
                # Built from row numbers only (never a Telegram id): see personal_data.
                "dedupe_key": f"broadcast:{broadcast.id}:{index}",
                "kind": queries.KIND,
                "priority": lanes.BULK,
                "chat_id": person.chat_id,
                "broadcast_id": broadcast.id,
                "payload": payload,
                "status": "pending",
                "attempts": 0,
                "created_at": broadcast.created_at,
                "next_attempt_at": broadcast.send_at,
            }
        )
    await queries.insert_recipients(session, rows)


async def cancel(runtime: Runtime, broadcast_id: int) -> int:
    """Stop it: every recipient not yet sent is taken out. Returns how many were."""
    now = runtime.clock.now()
    async with runtime.db.session() as session:
        broadcast = await session.get(Broadcast, broadcast_id, with_for_update=True)
        if broadcast is None:
            raise BroadcastError("not_found")
        broadcast.status = queries.CANCELLED
        broadcast.cancelled_at = now
        session.add(broadcast)
        return await queries.cancel_pending(session, broadcast_id, now)


async def send_test(runtime: Runtime, admin_id: int, texts: dict[str, str]) -> int:
    """Each version to the admin alone, in the normal lane (not behind a broadcast)."""
    check_texts(texts)
    now = runtime.clock.now()
    async with runtime.db.session() as session:
        for locale, text in texts.items():
            await enqueue(
                session,
                chat_id=admin_id,
                text=text,
                dedupe_key=f"broadcast-test:{now.timestamp()}:{locale}",
                kind="broadcast_test",
                now=now,
            )
    return len(texts)


Filter = Callable[[AsyncSession, list[Outbox], datetime], Awaitable[list[Outbox]]]


def hold_filter(runtime: Runtime) -> Filter:
    """For the delivery worker's claims: drop rows of cancelled broadcasts, and hold the
    ones whose recipient is mid-conversation (she gets it when she finishes)."""

    async def keep(session: AsyncSession, rows: list[Outbox], now: datetime) -> list[Outbox]:
        ours = [r for r in rows if r.broadcast_id is not None]
        if not ours:
            return rows
        ids = {r.broadcast_id for r in ours if r.broadcast_id is not None}
        cancelled = await queries.cancelled_among(session, list(ids))
        skip = [r for r in ours if r.broadcast_id in cancelled]
        waiting = [r for r in ours if r.broadcast_id not in cancelled]
        talking = {
            user_id
            for user_id, updated_at in await queries.dialogs_of(
                session, [r.chat_id for r in waiting]
            )
            if not expired(updated_at, now, runtime.settings.dialog_expiry)
        }
        hold = [r for r in waiting if r.chat_id in talking]
        if skip:
            await queries.skip_rows(session, [r.id for r in skip if r.id is not None])
        if hold:
            await queries.hold_rows(
                session, [r.id for r in hold if r.id is not None], now + CONVERSATION_HOLD
            )
        gone = {id(r) for r in skip + hold}
        return [r for r in rows if id(r) not in gone]

    return keep
