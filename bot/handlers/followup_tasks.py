"""Closing a staff follow-up task from /due (buttons `ft:`).

`ft:c:<task id>` offers the outcomes; `ft:o:<task id>:<outcome>` closes the task
(reached, not_reached, referred) if it is open and in the staff member's
communities. It then leaves /due; the audit log keeps who closed it and how.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import ledger
from bot.context import BotContext
from bot.conversation.chat import send_to_chat as send
from bot.features import Feature, prefix_pattern
from bot.followup.tasks import OUTCOME_LABELS, OUTCOMES, close_task
from bot.i18n import Translator

if TYPE_CHECKING:  # types only: handlers do not use storage
    from storage.models import FollowupTask

PREFIX = "ft"


def close_button(task_id: int, tr: Translator) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        tr.gettext("Close task #{id}").format(id=task_id), callback_data=f"{PREFIX}:c:{task_id}"
    )


def outcome_keyboard(task_id: int, tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    tr.gettext(OUTCOME_LABELS[o]), callback_data=f"{PREFIX}:o:{task_id}:{o}"
                )
            ]
            for o in OUTCOMES
        ]
    )


def task_lines(
    tasks: list[FollowupTask], names: dict[int, str | None], now: datetime, context: BotContext
) -> list[str]:
    """/due's follow-up tasks, most urgent then oldest first, each with its age."""
    _ = context.tr.gettext
    lines = [_("Follow-up tasks (no answer to check-ins): {n}").format(n=len(tasks))]
    for task in tasks:
        hours = max(0, int((now - task.created_at).total_seconds() // 3600))
        urgency = _("⭐ priority") if task.urgency == "priority" else _("routine")
        name = html.escape(names.get(task.user_id) or f"#{task.user_id}")
        lines.append(
            "• "
            + _("#{id} · {urgency} · {name} (ID {user}) · open {hours} h").format(
                id=task.id, urgency=urgency, name=name, user=task.user_id, hours=hours
            )
        )
    return lines


async def on_callback(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    _ = context.tr.gettext
    action, task_id, outcome = [*query.data.split(":"), "", "", ""][1:4]
    runtime = context.runtime
    async with runtime.db.session() as session:
        scope = await ledger.scope_of(session, context.account.id, runtime.settings)
    if scope is None or not task_id.isdigit() or action not in ("c", "o"):
        await query.answer(_("This button is no longer valid."))
        return
    if action == "c":
        await query.answer()
        await query.edit_message_reply_markup(outcome_keyboard(int(task_id), context.tr))
        return
    async with runtime.db.session() as session:
        closed = await close_task(
            session,
            int(task_id),
            outcome,
            context.account.id,
            scope.communities,
            runtime.clock.now(),
        )
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
