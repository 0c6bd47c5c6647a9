"""Claim and queue a batch's due occurrences in a few statements, not two per person.

The first scan of a Monday finds a check-in, a stage message or a dialog for nearly
everyone: with 100,000 people, two round trips per occurrence would take minutes. So a
batch's occurrences are claimed with multi-row `INSERT … ON CONFLICT (user_id, key) DO
NOTHING RETURNING`, and only the won ones get their outbox rows, inserted together, in
the same transaction: whoever wins a row queues its message, and nobody else can.

Skipped occurrences (a late joiner's check-in, one that quiet hours or a conversation
will outlast) are claimed the same way with their reason as status, so an event that
never fires leaves a row saying why (docs/followup.md, "Skipped").
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.delivery import lanes
from bot.domain.followup_plan import Occurrence, Plan, next_rung, rung_at
from bot.domain.schedule_model import Schedule
from bot.education.catalog import ContentCatalog
from bot.followup import messages
from bot.followup.facts import Recipient
from bot.i18n import Catalogs
from bot.observability import metrics
from storage import outbox as store
from storage.models import FollowupItem, Outbox

CHUNK = 500  # rows per INSERT: far below SQLite's bound-parameter limit


def _chunks(rows: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _item(
    who: Recipient, o: Occurrence, status: str, now: datetime, schedule: Schedule
) -> dict[str, Any]:
    rung = None
    if status == "sent" and o.action == "checkin":
        rung = next_rung(schedule.checkins.tier(o.ref).ladder, 0)  # type: ignore[arg-type]
    return {
        "user_id": who.person.user_id,
        "key": o.key,
        "event": o.event,
        "action": o.action,
        "ref": o.ref,
        "status": status,
        "token": secrets.token_hex(3),
        "sent_at": now,
        "expires_at": o.expires_at,
        "ladder_steps": 0,
        "next_step_at": rung_at(rung, now) if rung is not None else None,
    }


async def _claim(
    session: AsyncSession, is_sqlite: bool, rows: Sequence[dict[str, Any]]
) -> dict[tuple[int, str], int]:
    """Insert what nobody has yet; (user id, key) -> id of the rows this call won."""
    dialect_insert = sqlite_insert if is_sqlite else pg_insert
    won: dict[tuple[int, str], int] = {}
    for chunk in _chunks(rows):
        statement = (
            dialect_insert(FollowupItem)
            .values(list(chunk))
            .on_conflict_do_nothing(index_elements=["user_id", "key"])
            .returning(FollowupItem.id, FollowupItem.user_id, FollowupItem.key)  # type: ignore[arg-type]
        )
        result = await session.exec(statement)  # type: ignore[call-overload]
        won |= {(int(u), str(k)): int(i) for i, u, k in result.all()}
    return won


async def send_plans(
    session: AsyncSession,
    plans: Sequence[tuple[Recipient, Plan]],
    now: datetime,
    *,
    is_sqlite: bool,
    settings: Settings,
    catalogs: Catalogs,
    schedule: Schedule,
    catalog: ContentCatalog,
) -> dict[str, int]:
    """Claim every due and skipped occurrence of a batch; queue the won sends' messages."""
    rows: list[dict[str, Any]] = []
    sends: list[tuple[Recipient, Occurrence, dict[str, Any]]] = []
    for who, found in plans:
        for occurrence in found.send:
            row = _item(who, occurrence, "sent", now, schedule)
            rows.append(row)
            sends.append((who, occurrence, row))
        rows += [_item(who, o, reason, now, schedule) for o, reason in found.skipped]
    counts: dict[str, int] = {}
    if not rows:
        return counts
    won = await _claim(session, is_sqlite, rows)
    outbox: list[dict[str, Any]] = []
    for who, occurrence, row in sends:
        item_id = won.get((who.person.user_id, occurrence.key))
        if item_id is None:
            continue  # another worker (or an earlier scan) has it
        metrics.observe_followup_lag(occurrence.action, occurrence.nominal_at, now)
        text, markup = messages.render(
            occurrence.action,
            occurrence.ref,
            item_id=item_id,
            token=row["token"],
            pregnant=who.person.pregnant,
            tr=catalogs.get(who.locale),
            settings=settings,
            catalog=catalog,
        )
        payload: dict[str, Any] = {"method": "sendMessage", "text": text}
        if markup is not None:
            payload["reply_markup"] = markup
        kind = messages.KIND[occurrence.action]
        outbox.append(
            {
                "dedupe_key": f"fu:{item_id}:0",
                "kind": kind,
                "priority": lanes.lane_of(kind),
                "chat_id": who.chat_id,
                "payload": payload,
                "status": store.PENDING,
                "attempts": 0,
                "created_at": now,
                "next_attempt_at": now,
            }
        )
        counts[f"sent_{occurrence.action}"] = counts.get(f"sent_{occurrence.action}", 0) + 1
    for chunk in _chunks(outbox):
        await session.exec(insert(Outbox), params=list(chunk))  # type: ignore[call-overload]
    skipped = sum(1 for r in rows if r["status"] != "sent" and (r["user_id"], r["key"]) in won)
    if skipped:
        counts["skipped"] = skipped
    return counts
