"""The buttons on a staff alert: `al:<action>:<alert id>` (see bot/alerts.py).

Acknowledge, Contacted, Add note, Escalate. The press is answered with a short
notice; what changed reaches every staff copy through outbox edits (queued by
the service in the same transaction), not by editing this one message here.
A press by anyone not entitled to act (a forged callback) changes nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import Update

from bot import alert_presses
from bot.alert_actions import Outcome
from bot.alerts import AlertButton
from bot.context import BotContext
from bot.features import Feature
from bot.handlers import staff_notes

log = logging.getLogger(__name__)

ACTIONS = ("ack", "contacted", "note", "esc")


def _parse(data: object) -> tuple[str, int] | None:
    pressed = AlertButton.unpack(data)
    if pressed is None or pressed.action not in ACTIONS or pressed.alert_id < 0:
        return None
    return pressed.action, pressed.alert_id


async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    _ = context.tr.gettext
    parsed = _parse(query.data)
    if parsed is None:
        await query.answer(_("This button is no longer valid."))
        return
    action, alert_id = parsed
    pressed = await alert_presses.press(
        context.runtime, action, alert_id, context.account.id, context.tr
    )
    outcome, who = pressed.outcome, pressed.who
    if outcome.code == "denied":
        # Ids of people stay out of the logs; the refusal itself is worth seeing.
        log.warning("alert button %s refused for alert %s", action, alert_id)
    if action == "note" and outcome.code == "done":
        await query.answer()
        assert outcome.alert is not None
        await staff_notes.start_note(update, context, outcome.alert.user_id, alert_id)
        return
    answer = _answer(context, action, outcome, who)
    if action in ("ack", "contacted") and outcome.code == "done" and pressed.unintroduced:
        answer += " " + _("They were told your role, not your name: /introduce to change that.")
    await query.answer(answer, show_alert=outcome.code == "denied")


def _answer(context: BotContext, action: str, outcome: Outcome, who: str) -> str:
    _ = context.tr.gettext
    if outcome.code == "missing":
        return _("This alert no longer exists.")
    if outcome.code == "denied":
        return _("Only the staff assigned to this person's community can act on this alert.")
    when = _time(outcome.at, context)
    if action == "ack":
        if outcome.code == "done":
            return _("You took this alert. Every staff copy now shows it.")
        return _("Already acknowledged by {name} at {time}.").format(name=who, time=when)
    if action == "contacted":
        if outcome.code == "done":
            return _("Marked as contacted. Add a note about how she or the child is.")
        return _("Already marked as contacted by {name} at {time}.").format(name=who, time=when)
    if outcome.code == "done":
        if outcome.reached == "supervisors":
            return _("Escalated to the supervisors.")
        if outcome.reached == "admins":
            return _("This community has no supervisor yet: escalated to the administrators.")
        return _(
            "Nobody to escalate to: this community has no supervisor and the service has no "
            "administrator. Please call your county MCH institution."
        )
    return _("Already escalated at {time}.").format(time=when)


def _time(moment: datetime | None, context: BotContext) -> str:
    if moment is None:
        return ""
    return moment.astimezone(context.runtime.settings.zone).strftime("%H:%M")


FEATURE = Feature("alert_buttons", callbacks=((AlertButton.pattern(), on_callback),))
