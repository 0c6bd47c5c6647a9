"""Who hears about a report that needs staff, and what the staff message says.

No Telegram types: the message is HTML text plus a reply_markup dict, written to
the outbox by `bot.reports.submit` and sent by the delivery worker. The delivery
side also imports `alert_keyboard`, `escalation_recipients` and `alert_text`
(to redraw every staff copy when someone acknowledges).

Recipients follow the ledger: the active community staff assigned to the person's
community; with none, that community's supervisors; with none, the admins. An
alert must always reach somebody (BRIEF section 7: alerts go to the assigned
worker, escalate to a supervisor), so the admins are the last resort, never nobody.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.communities import community_name
from bot.config import Settings
from bot.conversation.callback_data import CallbackData
from bot.domain.children import child_age
from bot.domain.gestation import gestational_age
from bot.domain.triage import Level, Rules
from bot.i18n import Translator, negotiate_locale
from storage.models import Alert, Child, Community, Profile, Report, Staff, StaffCommunity, User

ALERT_PREFIX = "al"


@dataclass(frozen=True)
class AlertButton(CallbackData, prefix=ALERT_PREFIX):
    """A staff button under an alert: "al:<action>:<alert id>" (as before the codec)."""

    action: str
    alert_id: int
ACTIONS = ("ack", "contacted", "note", "esc")
LATEST_REPORTS = 3


# ----- recipients ---------------------------------------------------------------------------


async def _community_staff(
    session: AsyncSession, community_code: str | None, role: str
) -> list[int]:
    if community_code is None:
        return []
    rows = await session.exec(
        select(Staff.user_id)
        .join(StaffCommunity, col(StaffCommunity.staff_id) == col(Staff.user_id))
        .where(
            StaffCommunity.community_code == community_code,
            Staff.role == role,
            col(Staff.active).is_(True),
        )
    )
    return sorted(set(rows.all()))


async def alert_recipients(
    session: AsyncSession, community_code: str | None, settings: Settings
) -> list[int]:
    """Chat ids for a new alert: community staff, else its supervisors, else the admins."""
    for role in ("staff", "supervisor"):
        found = await _community_staff(session, community_code, role)
        if found:
            return found
    return sorted(settings.admin_ids)


async def escalation_target(
    session: AsyncSession, community_code: str | None, settings: Settings
) -> tuple[str, list[int]]:
    """Who an escalation reaches: ("supervisors" | "admins" | "nobody", their chat ids),
    so that nobody is told "escalated to the supervisors" when there are none."""
    found = await _community_staff(session, community_code, "supervisor")
    if found:
        return "supervisors", found
    admins = sorted(settings.admin_ids)
    return ("admins", admins) if admins else ("nobody", [])


async def escalation_recipients(
    session: AsyncSession, community_code: str | None, settings: Settings
) -> list[int]:
    """Chat ids for an alert nobody acknowledged: the community's supervisors, else admins."""
    return (await escalation_target(session, community_code, settings))[1]


async def community_has_staff(session: AsyncSession, community_code: str | None) -> bool:
    """Whether the person's own community workers (not a fallback) hear of her alerts."""
    return bool(await _community_staff(session, community_code, "staff"))


async def recipient_locale(session: AsyncSession, user_id: int, settings: Settings) -> str:
    """The staff member's own language: the message is for them, not for the reporter."""
    user = await session.get(User, user_id)
    if user is None:
        return settings.default_locale
    return negotiate_locale(user.locale, user.language_code, settings.default_locale)


# ----- what the message shows ---------------------------------------------------------------


@dataclass(frozen=True)
class ReportBrief:
    """One report in a line: enough for staff to see the trend at a glance."""

    at: datetime
    level: str
    symptoms: tuple[str, ...]
    temperature_c: float | None
    spo2: float | None
    breathing_rate: int | None
    test_result: str | None
    isolation: str | None


@dataclass(frozen=True)
class AlertFacts:
    """Everything the staff message needs, read once from the database."""

    alert_id: int
    level: str
    reasons: tuple[str, ...]
    user_id: int
    name: str
    phone: str | None
    community: Community | None
    subject: str  # "pregnancy" | "postpartum" | "child"
    due_date: date | None
    risk_colour: str | None
    priority_group: bool
    child_name: str | None
    child_birth: date | None
    latest: tuple[ReportBrief, ...]  # newest first
    typed: str | None = None  # the message, when the danger sign was typed as free text


def brief(report: Report) -> ReportBrief:
    data: dict[str, Any] = report.data or {}
    return ReportBrief(
        at=report.created_at,
        level=report.level,
        symptoms=tuple(data.get("symptoms") or ()),
        temperature_c=data.get("temperature_c"),
        spo2=data.get("spo2"),
        breathing_rate=data.get("breathing_rate"),
        test_result=data.get("test_result"),
        isolation=data.get("isolation"),
    )


async def load_alert_facts(session: AsyncSession, alert: Alert) -> AlertFacts:
    report = await session.get(Report, alert.report_id)
    assert report is not None, "an alert always has its report (same transaction, cascade)"
    profile = await session.get(Profile, alert.user_id)
    child = await session.get(Child, report.child_id) if report.child_id else None
    community = await session.get(Community, alert.community_code) if alert.community_code else None
    query = select(Report).where(Report.user_id == alert.user_id, Report.subject == report.subject)
    if report.child_id is not None:
        query = query.where(Report.child_id == report.child_id)
    rows = await session.exec(
        query.order_by(col(Report.created_at).desc(), col(Report.id).desc()).limit(LATEST_REPORTS)
    )
    return AlertFacts(
        alert_id=alert.id or 0,
        level=alert.level,
        reasons=tuple(report.reasons or ()),
        user_id=alert.user_id,
        name=(profile.display_name if profile else None) or str(alert.user_id),
        phone=profile.phone if profile else None,
        community=community,
        subject=report.subject,
        due_date=profile.due_date if profile else None,
        risk_colour=profile.risk_colour if profile else None,
        priority_group=bool((report.data or {}).get("priority_group")),
        child_name=child.nickname if child else None,
        child_birth=child.birth_date if child else None,
        latest=tuple(brief(r) for r in rows.all()),
        typed=(report.data or {}).get("typed"),
    )


def _level_label(rules: Rules, code: str, locale: str, emergency_number: str) -> str:
    try:
        level = Level[code.upper()]
    except KeyError:
        return code
    return rules.level_text(level, "staff", locale, emergency_number=emergency_number)


def _reason(rules: Rules, rule_id: str, locale: str, emergency_number: str) -> str:
    try:
        return rules.reason_text(rule_id, "staff", locale, emergency_number=emergency_number)
    except KeyError:  # a reason stored under an older rules version
        return rule_id


def _symptom_label(rules: Rules, code: str, locale: str) -> str:
    symptom = rules.symptoms.get(code)
    return symptom.label.get(locale) if symptom else code


_LEVEL_ICONS = {"emergency": "🚨", "see_doctor_today": "⚠️", "priority_follow_up": "🔔"}


def report_line(item: ReportBrief, tr: Translator, rules: Rules, settings: Settings) -> str:
    """'11-30 10:00 · Emergency · 38.5 °C · Vaginal bleeding' in the staff member's words."""
    _ = tr.gettext
    locale = tr.locale
    parts = [
        item.at.astimezone(settings.zone).strftime("%m-%d %H:%M"),
        _level_label(rules, item.level, locale, settings.emergency_number),
    ]
    if item.temperature_c is not None:
        parts.append(f"{item.temperature_c:.1f} °C")
    if item.spo2 is not None:
        parts.append(_("SpO2 {value:g}%").format(value=item.spo2))
    if item.breathing_rate is not None:
        parts.append(_("{value} breaths/min").format(value=item.breathing_rate))
    if item.symptoms:
        parts.append(", ".join(_symptom_label(rules, s, locale) for s in item.symptoms))
    if item.test_result == "positive":
        parts.append(_("test positive"))
    if item.isolation not in (None, "", "none"):
        parts.append(_("isolating"))
    return html.escape(" · ".join(parts))


def _who_line(facts: AlertFacts, tr: Translator, rules: Rules, today: date) -> str:
    _ = tr.gettext
    locale = tr.locale
    if facts.subject == "child":
        name = html.escape(facts.child_name or _("child"))
        if facts.child_birth is None:
            return _("👶 Child: {name}").format(name=name)
        months = child_age(facts.child_birth, today).months
        age = _("1 month old") if months == 1 else _("{n} months old").format(n=months)
        return _("👶 Child: {name}, {age} (born {birth})").format(
            name=name, age=age, birth=facts.child_birth.isoformat()
        )
    if facts.subject == "postpartum":
        return _("🤱 Mother after the birth (postpartum check)")
    parts = []
    if facts.due_date is not None:
        age = gestational_age(facts.due_date, today)
        parts.append(
            _("🤰 Pregnant {weeks}+{days} weeks, due {due}").format(
                weeks=age.weeks, days=age.days, due=facts.due_date.isoformat()
            )
        )
    else:
        parts.append(_("🤰 Pregnant (due date unknown)"))
    colour = rules.colours.get(facts.risk_colour or "")
    parts.append(
        _("risk colour: {colour}").format(
            colour=html.escape(colour.name.get(locale)) if colour else _("not given")
        )
    )
    line = " · ".join(parts)
    if facts.priority_group:
        line += " · " + _("priority group")
    return line


def render_alert(
    facts: AlertFacts, tr: Translator, *, rules: Rules, settings: Settings, today: date
) -> str:
    """The staff message, in the language of `tr` (the staff member's), as Telegram HTML."""
    _ = tr.gettext
    locale = tr.locale
    icon = _LEVEL_ICONS.get(facts.level, "🔔")
    level = html.escape(_level_label(rules, facts.level, locale, settings.emergency_number))
    link = f'<a href="tg://user?id={int(facts.user_id)}">{html.escape(facts.name)}</a>'
    lines = [f"{icon} <b>{level}</b> · " + _("alert #{id}").format(id=facts.alert_id)]
    person = link
    if facts.community is not None:
        person += " · " + html.escape(community_name(facts.community, locale))
    lines.append(person)
    lines.append(_who_line(facts, tr, rules, today))
    if facts.phone:
        lines.append(_("📱 Phone: {phone}").format(phone=html.escape(facts.phone)))
    lines.append("")
    lines.append(_("<b>Why</b>"))
    reasons = dict.fromkeys(
        _reason(rules, r, locale, settings.emergency_number) for r in facts.reasons
    )
    lines += [f"• {html.escape(text)}" for text in reasons]
    if facts.typed:
        lines.append(_("💬 In their own words: “{text}”").format(text=html.escape(facts.typed)))
    if facts.latest:
        lines.append("")
        lines.append(_("<b>Latest reports</b>"))
        lines += [f"• {report_line(item, tr, rules, settings)}" for item in facts.latest]
    lines.append("")
    lines.append(_("Tap the name to open a chat with them."))
    return "\n".join(lines)


async def alert_text(
    session: AsyncSession,
    alert: Alert,
    tr: Translator,
    *,
    rules: Rules,
    settings: Settings,
    today: date,
) -> str:
    """Load and render in one call (for redrawing a staff copy later)."""
    return render_alert(
        await load_alert_facts(session, alert), tr, rules=rules, settings=settings, today=today
    )


def alert_keyboard(alert_id: int, tr: Translator) -> dict[str, Any]:
    """The staff buttons as a Bot API reply_markup dict (the outbox stores JSON)."""
    _ = tr.gettext

    def button(label: str, action: str) -> dict[str, str]:
        return {"text": label, "callback_data": AlertButton(action, alert_id).pack()}

    return {
        "inline_keyboard": [
            [button(_("✅ Acknowledge"), "ack"), button(_("📞 Contacted"), "contacted")],
            [button(_("📝 Add note"), "note"), button(_("⬆️ Escalate"), "esc")],
        ]
    }
