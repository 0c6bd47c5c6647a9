"""What staff do with an alert: acknowledge, mark contacted, escalate, add a note.

No Telegram types: the handler (bot/handlers/alert_buttons.py) reads the press
and renders the answer. Every change is a conditional UPDATE, so of two
people pressing at once exactly one wins, and the result is shown on every
staff copy of the alert by queueing an edit of each copy in the outbox (in the
same transaction), so the edits are retried like any other message.

Who may act: active staff assigned to the alert's community (supervisors are
staff with that role) and admins. Anyone else changes nothing.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import alerts, looked_after
from bot.access import active_staff, is_admin, staff_communities
from bot.config import Settings
from bot.i18n import Catalogs, Translator
from bot.observability import metrics
from storage import outbox as store
from storage.models import Alert, AuditEntry, Note, Outbox, Profile, Staff

NOTE_MAX = 2000


@dataclass(frozen=True)
class Outcome:
    """`code`: done | already | denied | missing. For "already", who did it and when."""

    code: str
    alert: Alert | None = None
    by: int | None = None
    at: datetime | None = None
    reached: str = ""  # an escalation: "supervisors", "admins" or "nobody"


async def may_act_on(
    session: AsyncSession, user_id: int, community_code: str | None, settings: Settings
) -> bool:
    """Admins, or active staff assigned to the community (its workers and supervisors)."""
    if is_admin(settings, user_id):
        return True
    if community_code is None or await active_staff(session, user_id) is None:
        return False
    return community_code in await staff_communities(session, user_id)


async def check(session: AsyncSession, alert_id: int, user_id: int, settings: Settings) -> Outcome:
    """ "done" with the alert when this user may act on it, else "missing" or "denied"."""
    alert = await session.get(Alert, alert_id, populate_existing=True)
    if alert is None:
        return Outcome("missing")
    if not await may_act_on(session, user_id, alert.community_code, settings):
        return Outcome("denied", alert)
    return Outcome("done", alert)


def audit(
    actor_id: int, action: str, subject_user_id: int | None, now: datetime, **ids: Any
) -> AuditEntry:
    """An audit row: ids only, never names or health details."""
    return AuditEntry(
        actor_id=actor_id, action=action, subject_user_id=subject_user_id, detail=ids, at=now
    )


async def acknowledge(
    session: AsyncSession,
    alert_id: int,
    actor_id: int,
    now: datetime,
    settings: Settings,
    catalogs: Catalogs,
) -> Outcome:
    """The first acknowledgement wins; later ones learn who took it."""
    allowed = await check(session, alert_id, actor_id, settings)
    if allowed.code != "done":
        return allowed
    won = await session.exec(  # type: ignore[call-overload]
        update(Alert)
        .where(col(Alert.id) == alert_id, col(Alert.status) == "open")
        .values(status="acknowledged", acknowledged_by=actor_id, acknowledged_at=now)
    )
    alert = await session.get(Alert, alert_id, populate_existing=True)
    assert alert is not None
    if won.rowcount != 1:
        return Outcome("already", alert, alert.acknowledged_by, alert.acknowledged_at)
    session.add(audit(actor_id, "alert_ack", alert.user_id, now, alert_id=alert_id))
    metrics.observe_first_ack(alert.level, alert.created_at, now)
    await refresh_copies(session, alert, "ack", now, settings, catalogs)
    await looked_after.tell_the_person(
        session, alert, actor_id, "acknowledged", now, settings, catalogs
    )
    return Outcome("done", alert)


async def mark_contacted(
    session: AsyncSession,
    alert_id: int,
    actor_id: int,
    now: datetime,
    settings: Settings,
    catalogs: Catalogs,
) -> Outcome:
    """Contacting the person also takes the alert if nobody had yet."""
    allowed = await check(session, alert_id, actor_id, settings)
    if allowed.code != "done":
        return allowed
    assert allowed.alert is not None
    open_before = allowed.alert.status == "open"
    won = await session.exec(  # type: ignore[call-overload]
        update(Alert)
        .where(col(Alert.id) == alert_id, col(Alert.status).in_(("open", "acknowledged")))
        .values(status="contacted", contacted_by=actor_id, contacted_at=now)
    )
    if won.rowcount == 1:
        # Taken by this press only if still unacknowledged (conditional, like acknowledge).
        await session.exec(  # type: ignore[call-overload]
            update(Alert)
            .where(col(Alert.id) == alert_id, col(Alert.acknowledged_by).is_(None))
            .values(acknowledged_by=actor_id, acknowledged_at=now)
        )
    alert = await session.get(Alert, alert_id, populate_existing=True)
    assert alert is not None
    if won.rowcount != 1:
        return Outcome("already", alert, alert.contacted_by, alert.contacted_at)
    session.add(audit(actor_id, "alert_contacted", alert.user_id, now, alert_id=alert_id))
    if open_before and alert.acknowledged_by == actor_id:
        session.add(audit(actor_id, "alert_ack", alert.user_id, now, alert_id=alert_id))
        metrics.observe_first_ack(alert.level, alert.created_at, now)
    await refresh_copies(session, alert, "contacted", now, settings, catalogs)
    # One notice covers both when the press took an open alert straight to contacted.
    await looked_after.tell_the_person(
        session, alert, actor_id, "contacted", now, settings, catalogs
    )
    return Outcome("done", alert)


async def note_allowed(
    session: AsyncSession,
    staff_id: int,
    subject_user_id: int,
    settings: Settings,
    *,
    alert_id: int | None = None,
) -> bool:
    """Notes on an alert follow the alert's community; other notes the person's own."""
    if alert_id is not None:
        alert = await session.get(Alert, alert_id)
        if alert is None or alert.user_id != subject_user_id:
            return False
        return await may_act_on(session, staff_id, alert.community_code, settings)
    profile = await session.get(Profile, subject_user_id)
    if profile is None or profile.consent != "given":
        return False
    return await may_act_on(session, staff_id, profile.community_code, settings)


async def add_note(
    session: AsyncSession,
    subject_user_id: int,
    staff_id: int,
    text: str,
    now: datetime,
    settings: Settings,
    *,
    alert_id: int | None = None,
) -> Note | None:
    """Store a follow-up note; None if this person is not the author's to note."""
    if not await note_allowed(session, staff_id, subject_user_id, settings, alert_id=alert_id):
        return None
    note = Note(
        subject_user_id=subject_user_id,
        staff_id=staff_id,
        alert_id=alert_id,
        text=text.strip()[:NOTE_MAX],
        created_at=now,
    )
    session.add(note)
    await session.flush()
    session.add(
        audit(staff_id, "note_added", subject_user_id, now, note_id=note.id, alert_id=alert_id)
    )
    return note


# ----- the staff copies ---------------------------------------------------------------------


async def display_name(
    session: AsyncSession, user_id: int | None, tr: Translator, settings: Settings
) -> str:
    """The name staff know a colleague by (from the invite), as plain text."""
    if user_id is None:
        return tr.gettext("the bot")
    staff = await session.get(Staff, user_id)
    if staff is not None and staff.display_name:
        return staff.display_name
    if is_admin(settings, user_id):
        return tr.gettext("an administrator")
    return f"#{user_id}"


def _clock(moment: datetime, settings: Settings) -> str:
    return moment.astimezone(settings.zone).strftime("%H:%M")


async def status_lines(
    session: AsyncSession,
    alert: Alert,
    tr: Translator,
    settings: Settings,
    *,
    escalation: bool = True,
) -> list[str]:
    """Who did what to the alert so far, one line each, in `tr`'s language (HTML-safe)."""
    _ = tr.gettext
    lines = []
    if alert.acknowledged_at is not None:
        lines.append(
            _("✅ Acknowledged by {name} at {time}").format(
                name=html.escape(await display_name(session, alert.acknowledged_by, tr, settings)),
                time=_clock(alert.acknowledged_at, settings),
            )
        )
    if alert.contacted_at is not None:
        lines.append(
            _("📞 Contacted by {name} at {time}").format(
                name=html.escape(await display_name(session, alert.contacted_by, tr, settings)),
                time=_clock(alert.contacted_at, settings),
            )
        )
    if alert.escalated_at is not None and escalation:
        if alert.escalated_by is None:
            reached, _ids = await alerts.escalation_target(session, alert.community_code, settings)
            text = (
                _("⬆️ Escalated to the supervisors at {time} (not acknowledged in time)")
                if reached == "supervisors"
                else _("⬆️ Escalated to the administrators at {time} (not acknowledged in time)")
            )
            lines.append(text.format(time=_clock(alert.escalated_at, settings)))
        else:
            lines.append(
                _("⬆️ Escalated by {name} at {time}").format(
                    name=html.escape(await display_name(session, alert.escalated_by, tr, settings)),
                    time=_clock(alert.escalated_at, settings),
                )
            )
    return lines


def remaining_actions(alert: Alert) -> tuple[str, ...]:
    """The buttons that still make sense: nobody acknowledges twice or escalates twice."""
    if alert.status == "contacted":
        return ("note",)
    actions = ["contacted", "note"]
    if alert.status == "open":
        actions.insert(0, "ack")
        if alert.escalated_at is None:
            actions.append("esc")
    return tuple(actions)


def keyboard(alert: Alert, tr: Translator) -> dict[str, Any]:
    """The alert's own buttons (bot/alerts.py), without the ones already used."""
    assert alert.id is not None
    keep = set(remaining_actions(alert))
    full = alerts.alert_keyboard(alert.id, tr)
    rows = [
        [b for b in row if b["callback_data"].split(":")[1] in keep]
        for row in full["inline_keyboard"]
    ]
    return {"inline_keyboard": [row for row in rows if row]}


async def refresh_copies(
    session: AsyncSession,
    alert: Alert,
    event: str,
    now: datetime,
    settings: Settings,
    catalogs: Catalogs,
) -> int:
    """Queue an edit of every staff copy of the alert to show its current state.

    Each edit waits (after_id) for the copy itself and for the copy's previous
    edit, so whatever order workers get to them, the last state shown is the
    newest. A copy not yet sent is edited as soon as it is.
    """
    assert alert.id is not None
    queued = 0
    for copy in await store.alert_copies(session, alert.id):
        if copy.status not in (store.PENDING, store.SENT):
            continue
        tr = catalogs.get(await alerts.recipient_locale(session, copy.chat_id, settings))
        lines = await status_lines(session, alert, tr, settings)
        text = str(copy.payload.get("text", "")) + "\n\n" + "\n".join(lines)
        key = f"edit:{copy.id}:{event}"
        exists = await session.exec(select(Outbox.id).where(Outbox.dedupe_key == key))
        if exists.first() is not None:
            continue
        previous = await store.last_edit_of(session, copy)
        payload: dict[str, Any] = {
            "method": "editMessageText",
            "text": text,
            "reply_markup": keyboard(alert, tr),
            "edit_of": copy.id,
        }
        if copy.message_id is not None:
            payload["message_id"] = copy.message_id
        session.add(
            Outbox(
                dedupe_key=key,
                kind=store.EDIT_KIND,
                chat_id=copy.chat_id,
                alert_id=alert.id,
                after_id=previous.id if previous is not None else copy.id,
                payload=payload,
                created_at=now,
                next_attempt_at=now,
            )
        )
        queued += 1
    return queued
