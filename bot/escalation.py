"""Alerts nobody acknowledged in time go to the community's supervisors (else admins).

The delivery worker runs `escalate_due` on every pass; the "Escalate" button
calls `escalate` at once. Claiming an alert for escalation is a conditional
UPDATE on `escalated_at`, and each message's dedupe key is
`esc:<alert id>:<chat id>`, so with several workers an alert still escalates
once and each supervisor hears of it once.
"""

from __future__ import annotations

import html
import logging
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import alert_actions, alerts
from bot.alert_actions import Outcome
from bot.config import Settings
from bot.i18n import Catalogs
from bot.observability import metrics
from bot.outbox import enqueue
from bot.reports import local_day, triage_rules
from bot.runtime import Runtime
from storage.models import Alert

log = logging.getLogger(__name__)

BATCH = 50
BOT_ACTOR = 0  # audit actor for what the bot does on its own


async def due_alert_ids(session: AsyncSession, now: datetime, limit: int = BATCH) -> list[int]:
    rows = await session.exec(
        select(Alert.id)
        .where(
            col(Alert.status) == "open",
            col(Alert.escalated_at).is_(None),
            col(Alert.escalate_at) <= now,
        )
        .order_by(col(Alert.escalate_at))
        .limit(limit)
    )
    return [i for i in rows.all() if i is not None]


async def escalate(
    session: AsyncSession,
    alert_id: int,
    now: datetime,
    settings: Settings,
    catalogs: Catalogs,
    *,
    by: int | None = None,
) -> Outcome:
    """Send the alert to the supervisors once. `by` is who pressed Escalate (None: the
    time ran out, which only counts while the alert is still open)."""
    conditions = [col(Alert.id) == alert_id, col(Alert.escalated_at).is_(None)]
    if by is None:
        conditions.append(col(Alert.status) == "open")
    won = await session.exec(  # type: ignore[call-overload]
        update(Alert).where(*conditions).values(escalated_at=now, escalated_by=by)
    )
    alert = await session.get(Alert, alert_id, populate_existing=True)
    if alert is None:
        return Outcome("missing")
    if won.rowcount != 1:
        return Outcome("already", alert, alert.escalated_by, alert.escalated_at)
    assert alert.id is not None
    rules = triage_rules()
    today = local_day(now, settings)
    reached, recipients = await alerts.escalation_target(session, alert.community_code, settings)
    if not recipients:
        log.warning("alert %s escalated but there is no supervisor or admin to tell", alert.id)
    waited = max(1, int((now - alert.created_at).total_seconds() // 60))
    # Earlier copies (the staff's) learn it was escalated; the new ones say so themselves.
    await alert_actions.refresh_copies(session, alert, "esc", now, settings, catalogs)
    for chat_id in recipients:
        tr = catalogs.get(await alerts.recipient_locale(session, chat_id, settings))
        _ = tr.gettext
        if by is None:
            heading = _(
                "⏰ <b>Escalated to you</b>: nobody has acknowledged this alert for "
                "{minutes} minutes."
            ).format(minutes=waited)
        else:
            name = await alert_actions.display_name(session, by, tr, settings)
            heading = _("⬆️ <b>Escalated to you</b> by {name}.").format(name=html.escape(name))
        body = await alerts.alert_text(
            session, alert, tr, rules=rules, settings=settings, today=today
        )
        done = await alert_actions.status_lines(session, alert, tr, settings, escalation=False)
        text = heading + "\n\n" + body + ("\n\n" + "\n".join(done) if done else "")
        await enqueue(
            session,
            chat_id=chat_id,
            text=text,
            dedupe_key=f"esc:{alert.id}:{chat_id}",
            kind="escalation",
            now=now,
            reply_markup=alert_actions.keyboard(alert, tr),
            alert_id=alert.id,
        )
    metrics.observe_escalation(manual=by is not None)
    session.add(
        alert_actions.audit(
            by if by is not None else BOT_ACTOR,
            "alert_escalated",
            alert.user_id,
            now,
            alert_id=alert.id,
            recipients=recipients,
        )
    )
    return Outcome("done", alert, reached=reached)


async def escalate_due(runtime: Runtime) -> int:
    """Escalate every open alert whose time is up. Returns how many were escalated."""
    now = runtime.clock.now()
    async with runtime.db.session() as session:
        ids = await due_alert_ids(session, now)
    escalated = 0
    for alert_id in ids:
        async with runtime.db.session() as session:
            outcome = await escalate(session, alert_id, now, runtime.settings, runtime.catalogs)
        escalated += outcome.code == "done"
    return escalated
