"""What a report's answer says, shared by the /report dialog and typed danger signs.

One headline per level, the reasons in the rules' own words, and an honest line about who
has been told: never "your health worker knows" when nobody is linked to the community.
"""

from __future__ import annotations

import html

from bot import reports
from bot.context import BotContext
from bot.domain.triage import Level


def reason_lines(context: BotContext, reasons: list[str] | tuple[str, ...]) -> list[str]:
    rules = reports.triage_rules()
    number = context.runtime.settings.emergency_number
    texts = dict.fromkeys(
        rules.reason_text(r, "user", context.tr.locale, emergency_number=number)
        for r in reasons
        if r in {rule.id for rule in rules.rules}
    )
    return [html.escape(t) for t in texts]


def headline(context: BotContext, level: Level) -> str:
    rules = reports.triage_rules()
    number = context.runtime.settings.emergency_number
    text = rules.level_text(level, "user", context.tr.locale, emergency_number=number)
    icon = {Level.EMERGENCY: "🚨 ", Level.SEE_DOCTOR_TODAY: "⚠️ "}.get(level, "")
    return f"{icon}<b>{html.escape(text)}</b>"


def notified_line(context: BotContext, staffed: str) -> str:
    _ = context.tr.gettext
    if staffed == "staff":
        return _("Your report is saved and your community health worker has been notified.")
    if staffed == "service":
        return _("Your report is saved and the health service has been notified.")
    return _(
        "Your report is saved, but no community health worker is linked to your community "
        "in this service yet, so nobody has been notified. Please contact your community health "
        "centre or hospital yourself; in an emergency call {number}."
    ).format(number=context.runtime.settings.emergency_number)
