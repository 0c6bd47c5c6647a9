"""Where a person's data lives: /mydata exports it and /delete erases it, from one map.

`OWN_ROWS` lists the rows that are hers; `MENTIONS` the columns of other rows that
may hold her id (a staff member's id on the alerts they handled, in the audit log).
Export and erasure both walk these two lists, so they cannot drift apart, and
`COLUMNS` (bot/personal_columns.py) classifies every column of every table
(tests/test_personal_data.py fails when a new column is not classified).

Erasure leaves nothing personal anywhere the bot controls: her rows go, her id is
removed from other rows (set to NULL, or to ERASED where the column may not be
empty), audit rows about her keep only the action and time, and every message
about her already in a staff chat is replaced through the outbox by "(removed at
the person's request)". Staff hear that someone left, never who.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.alerts import recipient_locale
from bot.config import Settings
from bot.i18n import N_, Catalogs
from bot.outbox import enqueue
from storage import outbox as store
from storage.models import (
    Alert,
    AuditEntry,
    Broadcast,
    Child,
    Counter,
    Dialog,
    FollowupItem,
    FollowupTask,
    InboxUpdate,
    Invite,
    Note,
    Outbox,
    Profile,
    ProfileChange,
    Report,
    Staff,
    StaffCommunity,
    User,
)

# Stands for an erased person in columns that may not be empty (an actor, an author).
ERASED = 0
REMOVED_TEXT = N_("(removed at the person's request)")

# (export key, table, the column that names her). Order: children before parents, so the
# explicit deletes also work on a SQLite connection opened without foreign keys.
OWN_ROWS: tuple[tuple[str, Any, Any], ...] = (
    ("updates_received", InboxUpdate, InboxUpdate.person),
    ("followup_tasks", FollowupTask, FollowupTask.user_id),
    ("followup_sent", FollowupItem, FollowupItem.user_id),
    ("staff_notes", Note, Note.subject_user_id),
    ("alerts", Alert, Alert.user_id),
    ("reports", Report, Report.user_id),
    ("profile_history", ProfileChange, ProfileChange.user_id),
    ("children", Child, Child.user_id),
    ("conversation", Dialog, Dialog.user_id),
    ("staff_communities", StaffCommunity, StaffCommunity.staff_id),
    ("staff", Staff, Staff.user_id),
    ("profile", Profile, Profile.user_id),
)
SINGLE_ROWS = frozenset({"profile", "staff"})

# Her id in rows that are not hers: (column, what it becomes).
MENTIONS: tuple[tuple[Any, int | None], ...] = (
    (Alert.acknowledged_by, None),
    (Alert.contacted_by, None),
    (Alert.escalated_by, None),
    (Note.staff_id, ERASED),
    (ProfileChange.changed_by, ERASED),
    (Invite.redeemed_by, None),
    (FollowupTask.closed_by, None),
    (Invite.created_by, ERASED),
    (AuditEntry.actor_id, ERASED),
    (Broadcast.created_by, ERASED),
    (Broadcast.confirmed_by, None),
    (Broadcast.progress_chat_id, None),
)

def _dump(row: Any) -> dict[str, Any]:
    return row.model_dump(mode="json")


async def export_data(session: AsyncSession, user_id: int) -> dict[str, Any]:
    """Everything stored about one person, as plain JSON-ready data."""
    user = await session.get(User, user_id)
    data: dict[str, Any] = {"user": _dump(user) if user else None}
    for key, model, column in reversed(OWN_ROWS):
        rows = [_dump(r) for r in (await session.exec(select(model).where(column == user_id)))]
        data[key] = (rows[0] if rows else None) if key in SINGLE_ROWS else rows
    if user is not None:
        queued = await session.exec(select(Outbox).where(col(Outbox.chat_id) == user.chat_id))
        data["messages_to_you"] = [
            {"kind": r.kind, "status": r.status, "text": r.payload.get("text")}
            for r in queued.all()
        ]
    audit = await session.exec(select(AuditEntry).where(col(AuditEntry.subject_user_id) == user_id))
    # Who on the staff looked is their own data; she sees what was done and when.
    data["access_log"] = [{"action": a.action, "at": _dump(a)["at"]} for a in audit.all()]
    data["mentions"] = {
        f"{column.class_.__tablename__}.{column.key}": len(
            (await session.exec(select(column).where(column == user_id))).all()
        )
        for column, _ in MENTIONS
    }
    return data


async def erase(
    session: AsyncSession, user_id: int, now: datetime, settings: Settings, catalogs: Catalogs
) -> int:
    """Erase a person. Returns how many staff messages about her are queued for removal."""
    user = await session.get(User, user_id)
    profile = await session.get(Profile, user_id)
    await _tell_staff_someone_left(session, user_id, profile, now, settings, catalogs)
    alert_ids = [
        i for i in (await session.exec(select(Alert.id).where(Alert.user_id == user_id))) if i
    ]
    removed = await _remove_copies(session, alert_ids, now, settings, catalogs)
    await session.exec(  # type: ignore[call-overload]
        delete(Outbox).where(col(Outbox.chat_id) == (user.chat_id if user else user_id))
    )
    await _anonymise_audit(session, user_id)
    for column, replacement in MENTIONS:
        await session.exec(  # type: ignore[call-overload]
            update(column.class_).where(column == user_id).values({column.key: replacement})
        )
    for _key, model, column in OWN_ROWS:
        await session.exec(delete(model).where(column == user_id))  # type: ignore[call-overload]
    await session.exec(delete(User).where(col(User.id) == user_id))  # type: ignore[call-overload]
    counter = await session.get(Counter, "profiles_deleted")
    if counter is None:
        counter = Counter(name="profiles_deleted", value=0)
    counter.value += 1
    session.add(counter)
    return removed


async def _tell_staff_someone_left(
    session: AsyncSession,
    user_id: int,
    profile: Profile | None,
    now: datetime,
    settings: Settings,
    catalogs: Catalogs,
) -> None:
    """Her staff learn that their ledger lost someone; the notice names nobody."""
    if profile is None or profile.community_code is None:
        return
    staff_ids = await session.exec(
        select(StaffCommunity.staff_id).where(
            StaffCommunity.community_code == profile.community_code
        )
    )
    counter = await session.get(Counter, "profiles_deleted")
    serial = (counter.value if counter else 0) + 1
    for staff_id in sorted(set(staff_ids.all())):
        staff = await session.get(Staff, staff_id)
        if staff is None or not staff.active or staff_id == user_id:
            continue
        tr = catalogs.get(await recipient_locale(session, staff_id, settings))
        await enqueue(
            session,
            chat_id=staff_id,
            text=tr.gettext(
                "Someone in your community has deleted their data and left your ledger."
            ),
            dedupe_key=f"left:{serial}:{staff_id}:{int(now.timestamp())}",
            kind="notice",
            now=now,
        )


async def _remove_copies(
    session: AsyncSession,
    alert_ids: list[int],
    now: datetime,
    settings: Settings,
    catalogs: Catalogs,
) -> int:
    """Replace every message about her alerts in staff chats; returns the edits queued.

    Delivered messages are edited by their Telegram id. A message a worker is sending
    right now (leased) may reach the chat after this transaction, so its row stays, its
    text replaced, and an edit waits for it (after_id) and edits it once its id is known;
    other rows about her alerts are deleted. The rows that stay lose their alert, so
    they survive the alert's deletion. Without reply_markup Telegram drops the buttons.
    """
    queued = 0
    for row in await store.messages_of_alerts(session, alert_ids):
        tr = catalogs.get(await recipient_locale(session, row.chat_id, settings))
        removed = tr.gettext(REMOVED_TEXT)
        in_flight = store.in_flight(row, now)
        if row.payload.get("method") == "sendMessage" and (
            in_flight or (row.status == store.SENT and row.message_id is not None)
        ):
            payload: dict[str, Any] = {"method": "editMessageText", "text": removed}
            if row.message_id is not None:
                payload["message_id"] = row.message_id
            else:
                payload["edit_of"] = row.id
            session.add(
                Outbox(
                    dedupe_key=f"erase:{row.id}",
                    kind=store.EDIT_KIND,
                    chat_id=row.chat_id,
                    after_id=row.id if in_flight else None,
                    payload=payload,
                    created_at=now,
                    next_attempt_at=now,
                )
            )
            queued += 1
        if in_flight:
            row.payload = {**row.payload, "text": removed}
            row.payload.pop("reply_markup", None)
            row.alert_id = None
            session.add(row)
        else:
            await session.delete(row)
    await session.flush()
    return queued


async def _anonymise_audit(session: AsyncSession, user_id: int) -> None:
    """Entries about her keep their action and time; ids of her leave their details."""
    await session.exec(  # type: ignore[call-overload]
        update(AuditEntry)
        .where(col(AuditEntry.subject_user_id) == user_id)
        .values(subject_user_id=None, detail={"erased_subjects": 1})
    )
    # Views of several people (ledger, export) list ids in detail["subjects"].
    candidates = await session.exec(
        select(AuditEntry).where(cast(AuditEntry.detail, String).like(f"%{user_id}%"))
    )
    for entry in candidates.all():
        detail = dict(entry.detail)
        for key, value in list(detail.items()):
            if isinstance(value, list) and user_id in value:
                detail[key] = [v for v in value if v != user_id]
                detail["erased_subjects"] = int(detail.get("erased_subjects", 0)) + 1
            elif value == user_id:
                detail[key] = ERASED
        entry.detail = detail
        session.add(entry)
