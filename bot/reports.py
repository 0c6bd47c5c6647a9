"""Self-reports: store, assess and alert, all in the caller's one transaction.

The order matters for safety. The report row is written first, so nothing a
mother told us can be lost even if answering her fails; the alert and one
outbox row per staff member are written in the same transaction, so an alert
exists exactly when its report does, and the delivery worker (not this
module) sends it later, retrying until Telegram accepts it. The outbox dedupe
key `alert:<alert id>:<chat id>` makes a retried transaction unable to queue
a second copy.

A report may be stored early and completed later: when the checklist alone
already shows an emergency, the dialog stores what is known and alerts at
once, then updates the same row (never a second report) when she finishes.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import alerts
from bot.config import Settings
from bot.domain import triage
from bot.domain.triage import Assessment, Level, Rules, assess, load_rules
from bot.i18n import Catalogs
from bot.outbox import enqueue
from storage.models import Alert, Child, Outbox, Profile, Report

# "postpartum": the mother herself after birth (her postpartum checks), triaged by the
# rules for the 42 days after birth, never as a pregnancy past its due date.
SUBJECTS = ("pregnancy", "postpartum", "child")
# What a recent report contributes to "how many days has this lasted": two weeks
# covers every lasting rule (the longest counts days over 3) with room to spare.
HISTORY_DAYS = 14
DATA_KEYS = frozenset(
    {
        "symptoms",
        "temperature_c",
        "spo2",
        "breathing_rate",
        "fever_days",
        "symptom_days",
        "test_result",
        "test_kind",
        "isolation",
        "phq2",
        "hours_since_urine",
        "complete",
        "source",  # "text" when typed as free text rather than answered in /report
        "typed",  # the message itself, for staff to read
    }
)


# Reasons that, alone, do not make a check-in answer an alert (see `submit`).
CHECKIN_SILENT_REASONS = frozenset({"priority.notable_report"})


class ReportError(ValueError):
    """A report that cannot be stored: unknown subject, or a child not hers."""


@functools.cache
def triage_rules() -> Rules:
    return load_rules()


@functools.cache
def _catalogs(default_locale: str) -> Catalogs:
    return Catalogs(default_locale)


def local_day(moment: datetime, settings: Settings) -> date:
    return moment.astimezone(settings.zone).date()


def to_triage_report(data: Mapping[str, Any], reported_on: date) -> triage.Report:
    """The stored JSON as the triage domain's Report."""
    phq2 = data.get("phq2")
    return triage.Report(
        reported_on=reported_on,
        symptoms=frozenset(data.get("symptoms") or ()),
        temperature_c=data.get("temperature_c"),
        spo2=data.get("spo2"),
        breathing_rate=data.get("breathing_rate"),
        fever_days=data.get("fever_days"),
        symptom_days=dict(data.get("symptom_days") or {}),
        test_result=data.get("test_result"),
        isolation=data.get("isolation"),
        phq2=(int(phq2[0]), int(phq2[1])) if phq2 is not None else None,
        hours_since_urine=data.get("hours_since_urine"),
    )


async def _subject(
    session: AsyncSession, user_id: int, subject: str, child_id: int | None
) -> tuple[Profile | None, triage.Subject]:
    if subject not in SUBJECTS:
        raise ReportError(f"subject must be one of {SUBJECTS}")
    profile = await session.get(Profile, user_id)
    if subject == "child":
        child = await session.get(Child, child_id) if child_id is not None else None
        if child is None or child.user_id != user_id:
            raise ReportError("a child report needs one of the reporter's own children")
        return profile, triage.Subject("child", birth_date=child.birth_date)
    if subject == "postpartum":
        born = await session.exec(
            select(Child.birth_date).where(Child.user_id == user_id).order_by(
                col(Child.birth_date).desc()
            )
        )
        return profile, triage.Subject("postpartum", birth_date=born.first())
    colours = frozenset({profile.risk_colour}) if profile and profile.risk_colour else frozenset()
    due = profile.due_date if profile else None
    return profile, triage.Subject("pregnancy", due_date=due, risk_colours=colours)


async def recent_reports(
    session: AsyncSession,
    user_id: int,
    subject: str,
    child_id: int | None,
    now: datetime,
    settings: Settings,
    *,
    exclude_id: int | None = None,
) -> list[triage.Report]:
    """That person's (or that child's) reports of the last HISTORY_DAYS, for lasting rules."""
    query = select(Report).where(
        Report.user_id == user_id,
        Report.subject == subject,
        col(Report.created_at) >= now - timedelta(days=HISTORY_DAYS),
        col(Report.created_at) <= now,
    )
    query = query.where(
        Report.child_id == child_id if child_id is not None else col(Report.child_id).is_(None)
    )
    if exclude_id is not None:
        query = query.where(Report.id != exclude_id)
    rows = await session.exec(query.order_by(col(Report.created_at).desc()))
    return [to_triage_report(r.data, local_day(r.created_at, settings)) for r in rows.all()]


async def assess_draft(
    session: AsyncSession,
    user_id: int,
    subject: str,
    data: Mapping[str, Any],
    now: datetime,
    settings: Settings,
    *,
    child_id: int | None = None,
    exclude_id: int | None = None,
    rules: Rules | None = None,
) -> Assessment:
    """Assess answers so far without storing them (is it already an emergency?)."""
    _profile, assessment = await _assess(
        session, user_id, subject, data, now, settings, child_id, exclude_id, rules
    )
    return assessment


async def _assess(
    session: AsyncSession,
    user_id: int,
    subject: str,
    data: Mapping[str, Any],
    now: datetime,
    settings: Settings,
    child_id: int | None,
    exclude_id: int | None,
    rules: Rules | None,
) -> tuple[Profile | None, Assessment]:
    """Triage with that person's (or child's) recent reports as the history."""
    profile, who = await _subject(session, user_id, subject, child_id)
    past = await recent_reports(
        session, user_id, subject, child_id, now, settings, exclude_id=exclude_id
    )
    today = local_day(now, settings)
    return profile, assess(who, to_triage_report(data, today), past, rules or triage_rules(), today)


async def submit(
    session: AsyncSession,
    user_id: int,
    subject: str,
    data: Mapping[str, Any],
    now: datetime,
    settings: Settings,
    *,
    child_id: int | None = None,
    report_id: int | None = None,
    catalogs: Catalogs | None = None,
    rules: Rules | None = None,
    checkin: bool = False,
) -> tuple[Report, Assessment, Alert | None]:
    """Store (or complete, with `report_id`) a report, assess it, and queue its alert.

    Returns the report, its assessment and its alert (None when staff need not act).
    Everything happens in `session`'s transaction; the caller commits, then answers.
    With `checkin` (a one-tap answer to a scheduled check-in), a report whose only
    reason is that she is in the priority group raises no alert: the daily check-in
    is itself the active follow-up, and an alert a day per mother would bury staff;
    any other reason (a sign, a positive test) alerts as always.
    """
    rules = rules or triage_rules()
    catalogs = catalogs or _catalogs(settings.default_locale)
    profile, assessment = await _assess(
        session, user_id, subject, data, now, settings, child_id, report_id, rules
    )
    stored = {k: v for k, v in data.items() if k in DATA_KEYS}
    stored |= {"priority_group": assessment.priority_group, "rules_version": rules.version}

    alert: Alert | None = None
    previous: Report | None = None
    if report_id is not None:
        previous = await session.get(Report, report_id)
        if previous is None or previous.user_id != user_id or previous.subject != subject:
            raise ReportError("only the reporter's own report can be completed")
    if previous is None:
        report = Report(
            user_id=user_id,
            subject=subject,
            child_id=child_id if subject == "child" else None,
            data=stored,
            level=assessment.level.code,
            reasons=list(assessment.reasons),
            created_at=now,
        )
        session.add(report)
        await session.flush()
    else:
        report = previous
        changed = report.data != stored
        report.data, report.level = stored, assessment.level.code
        report.reasons = list(assessment.reasons)
        session.add(report)
        found = await session.exec(select(Alert).where(Alert.report_id == report.id))
        alert = found.first()
        if alert is not None and changed:
            await _update_alert(session, alert, assessment, now, settings, catalogs, rules)

    routine_checkin = checkin and set(assessment.reasons) <= CHECKIN_SILENT_REASONS
    if alert is None and assessment.alert_staff and not routine_checkin:
        community = profile.community_code if profile else None
        alert = await _raise_alert(
            session, report, community, assessment, now, settings, catalogs, rules
        )
    return report, assessment, alert


def _escalate_at(level: Level, now: datetime, settings: Settings) -> datetime:
    minutes = (
        settings.escalate_emergency_minutes
        if level == Level.EMERGENCY
        else settings.escalate_priority_minutes
    )
    return now + timedelta(minutes=minutes)


async def _raise_alert(
    session: AsyncSession,
    report: Report,
    community_code: str | None,
    assessment: Assessment,
    now: datetime,
    settings: Settings,
    catalogs: Catalogs,
    rules: Rules,
) -> Alert:
    assert report.id is not None
    alert = Alert(
        report_id=report.id,
        user_id=report.user_id,
        community_code=community_code,
        level=assessment.level.code,
        status="open",
        escalate_at=_escalate_at(assessment.level, now, settings),
        created_at=now,
    )
    session.add(alert)
    await session.flush()
    recipients = await alerts.alert_recipients(session, community_code, settings)
    await _queue_copies(session, alert, recipients, now, settings, catalogs, rules, update=False)
    return alert


async def _update_alert(
    session: AsyncSession,
    alert: Alert,
    assessment: Assessment,
    now: datetime,
    settings: Settings,
    catalogs: Catalogs,
    rules: Rules,
) -> None:
    """She finished a report that had already alerted: tell the same people the rest."""
    if Level[alert.level.upper()] < assessment.level:
        alert.level = assessment.level.code
        sooner = _escalate_at(assessment.level, now, settings)
        if alert.escalate_at is None or sooner < alert.escalate_at:
            alert.escalate_at = sooner
        session.add(alert)
    rows = await session.exec(
        select(Outbox.chat_id).where(Outbox.alert_id == alert.id, Outbox.kind == "alert")
    )
    recipients = sorted(set(rows.all()))
    await _queue_copies(session, alert, recipients, now, settings, catalogs, rules, update=True)


async def _queue_copies(
    session: AsyncSession,
    alert: Alert,
    recipients: list[int],
    now: datetime,
    settings: Settings,
    catalogs: Catalogs,
    rules: Rules,
    *,
    update: bool,
) -> None:
    """One outbox row per recipient, each in that staff member's language.

    An update (the rest of a report that alerted early) goes without buttons, as kind
    "alert_update", so the first message stays the one staff act on; a report is
    completed once, hence one fixed dedupe key per recipient for each kind.
    """
    assert alert.id is not None
    facts = await alerts.load_alert_facts(session, alert)
    today = local_day(now, settings)
    for chat_id in recipients:
        tr = catalogs.get(await alerts.recipient_locale(session, chat_id, settings))
        text = alerts.render_alert(facts, tr, rules=rules, settings=settings, today=today)
        if update:
            heading = tr.gettext("ℹ️ Update to alert #{id}: the full report.")
            text = heading.format(id=alert.id) + "\n\n" + text
        await enqueue(
            session,
            chat_id=chat_id,
            text=text,
            dedupe_key=f"alert:{alert.id}:{chat_id}" + (":update" if update else ""),
            kind="alert_update" if update else "alert",
            now=now,
            reply_markup=None if update else alerts.alert_keyboard(alert.id, tr),
            alert_id=alert.id,
        )
