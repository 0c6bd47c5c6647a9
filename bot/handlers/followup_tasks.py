"""/due's pages and closing a staff follow-up task from them (buttons `ft:`).

`ft:p:<n>` turns to page n of /due (bot/followup/due_view.py cuts it in the database);
`ft:c:<task id>` offers the outcomes; `ft:o:<task id>:<outcome>` closes the task
(reached, not_reached, referred) if it is open and in the staff member's
communities. It then leaves /due; the audit log keeps who closed it and how.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import ledger, ledger_views
from bot.context import BotContext
from bot.conversation.callback_data import CallbackData
from bot.conversation.chat import send_to_chat as send
from bot.domain.triage import Level
from bot.features import Feature, prefix_pattern
from bot.followup.due_view import DuePage
from bot.followup.tasks import OUTCOME_LABELS, OUTCOMES, REASON_LABELS, FollowupTask
from bot.i18n import Translator
from bot.ledger import Scope
from bot.reports import triage_rules

PREFIX = "ft"


@dataclass(frozen=True)
class TaskButton(CallbackData, prefix=PREFIX):
    """A /due button: turn to page `number` ("p"), offer the outcomes of task `number`
    ("c"), or close it with `outcome` ("o"). Parsed by the one codec, so a forged or
    garbled press (e.g. a '²' for a digit) is answered and changes nothing."""

    action: str
    number: int
    outcome: str | None = None


def close_button(task_id: int, tr: Translator) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        tr.gettext("Close task #{id}").format(id=task_id),
        callback_data=TaskButton("c", task_id).pack(),
    )


def outcome_keyboard(task_id: int, tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    tr.gettext(OUTCOME_LABELS[o]), callback_data=TaskButton("o", task_id, o).pack()
                )
            ]
            for o in OUTCOMES
        ]
    )


def _when(moment: datetime, context: BotContext) -> str:
    return moment.astimezone(context.runtime.settings.zone).strftime("%m-%d %H:%M")


def _who(name: str | None, user_id: int) -> str:
    return html.escape(name or f"#{user_id}")


def task_lines(
    tasks: list[FollowupTask],
    names: dict[int, str | None],
    now: datetime,
    context: BotContext,
    total: int | None = None,
) -> list[str]:
    """/due's follow-up tasks, most urgent then oldest first, each with its age and reason."""
    _ = context.tr.gettext
    lines = [_("Follow-up tasks: {n}").format(n=len(tasks) if total is None else total)]
    for task in tasks:
        hours = max(0, int((now - task.created_at).total_seconds() // 3600))
        urgency = _("⭐ priority") if task.urgency == "priority" else _("routine")
        reason = _(REASON_LABELS.get(task.reason, REASON_LABELS["no_answer"]))
        lines.append(
            "• "
            + _("#{id} · {urgency} · {name} (ID {user}) · {reason} · open {hours} h").format(
                id=task.id,
                urgency=urgency,
                name=_who(names.get(task.user_id), task.user_id),
                user=task.user_id,
                reason=reason,
                hours=hours,
            )
        )
    return lines


def _level(code: str, tr: Translator, number: str) -> str:
    try:
        level = Level[code.upper()]
    except KeyError:
        return code
    return triage_rules().level_text(level, "staff", tr.locale, emergency_number=number)


def render_due(
    page: DuePage, now: datetime, context: BotContext
) -> tuple[str, InlineKeyboardMarkup]:
    """The text and buttons of one /due page: at most PAGE_SIZE rows per section."""
    _ = context.tr.gettext
    lines = [
        _("<b>Due for follow-up</b>")
        + " · "
        + _("page {page}/{pages}").format(page=page.number, pages=page.pages),
        "",
    ]
    if page.staff:
        lines.append(_("Open follow-up tasks per community health worker (overdue: open > 24 h):"))
        for load in page.staff:
            lines.append(
                "• "
                + _("{name} (ID {id}): {open} open, {overdue} overdue").format(
                    name=_who(load.name, load.staff_id),
                    id=load.staff_id,
                    open=load.open,
                    overdue=load.overdue,
                )
            )
        lines.append("")
    if page.tasks_total:
        lines += [*task_lines(page.tasks, page.names, now, context, page.tasks_total), ""]
    lines.append(
        _("Priority group with no report or note for {days} days: {n}").format(
            days=ledger.FOLLOW_UP_DAYS, n=page.overdue_total
        )
    )
    for e in page.overdue:
        last = max((m for m in (e.last_report_at, e.last_note_at) if m is not None), default=None)
        lines.append(
            "• "
            + _("{name} (ID {id}) · last contact: {when}").format(
                name=_who(e.name, e.user_id),
                id=e.user_id,
                when=_when(last, context) if last else _("never"),
            )
        )
    lines += ["", _("Open alerts (not acknowledged): {n}").format(n=page.alerts_total)]
    number = context.runtime.settings.emergency_number
    for alert in page.alerts:
        line = _("#{id} · {level} · {name} (ID {user}) · since {when}").format(
            id=alert.id,
            level=html.escape(_level(alert.level, context.tr, number)),
            name=_who(page.names.get(alert.user_id), alert.user_id),
            user=alert.user_id,
            when=_when(alert.created_at, context),
        )
        if alert.escalated_at is not None:
            line += " · " + _("escalated")
        lines.append("• " + line)
    rows = [[close_button(t.id, context.tr)] for t in page.tasks if t.id is not None]
    nav = []
    if page.number > 1:
        nav.append(InlineKeyboardButton("◀", callback_data=TaskButton("p", page.number - 1).pack()))
    if page.number < page.pages:
        nav.append(InlineKeyboardButton("▶", callback_data=TaskButton("p", page.number + 1).pack()))
    if nav:
        rows.append(nav)
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def due_message(
    context: BotContext, scope: Scope, number: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Page `number` of /due for `scope`, its view written to the audit log (ids only)."""
    runtime = context.runtime
    now = runtime.clock.now()
    page = await ledger_views.due_page(runtime, scope, number, now)
    if page.empty and not page.staff:
        return context.tr.gettext("Nobody is overdue and no alert is waiting. 👍"), None
    return render_due(page, now, context)


async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    _ = context.tr.gettext
    pressed = TaskButton.unpack(query.data)
    runtime = context.runtime
    scope = await ledger_views.scope_of(runtime, context.account.id)
    valid = pressed is not None and (
        pressed.action in ("c", "p") or (pressed.action == "o" and pressed.outcome in OUTCOMES)
    )
    if scope is None or pressed is None or not valid:
        await query.answer(_("This button is no longer valid."))
        return
    action, task_id, outcome = pressed.action, pressed.number, pressed.outcome or ""
    if action == "p":
        text, markup = await due_message(context, scope, task_id)
        await query.answer()
        await query.edit_message_text(text, reply_markup=markup)
        return
    if action == "c":
        await query.answer()
        await query.edit_message_reply_markup(outcome_keyboard(task_id, context.tr))
        return
    closed = await ledger_views.close_task(runtime, scope, task_id, outcome, context.account.id)
    if closed is None:
        await query.answer(_("This task is already closed or is not yours."), show_alert=True)
        return
    await query.answer(_("Task closed."))
    await query.edit_message_reply_markup(None)
    await send(
        update,
        context,
        _("Task #{id} closed: {outcome}. It has left /due.").format(
            id=closed.id, outcome=_(OUTCOME_LABELS[outcome])
        ),
    )


FEATURE = Feature("followup_tasks", callbacks=((prefix_pattern(PREFIX), on_callback),))
